"""CSCA and DSC builders, with local keys standing in for KMS (RAW ECDSA_SHA_256 -> DER)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, SignatureAlgorithmOID

from vaxcert.trust.x509 import (
    HCERT_EKU_RECOVERY,
    HCERT_EKU_TEST,
    HCERT_EKU_VACCINATION,
    build_csca_certificate,
    build_dsc_certificate,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def kms_signer(private_key: ec.EllipticCurvePrivateKey):
    """What KMS Sign(MessageType=RAW, SigningAlgorithm=ECDSA_SHA_256) does: DER signature of SHA-256."""

    def sign(tbs: bytes) -> bytes:
        return private_key.sign(tbs, ec.ECDSA(hashes.SHA256()))

    return sign


def spki(private_key: ec.EllipticCurvePrivateKey) -> bytes:
    """What KMS GetPublicKey returns in `PublicKey`."""
    return private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@pytest.fixture(scope="module")
def csca_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="module")
def dsc_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="module")
def csca_der(csca_key: ec.EllipticCurvePrivateKey) -> bytes:
    return build_csca_certificate(
        spki(csca_key),
        not_before=T0,
        not_after=T0 + timedelta(days=4 * 365),
        sign=kms_signer(csca_key),
    )


@pytest.fixture(scope="module")
def dsc_der(
    csca_der: bytes, csca_key: ec.EllipticCurvePrivateKey, dsc_key: ec.EllipticCurvePrivateKey
) -> bytes:
    return build_dsc_certificate(
        spki(dsc_key),
        issuer_certificate_der=csca_der,
        not_before=T0 + timedelta(days=1),
        not_after=T0 + timedelta(days=366),
        sign=kms_signer(csca_key),
    )


def ext(cert: x509.Certificate, cls: type) -> x509.Extension:
    return cert.extensions.get_extension_for_class(cls)


def test_csca_is_self_signed_ca(csca_der: bytes, csca_key: ec.EllipticCurvePrivateKey) -> None:
    csca = x509.load_der_x509_certificate(csca_der)
    assert csca.signature_algorithm_oid == SignatureAlgorithmOID.ECDSA_WITH_SHA256
    assert csca.public_key() == csca_key.public_key()
    csca.verify_directly_issued_by(csca)
    csca_key.public_key().verify(csca.signature, csca.tbs_certificate_bytes, ec.ECDSA(hashes.SHA256()))
    assert csca.subject == csca.issuer
    assert csca.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value == "JM"
    assert csca.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == (
        "Ministry of Health and Wellness"
    )
    assert csca.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Jamaica CSCA"

    bc = ext(csca, x509.BasicConstraints)
    assert bc.critical and bc.value.ca is True and bc.value.path_length == 0
    ku = ext(csca, x509.KeyUsage)
    assert ku.critical
    assert ku.value.key_cert_sign and ku.value.crl_sign and not ku.value.digital_signature
    ski = ext(csca, x509.SubjectKeyIdentifier).value
    assert ski == x509.SubjectKeyIdentifier.from_public_key(csca_key.public_key())
    assert csca.not_valid_before_utc == T0
    assert csca.not_valid_after_utc == T0 + timedelta(days=4 * 365)


def test_dsc_chains_to_csca(
    csca_der: bytes, dsc_der: bytes, csca_key: ec.EllipticCurvePrivateKey, dsc_key: ec.EllipticCurvePrivateKey
) -> None:
    csca = x509.load_der_x509_certificate(csca_der)
    dsc = x509.load_der_x509_certificate(dsc_der)
    dsc.verify_directly_issued_by(csca)
    csca_key.public_key().verify(dsc.signature, dsc.tbs_certificate_bytes, ec.ECDSA(hashes.SHA256()))
    assert dsc.public_key() == dsc_key.public_key()
    assert dsc.issuer == csca.subject
    assert dsc.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Jamaica DSC 1"
    assert dsc.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value == "JM"
    # kid as HC1 uses it (formats.hc1.kid_for_certificate): first 8 bytes of SHA-256 of the DER.
    assert len(hashlib.sha256(dsc_der).digest()[:8]) == 8


def test_dsc_extensions(csca_der: bytes, dsc_der: bytes, dsc_key: ec.EllipticCurvePrivateKey) -> None:
    csca = x509.load_der_x509_certificate(csca_der)
    dsc = x509.load_der_x509_certificate(dsc_der)

    bc = ext(dsc, x509.BasicConstraints).value
    assert bc.ca is False
    ku = ext(dsc, x509.KeyUsage)
    assert ku.critical
    assert ku.value.digital_signature
    assert not (ku.value.key_cert_sign or ku.value.crl_sign or ku.value.content_commitment)
    assert not (ku.value.key_encipherment or ku.value.data_encipherment or ku.value.key_agreement)

    eku = list(ext(dsc, x509.ExtendedKeyUsage).value)
    assert eku == [HCERT_EKU_VACCINATION]
    assert HCERT_EKU_VACCINATION.dotted_string == "1.3.6.1.4.1.1847.2021.1.2"
    assert HCERT_EKU_TEST not in eku and HCERT_EKU_RECOVERY not in eku
    assert ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE not in eku

    csca_ski = ext(csca, x509.SubjectKeyIdentifier).value
    aki = ext(dsc, x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == csca_ski.digest
    assert ext(dsc, x509.SubjectKeyIdentifier).value == x509.SubjectKeyIdentifier.from_public_key(
        dsc_key.public_key()
    )


def test_validity_window_honoured(dsc_der: bytes) -> None:
    dsc = x509.load_der_x509_certificate(dsc_der)
    assert dsc.not_valid_before_utc == T0 + timedelta(days=1)
    assert dsc.not_valid_after_utc == T0 + timedelta(days=366)


def test_accepts_key_objects_and_far_future_dates(csca_key: ec.EllipticCurvePrivateKey) -> None:
    # Key object instead of SPKI bytes; a date past 2049 switches to GeneralizedTime.
    der = build_csca_certificate(
        csca_key.public_key(),
        not_before=T0,
        not_after=datetime(2055, 1, 1, tzinfo=UTC),
        common_name="Jamaica CSCA 2",
        sign=kms_signer(csca_key),
    )
    cert = x509.load_der_x509_certificate(der)
    cert.verify_directly_issued_by(cert)
    assert cert.not_valid_after_utc == datetime(2055, 1, 1, tzinfo=UTC)


def test_dsc_signed_by_other_key_fails_verification(
    csca_der: bytes, csca_key: ec.EllipticCurvePrivateKey, dsc_key: ec.EllipticCurvePrivateKey
) -> None:
    impostor = ec.generate_private_key(ec.SECP256R1())
    csca = x509.load_der_x509_certificate(csca_der)
    # The builder refuses: a KMS call with the wrong key id must not produce a certificate.
    with pytest.raises(ValueError, match="issuer's private key"):
        build_dsc_certificate(
            spki(dsc_key),
            issuer_certificate_der=csca_der,
            not_before=T0 + timedelta(days=1),
            not_after=T0 + timedelta(days=30),
            sign=kms_signer(impostor),
        )
    # And a DSC from a different CSCA with the same name does not verify against ours.
    other_csca_der = build_csca_certificate(
        spki(impostor), not_before=T0, not_after=T0 + timedelta(days=400), sign=kms_signer(impostor)
    )
    forged = x509.load_der_x509_certificate(
        build_dsc_certificate(
            spki(dsc_key),
            issuer_certificate_der=other_csca_der,
            not_before=T0 + timedelta(days=1),
            not_after=T0 + timedelta(days=30),
            sign=kms_signer(impostor),
        )
    )
    assert forged.issuer == csca.subject
    with pytest.raises(InvalidSignature):
        forged.verify_directly_issued_by(csca)
    with pytest.raises(InvalidSignature):
        csca_key.public_key().verify(
            forged.signature, forged.tbs_certificate_bytes, ec.ECDSA(hashes.SHA256())
        )


def test_raw_signature_is_rejected(csca_key: ec.EllipticCurvePrivateKey) -> None:
    def raw_signer(tbs: bytes) -> bytes:
        r, s = decode_dss_signature(csca_key.sign(tbs, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    with pytest.raises(ValueError):
        build_csca_certificate(
            spki(csca_key), not_before=T0, not_after=T0 + timedelta(days=1), sign=raw_signer
        )


@pytest.mark.parametrize(
    ("nb", "na"),
    [
        (T0, T0),  # empty window
        (T0 - timedelta(days=1), T0 + timedelta(days=10)),  # starts before the CSCA
        (T0 + timedelta(days=1), T0 + timedelta(days=5 * 365)),  # outlives the CSCA
        (datetime(2026, 2, 1), datetime(2026, 3, 1)),  # naive datetimes
    ],
)
def test_bad_dsc_windows_rejected(
    csca_der: bytes, csca_key: ec.EllipticCurvePrivateKey, dsc_key: ec.EllipticCurvePrivateKey, nb, na
) -> None:
    with pytest.raises(ValueError):
        build_dsc_certificate(
            spki(dsc_key),
            issuer_certificate_der=csca_der,
            not_before=nb,
            not_after=na,
            sign=kms_signer(csca_key),
        )


def test_rejects_key_types_hc1_cannot_use(csca_key: ec.EllipticCurvePrivateKey) -> None:
    from cryptography.hazmat.primitives.asymmetric import ed25519

    with pytest.raises(ValueError, match="unsupported public key"):
        build_csca_certificate(
            ed25519.Ed25519PrivateKey.generate().public_key(),
            not_before=T0,
            not_after=T0 + timedelta(days=1),
            sign=kms_signer(csca_key),
        )
