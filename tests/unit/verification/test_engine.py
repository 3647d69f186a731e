import base64
import zlib
from datetime import UTC, datetime, timedelta

import cbor2
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from tests.factories import EXAMPLE_HCID, example_record
from tests.signing import es256_signer, self_signed_dsc
from vaxcert.formats import base45, cose
from vaxcert.formats.eu_dcc import EuVaccineCodes
from vaxcert.formats.hc1 import encode_hc1, hcert_from_record, kid_for_certificate
from vaxcert.formats.uvci import make_uci
from vaxcert.verification import InMemoryRevocationList, InMemoryTrustStore, TrustedCertificate, verify_qr
from vaxcert.verification.trust import country_uci_hash, signature_hash, uci_hash

COMIRNATY = EuVaccineCodes(vp="1119349007", mp="EU/1/20/1528", ma="ORG-100030215")
UCI = make_uci("JM", EXAMPLE_HCID)
ISSUED = datetime(2021, 12, 14, 15, 0, tzinfo=UTC)
EXPIRES = ISSUED + timedelta(days=365)
NOW = ISSUED + timedelta(days=30)

KEY = ec.generate_private_key(ec.SECP256R1())
_, DSC = self_signed_dsc(KEY)
KID = kid_for_certificate(DSC)
TRUST = InMemoryTrustStore([TrustedCertificate.from_der(DSC)])


def _qr(
    *, key: ec.EllipticCurvePrivateKey = KEY, kid: bytes = KID, issued=ISSUED, expires=EXPIRES, **record
) -> str:
    hcert = hcert_from_record(example_record(**record), COMIRNATY, UCI)
    return encode_hc1(
        hcert, issuer_country="JAM", issued_at=issued, expires_at=expires, kid=kid, sign=es256_signer(key)
    )


QR = _qr()


def _hc1(cose_bytes: bytes) -> str:
    return "HC1:" + base45.encode(zlib.compress(cose_bytes))


def test_valid_certificate_and_json_contract() -> None:
    result = verify_qr(QR, TRUST, at=NOW).to_json_dict()
    assert result["valid"] is True
    assert result["status"] == "VALID"
    assert result["format"] == "HC1"
    assert result["issuer"] == "JM"
    assert result["kid"] == base64.b64encode(KID).decode()
    assert result["certificate"] == {
        "name": "Marcia Campbell",
        "dateOfBirth": "1984-03-07",
        "hcid": EXAMPLE_HCID,
        "vaccine": "Comirnaty (Pfizer-BioNTech)",
        "dose": 1,
        "totalDoses": 2,
        "date": "2021-12-14",
        "country": "JM",
    }
    assert isinstance(result["reason"], str) and result["reason"]


def test_unknown_kid_is_unknown_issuer_even_if_another_trusted_key_would_verify() -> None:
    qr = _qr(kid=b"\x00" * 8)  # signed by the trusted key but announcing another kid
    result = verify_qr(qr, TRUST, at=NOW)
    assert result.status == "UNKNOWN_ISSUER"
    assert result.valid is False
    assert result.certificate is None


def test_same_kid_other_key_is_signature_invalid() -> None:
    impostor = ec.generate_private_key(ec.SECP256R1())
    result = verify_qr(_qr(key=impostor), TRUST, at=NOW)
    assert result.status == "SIGNATURE_INVALID"
    assert result.certificate is None


def test_several_certificates_for_one_kid_are_all_tried() -> None:
    _, other_dsc = self_signed_dsc()
    store = InMemoryTrustStore(
        [TrustedCertificate.from_der(other_dsc, kid=KID), TrustedCertificate.from_der(DSC)]
    )
    assert verify_qr(QR, store, at=NOW).status == "VALID"


def test_csca_entries_are_not_used_to_verify_documents() -> None:
    store = InMemoryTrustStore([TrustedCertificate.from_der(DSC, certificate_type="CSCA")])
    assert verify_qr(QR, store, at=NOW).status == "UNKNOWN_ISSUER"


def test_every_single_character_change_is_caught() -> None:
    body = QR[4:]
    statuses = set()
    for i in range(0, len(body), 7):
        replacement = "A" if body[i] != "A" else "B"
        tampered = "HC1:" + body[:i] + replacement + body[i + 1 :]
        result = verify_qr(tampered, TRUST, at=NOW)
        assert result.status in {"SIGNATURE_INVALID", "MALFORMED", "UNKNOWN_ISSUER"}, i
        statuses.add(result.status)
    assert "MALFORMED" in statuses


def test_payload_changed_and_resigned_by_nobody_is_signature_invalid() -> None:
    signed = cbor2.loads(zlib.decompress(base45.decode(QR[4:])))
    parts = list(signed.value)  # cbor2 6 decodes a tag's content as a tuple
    claims = cbor2.loads(parts[2])
    claims[-260][1]["dob"] = "1990-01-01"
    parts[2] = cbor2.dumps(claims)
    result = verify_qr(_hc1(cbor2.dumps(cbor2.CBORTag(signed.tag, parts))), TRUST, at=NOW)
    assert result.status == "SIGNATURE_INVALID"


def test_expired_and_not_yet_valid() -> None:
    assert verify_qr(QR, TRUST, at=EXPIRES + timedelta(seconds=1)).status == "EXPIRED"
    assert verify_qr(QR, TRUST, at=EXPIRES - timedelta(seconds=1)).status == "VALID"
    assert verify_qr(QR, TRUST, at=ISSUED - timedelta(hours=1)).status == "NOT_YET_VALID"
    assert verify_qr(QR, TRUST, at=ISSUED - timedelta(minutes=2)).status == "VALID"  # clock skew allowance


def test_signing_certificate_validity_window() -> None:
    _, short_dsc = self_signed_dsc(KEY, not_before=ISSUED, not_after=ISSUED + timedelta(days=10))
    store = InMemoryTrustStore([TrustedCertificate.from_der(short_dsc, kid=KID)])
    assert verify_qr(QR, store, at=ISSUED + timedelta(days=5)).status == "VALID"
    after = verify_qr(QR, store, at=ISSUED + timedelta(days=11))
    assert (after.status, after.reason) == ("EXPIRED", "signing certificate (DSC) has expired")
    _, later_dsc = self_signed_dsc(KEY, not_before=ISSUED + timedelta(days=1))
    store = InMemoryTrustStore([TrustedCertificate.from_der(later_dsc, kid=KID)])
    assert verify_qr(QR, store, at=ISSUED + timedelta(hours=1)).status == "NOT_YET_VALID"


def _signature(qr: str) -> bytes:
    return cbor2.loads(zlib.decompress(base45.decode(qr[4:]))).value[3]


@pytest.mark.parametrize("kind", ["uci", "country_uci", "signature"])
def test_revoked_by_each_eu_hash_kind(kind: str) -> None:
    digest = {
        "uci": uci_hash(UCI),
        "country_uci": country_uci_hash("JM", UCI),
        "signature": signature_hash(_signature(QR)),
    }[kind]
    revocation = InMemoryRevocationList([base64.b64encode(digest).decode()])
    assert verify_qr(QR, TRUST, at=NOW, revocation=revocation).status == "REVOKED"
    other = InMemoryRevocationList([base64.b64encode(b"\x00" * 16).decode()])
    assert verify_qr(QR, TRUST, at=NOW, revocation=other).status == "VALID"


def test_es256_signature_hash_covers_r_only() -> None:
    signature = _signature(QR)
    assert signature_hash(signature) == signature_hash(signature[:32] + b"\x00" * 32)


def test_precedence_revoked_over_expired_and_signature_over_revoked() -> None:
    revocation = InMemoryRevocationList([uci_hash(UCI)])
    assert verify_qr(QR, TRUST, at=EXPIRES + timedelta(days=1), revocation=revocation).status == "REVOKED"
    forged = _qr(key=ec.generate_private_key(ec.SECP256R1()))
    assert verify_qr(forged, TRUST, at=EXPIRES + timedelta(days=1), revocation=revocation).status == (
        "SIGNATURE_INVALID"
    )


@pytest.mark.parametrize(
    "text",
    ["", "hello", "HC1:", "HC1:%%%", "HC1:" + base45.encode(b"xx"), "B64:!!!", "shc:/12", "{}", "\x00\x01"],
)
def test_garbage_is_malformed_and_never_raises(text: str) -> None:
    result = verify_qr(text, TRUST, at=NOW)
    assert result.status == "MALFORMED"
    assert result.valid is False


def test_non_string_input_is_malformed() -> None:
    assert verify_qr(None, TRUST, at=NOW).status == "MALFORMED"  # type: ignore[arg-type]


def test_missing_kid_is_unknown_issuer() -> None:
    claims = cbor2.dumps({1: "JM", 4: int(EXPIRES.timestamp()), 6: int(ISSUED.timestamp()), -260: {1: {}}})
    protected = cbor2.dumps({1: -7})
    signature = es256_signer(KEY)(cose.sig_structure(protected, claims))
    qr = _hc1(cose.assemble_sign1(protected, claims, signature))
    assert verify_qr(qr, TRUST, at=NOW).status == "UNKNOWN_ISSUER"


@pytest.mark.parametrize("wrap", ["untagged", "tag61"])
def test_untagged_and_cwt_tagged_verify(wrap: str) -> None:
    signed = cbor2.loads(zlib.decompress(base45.decode(QR[4:])))
    body = signed.value
    obj = body if wrap == "untagged" else cbor2.CBORTag(61, cbor2.CBORTag(18, body))
    assert verify_qr(_hc1(cbor2.dumps(obj)), TRUST, at=NOW).status == "VALID"


def test_ps256_end_to_end() -> None:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    _, rsa_dsc = self_signed_dsc(rsa_key)
    kid = kid_for_certificate(rsa_dsc)
    hcert = hcert_from_record(example_record(), COMIRNATY, UCI)
    claims = cbor2.dumps({1: "JM", 4: int(EXPIRES.timestamp()), 6: int(ISSUED.timestamp()), -260: hcert})
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
    signed = cose.sign1(claims, kid=kid, sign=lambda m: rsa_key.sign(m, pss, hashes.SHA256()), alg=cose.PS256)
    store = InMemoryTrustStore([TrustedCertificate.from_der(rsa_dsc)])
    assert verify_qr(_hc1(signed), store, at=NOW).status == "VALID"


def test_trust_store_from_gateway_json_and_pem() -> None:
    trust_list = {
        "certificates": [
            {"kid": base64.b64encode(KID).decode(), "country": "JM", "certificateType": "DSC",
             "rawData": base64.b64encode(DSC).decode()},
            {"kid": "AAAAAAAAAAA=", "country": "JM", "certificateType": "DSC", "rawData": "not base64 DER"},
        ]
    }  # fmt: skip
    store = InMemoryTrustStore.from_trust_list(trust_list)
    assert len(store) == 1
    assert verify_qr(QR, store, at=NOW).status == "VALID"
    from cryptography import x509

    pem = x509.load_der_x509_certificate(DSC).public_bytes(serialization.Encoding.PEM)
    assert verify_qr(QR, InMemoryTrustStore.from_certificates([pem]), at=NOW).status == "VALID"
    assert store.certificates_for(KID)[0].country == "JM"
