import cbor2
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from tests.signing import es256_signer
from vaxcert.formats import cose
from vaxcert.formats.errors import CoseError

KID = b"\x01\x02\x03\x04\x05\x06\x07\x08"


@pytest.fixture(scope="module")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def test_sig_structure_is_the_rfc9052_array() -> None:
    assert cbor2.loads(cose.sig_structure(b"\xa1\x01\x26", b"payload")) == [
        "Signature1",
        b"\xa1\x01\x26",
        b"",
        b"payload",
    ]


def test_sign1_puts_alg_and_kid_in_the_protected_header(ec_key: ec.EllipticCurvePrivateKey) -> None:
    signed = cose.sign1(b"payload", kid=KID, sign=es256_signer(ec_key))
    tag = cbor2.loads(signed)
    assert tag.tag == 18
    assert cbor2.loads(tag.value[0]) == {1: -7, 4: KID}
    assert tag.value[1] == {}
    parsed = cose.parse_sign1(signed)
    assert (parsed.alg, parsed.kid, parsed.payload) == (-7, KID, b"payload")
    assert cose.verify_signature(parsed.alg, ec_key.public_key(), parsed.sig_structure, parsed.signature)


def test_tampered_payload_does_not_verify(ec_key: ec.EllipticCurvePrivateKey) -> None:
    parsed = cose.parse_sign1(cose.sign1(b"payload", kid=KID, sign=es256_signer(ec_key)))
    tampered = cose.sig_structure(parsed.protected, b"pay1oad")
    assert not cose.verify_signature(-7, ec_key.public_key(), tampered, parsed.signature)


def test_wrong_key_type_or_unknown_alg_does_not_verify(ec_key: ec.EllipticCurvePrivateKey) -> None:
    parsed = cose.parse_sign1(cose.sign1(b"p", kid=KID, sign=es256_signer(ec_key)))
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert not cose.verify_signature(-37, rsa_key.public_key(), parsed.sig_structure, parsed.signature)
    assert not cose.verify_signature(-8, ec_key.public_key(), parsed.sig_structure, parsed.signature)
    assert not cose.verify_signature(None, ec_key.public_key(), parsed.sig_structure, parsed.signature)
    assert not cose.verify_signature(-7, ec_key.public_key(), parsed.sig_structure, parsed.signature[:-1])


@pytest.mark.parametrize("wrap", ["untagged", "tag18", "tag61"])
def test_parse_accepts_untagged_tag18_and_tag61(ec_key: ec.EllipticCurvePrivateKey, wrap: str) -> None:
    protected = cose.protected_header(cose.ES256, KID)
    signature = es256_signer(ec_key)(cose.sig_structure(protected, b"x"))
    body = [protected, {}, b"x", signature]
    obj = {
        "untagged": body,
        "tag18": cbor2.CBORTag(18, body),
        "tag61": cbor2.CBORTag(61, cbor2.CBORTag(18, body)),
    }[wrap]
    parsed = cose.parse_sign1(cbor2.dumps(obj))
    assert parsed.kid == KID
    assert cose.verify_signature(parsed.alg, ec_key.public_key(), parsed.sig_structure, parsed.signature)


def test_kid_may_come_from_the_unprotected_header() -> None:
    data = cbor2.dumps([cbor2.dumps({1: -7}), {4: KID}, b"x", b"s" * 64])
    assert cose.parse_sign1(data).kid == KID


def test_protected_kid_wins_over_unprotected() -> None:
    data = cbor2.dumps([cbor2.dumps({1: -7, 4: KID}), {4: b"other"}, b"x", b"s" * 64])
    assert cose.parse_sign1(data).kid == KID


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\x00",
        cbor2.dumps({"a": 1}),
        cbor2.dumps([b"", {}, b""]),
        cbor2.dumps(cbor2.CBORTag(98, [b"", {}, b"", b""])),
        cbor2.dumps([b"", {}, "text payload", b""]),
        cbor2.dumps([b"\xff", {}, b"", b""]),
        cbor2.dumps([cbor2.dumps([1]), {}, b"", b""]),
        cbor2.dumps([b"", [], b"", b""]),
    ],
)
def test_parse_rejects_non_sign1(data: bytes) -> None:
    with pytest.raises(CoseError):
        cose.parse_sign1(data)


def test_ps256_signature_verifies() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def sign(data: bytes) -> bytes:
        pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
        return key.sign(data, pss, hashes.SHA256())

    parsed = cose.parse_sign1(cose.sign1(b"payload", kid=KID, sign=sign, alg=cose.PS256))
    assert parsed.alg == -37
    assert cose.verify_signature(parsed.alg, key.public_key(), parsed.sig_structure, parsed.signature)
    assert not cose.verify_signature(
        parsed.alg, key.public_key(), parsed.sig_structure + b"x", parsed.signature
    )


def test_ecdsa_der_raw_round_trip(ec_key: ec.EllipticCurvePrivateKey) -> None:
    der = ec_key.sign(b"m", ec.ECDSA(hashes.SHA256()))
    raw = cose.der_to_raw_ecdsa(der, 32)
    assert len(raw) == 64
    assert cose.raw_to_der_ecdsa(raw) == der
    ec_key.public_key().verify(cose.raw_to_der_ecdsa(raw), b"m", ec.ECDSA(hashes.SHA256()))


def test_raw_with_leading_zero_bytes_keeps_its_width() -> None:
    raw = b"\x00" * 31 + b"\x01" + b"\x00" * 30 + b"\x01\x02"
    assert cose.der_to_raw_ecdsa(cose.raw_to_der_ecdsa(raw), 32) == raw


def test_raw_to_der_rejects_odd_length() -> None:
    with pytest.raises(ValueError):
        cose.raw_to_der_ecdsa(b"\x01" * 63)
