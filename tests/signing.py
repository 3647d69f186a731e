"""Test helpers: local signing keys and self-signed DSCs, standing in for KMS."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from vaxcert.formats.cose import der_to_raw_ecdsa

Signer = Callable[[bytes], bytes]


def es256_signer(key: ec.EllipticCurvePrivateKey) -> Signer:
    """What the KMS-backed signer does: DER ECDSA from the key, returned as raw r||s."""
    return lambda data: der_to_raw_ecdsa(key.sign(data, ec.ECDSA(hashes.SHA256())))


def self_signed_dsc(
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | None = None,
    *,
    country: str = "JM",
    not_before: datetime = datetime(2021, 1, 1, tzinfo=UTC),
    not_after: datetime | None = None,
) -> tuple[ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey, bytes]:
    """(private key, DER certificate) of a DSC valid from ``not_before`` (two years unless ``not_after``)."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, country),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{country} test DSC"),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after or not_before + timedelta(days=730))
        .sign(key, hashes.SHA256())
    )
    return key, cert.public_bytes(serialization.Encoding.DER)
