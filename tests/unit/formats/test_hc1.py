import hashlib
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import cbor2
import pytest
import segno
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from tests.factories import EXAMPLE_HCID, example_record
from tests.signing import es256_signer
from vaxcert.formats import base45, cose, ddcc_ext
from vaxcert.formats.errors import (
    Base45Error,
    CoseError,
    CwtError,
    DecompressionError,
    FormatError,
    PrefixError,
)
from vaxcert.formats.eu_dcc import EuVaccineCodes
from vaxcert.formats.hc1 import (
    QR_ALPHANUMERIC_CAPACITY_Q,
    decode_hc1,
    encode_hc1,
    hcert_from_record,
    kid_for_certificate,
    predicted_hc1_length,
    qr_version_q,
)
from vaxcert.formats.uvci import make_uci

COMIRNATY = EuVaccineCodes(vp="1119349007", mp="EU/1/20/1528", ma="ORG-100030215")
ISSUED = datetime(2021, 12, 14, 15, 30, tzinfo=UTC)
EXPIRES = ISSUED + timedelta(days=365)
KID = bytes.fromhex("0102030405060708")
KEY = ec.generate_private_key(ec.SECP256R1())


def _encode(hcert: dict | None = None, **kwargs) -> str:
    hcert = hcert or hcert_from_record(example_record(), COMIRNATY, make_uci("JM", EXAMPLE_HCID))
    args: dict[str, Any] = {
        "issuer_country": "JAM",
        "issued_at": ISSUED,
        "expires_at": EXPIRES,
        "kid": KID,
        "sign": es256_signer(KEY),
    } | kwargs
    return encode_hc1(hcert, **args)


def _hc1_from_cose(cose_bytes: bytes) -> str:
    return "HC1:" + base45.encode(zlib.compress(cose_bytes))


def test_round_trip_claims_and_headers() -> None:
    hcert = hcert_from_record(example_record(), COMIRNATY, make_uci("JM", EXAMPLE_HCID), max_qr_version=None)
    doc = decode_hc1(_encode(hcert))
    assert doc.kid == KID
    assert doc.alg == cose.ES256
    assert doc.protected_header == {1: -7, 4: KID}
    assert doc.issuer == "JM"
    assert doc.issued_at == int(ISSUED.timestamp())
    assert doc.expires_at == int(EXPIRES.timestamp())
    assert doc.eu == hcert[1]
    assert doc.ddcc == hcert[3]
    assert doc.who_ddcc is None
    assert len(doc.signature) == 64
    KEY.public_key().verify(
        cose.raw_to_der_ecdsa(doc.signature), doc.sig_structure, ec.ECDSA(hashes.SHA256())
    )


def test_full_ddcc_extension_layout() -> None:
    record = example_record(certificate={"version": 2})
    ext = ddcc_ext.ddcc_extension(record)
    assert ext == {
        1: 2,
        5: "FK5127",
        8: 21,
        2: "f",
        3: "XM0GQ8",
        4: "XM8NQ0",
        6: "St. Jago Park Health Centre",
        7: "Brown, Nadine",
    }
    assert 10 not in ext  # national identifier is opt-in
    described = ddcc_ext.describe_extension(ext, record.vaccination.date)
    assert described["nextDose"] == "2022-01-04"
    assert described["sex"] == "female"
    with_id = ddcc_ext.ddcc_extension(record, [*ddcc_ext.DEFAULT_FIELDS, "identifier"])
    assert ddcc_ext.describe_extension(with_id)["identifier"] == {"type": "TRN", "value": "112233445"}


def test_example_record_fits_qr_version_18_at_level_q() -> None:
    text = _encode()
    assert int(segno.make(text, error="q", micro=False).version) <= 18


def test_extension_fields_are_dropped_lowest_priority_first_to_fit() -> None:
    record = example_record()
    uci = make_uci("JM", EXAMPLE_HCID)
    roomy = hcert_from_record(record, COMIRNATY, uci, max_qr_version=20)
    tight = hcert_from_record(record, COMIRNATY, uci, max_qr_version=19)
    assert set(roomy[3]) > set(tight[3])
    # What survives is a prefix of the priority order.
    kept = [ddcc_ext.NAMES[k] for k in tight[3]]
    assert kept == [f for f in ddcc_ext.PRIORITY if f in kept]
    assert qr_version_q(len(_encode(tight))) <= 19
    assert int(segno.make(_encode(roomy), error="q", micro=False).version) <= 20


def test_short_eu_issuer_leaves_room_for_ddcc_fields() -> None:
    hcert = hcert_from_record(
        example_record(), COMIRNATY, make_uci("JM", EXAMPLE_HCID), eu_issuer="MOHW Jamaica"
    )
    assert hcert[3][ddcc_ext.LOT] == "FK5127"
    assert int(segno.make(_encode(hcert), error="q", micro=False).version) <= 18


def test_prediction_matches_the_real_length_closely() -> None:
    hcert = hcert_from_record(example_record(), COMIRNATY, make_uci("JM", EXAMPLE_HCID), max_qr_version=None)
    actual = len(_encode(hcert))
    assert abs(predicted_hc1_length(hcert) - actual) <= 10


def test_capacity_table_agrees_with_segno() -> None:
    for version in (10, 17, 18, 19, 25):
        capacity = QR_ALPHANUMERIC_CAPACITY_Q[version - 1]
        assert segno.make("A" * capacity, error="q", micro=False).version == version
        assert segno.make("A" * (capacity + 1), error="q", micro=False).version == version + 1


def test_kid_is_first_8_bytes_of_sha256_of_der() -> None:
    der = b"\x30\x03\x02\x01\x01"
    assert kid_for_certificate(der) == hashlib.sha256(der).digest()[:8]


def test_sign_must_return_raw_signature() -> None:
    der_signer = lambda data: KEY.sign(data, ec.ECDSA(hashes.SHA256()))  # noqa: E731
    with pytest.raises(ValueError, match="raw"):
        _encode(sign=der_signer)


def test_expiry_must_follow_issuance() -> None:
    with pytest.raises(ValueError):
        _encode(expires_at=ISSUED)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("HC2:ABC", PrefixError),
        ("NCFOXN", PrefixError),
        ("HC1:abc", Base45Error),
        ("HC1:A", Base45Error),
        ("HC1:" + base45.encode(b"not zlib"), DecompressionError),
        ("HC1:" + base45.encode(zlib.compress(b"\xff\xfe")), CoseError),
        ("HC1:" + base45.encode(zlib.compress(cbor2.dumps({"a": 1}))), CoseError),
        (_hc1_from_cose(cbor2.dumps([b"", {}, b"\xff", b"s"])), CwtError),
        (_hc1_from_cose(cbor2.dumps([b"", {}, cbor2.dumps([1, 2]), b"s"])), CwtError),
        (_hc1_from_cose(cbor2.dumps([b"", {}, cbor2.dumps({1: "JM"}), b"s"])), CwtError),
        (_hc1_from_cose(cbor2.dumps([b"", {}, cbor2.dumps({-260: {1: "x"}}), b"s"])), CwtError),
    ],
)
def test_each_stage_raises_its_own_format_error(text: str, error: type[FormatError]) -> None:
    with pytest.raises(error):
        decode_hc1(text)


def test_all_stage_errors_are_format_errors_and_value_errors() -> None:
    for cls in (PrefixError, Base45Error, DecompressionError, CoseError, CwtError):
        assert issubclass(cls, FormatError)
        assert issubclass(cls, ValueError)


def test_surrounding_whitespace_is_ignored() -> None:
    assert decode_hc1("  " + _encode() + "\n").kid == KID
