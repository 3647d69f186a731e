"""X.509 CSCA and DSC certificates for the HC1 trust chain, signed by keys we cannot hold locally.

The CSCA and DSC private keys live in KMS (ECC_NIST_P256). `cryptography` only signs certificates
with a local key, so we build the certificate signed by a throwaway key, keep its TBSCertificate,
have the caller's `sign` (KMS Sign, MessageType=RAW, ECDSA_SHA_256 -> DER signature) sign it, and
assemble the final Certificate by hand. The result is parsed and verified against the issuer's
public key before it is returned, so a wrong KMS key id fails here and not in a verifier app.

Profile: EU DCC / HCERT certificate governance (CSCA: CA, pathlen 0, keyCertSign + cRLSign;
DSC: digitalSignature only, extended key usage limited to vaccination certificates).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cache

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID, ObjectIdentifier

__all__ = [
    "ECDSA_WITH_SHA256_ALGORITHM_IDENTIFIER",
    "HCERT_EKU_RECOVERY",
    "HCERT_EKU_TEST",
    "HCERT_EKU_VACCINATION",
    "PublicKeyInput",
    "Signer",
    "build_csca_certificate",
    "build_dsc_certificate",
    "load_public_key",
]

# HCERT extended key usage OIDs (eHealth Network certificate governance): a DSC carrying only
# the vaccination OID may sign vaccination certificates and nothing else.
HCERT_EKU_TEST = ObjectIdentifier("1.3.6.1.4.1.1847.2021.1.1")
HCERT_EKU_VACCINATION = ObjectIdentifier("1.3.6.1.4.1.1847.2021.1.2")
HCERT_EKU_RECOVERY = ObjectIdentifier("1.3.6.1.4.1.1847.2021.1.3")

# AlgorithmIdentifier { ecdsa-with-SHA256 (1.2.840.10045.4.3.2) } with parameters absent (RFC 5758 3.2).
ECDSA_WITH_SHA256_ALGORITHM_IDENTIFIER = bytes.fromhex("300a06082a8648ce3d040302")

Signer = Callable[[bytes], bytes]
"""Signs TBSCertificate bytes with ECDSA P-256 / SHA-256 and returns the DER ECDSA-Sig-Value."""

PublicKeyInput = CertificatePublicKeyTypes | bytes
"""A public key object, or DER SubjectPublicKeyInfo as KMS GetPublicKey returns it."""


# --- tiny DER encoder: just enough for the outer Certificate SEQUENCE --------------------------


def _der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _der(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _der_length(len(content)) + content


def _der_sequence(*parts: bytes) -> bytes:
    return _der(0x30, b"".join(parts))


def _der_bit_string(data: bytes) -> bytes:
    return _der(0x03, b"\x00" + data)  # 0 unused bits


# --- helpers ------------------------------------------------------------------------------------


@cache
def _throwaway_key() -> ec.EllipticCurvePrivateKey:
    # Only its signature algorithm matters: the signature it makes is discarded.
    return ec.generate_private_key(ec.SECP256R1())


def load_public_key(key: PublicKeyInput) -> ec.EllipticCurvePublicKey | rsa.RSAPublicKey:
    """Accept a public key object or DER SubjectPublicKeyInfo (KMS GetPublicKey `PublicKey`).

    Only EC and RSA: HC1 verifiers implement ES256 and PS256 and nothing else.
    """
    loaded = serialization.load_der_public_key(bytes(key)) if isinstance(key, bytes) else key
    if not isinstance(loaded, ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
        raise ValueError(f"unsupported public key type for an HC1 certificate: {type(loaded).__name__}")
    return loaded


def _check_window(not_before: datetime, not_after: datetime) -> None:
    if not_before.tzinfo is None or not_after.tzinfo is None:
        raise ValueError("not_before and not_after must be timezone-aware (UTC)")
    if not_after <= not_before:
        raise ValueError("not_after must be later than not_before")


def _sign_and_assemble(builder: x509.CertificateBuilder, sign: Signer) -> x509.Certificate:
    draft = builder.sign(_throwaway_key(), hashes.SHA256())
    tbs = draft.tbs_certificate_bytes
    signature = bytes(sign(tbs))
    try:
        decode_dss_signature(signature)
    except ValueError as exc:
        raise ValueError(
            "sign() must return a DER ECDSA signature (KMS Sign, ECDSA_SHA_256), not raw r||s"
        ) from exc
    der = _der_sequence(tbs, ECDSA_WITH_SHA256_ALGORITHM_IDENTIFIER, _der_bit_string(signature))
    return x509.load_der_x509_certificate(der)


def _verify_signed_by(cert: x509.Certificate, issuer_key: CertificatePublicKeyTypes) -> None:
    if not isinstance(issuer_key, ec.EllipticCurvePublicKey):
        raise ValueError("the issuing key must be an EC key (certificates are signed ecdsa-with-SHA256)")
    try:
        issuer_key.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as exc:
        raise ValueError("sign() did not sign with the issuer's private key (wrong KMS key?)") from exc


def _ski(public_key: CertificatePublicKeyTypes) -> x509.SubjectKeyIdentifier:
    return x509.SubjectKeyIdentifier.from_public_key(public_key)


# --- public API -----------------------------------------------------------------------------------


def build_csca_certificate(
    public_key: PublicKeyInput,
    *,
    country: str = "JM",
    organisation: str = "Ministry of Health and Wellness",
    common_name: str = "Jamaica CSCA",
    not_before: datetime,
    not_after: datetime,
    sign: Signer,
) -> bytes:
    """Self-signed CSCA certificate (DER). `sign` must sign with the private half of `public_key`."""
    _check_window(not_before, not_after)
    key = load_public_key(public_key)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, country),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    ski = _ski(key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ski, critical=False)
        # Self-signed: AKI = own SKI, which some path builders (and the EU DCC gateway) expect.
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
    )
    cert = _sign_and_assemble(builder, sign)
    _verify_signed_by(cert, key)
    return cert.public_bytes(serialization.Encoding.DER)


def build_dsc_certificate(
    subject_public_key: PublicKeyInput,
    *,
    issuer_certificate_der: bytes,
    not_before: datetime,
    not_after: datetime,
    common_name: str = "Jamaica DSC 1",
    country: str = "JM",
    organisation: str | None = None,
    sign: Signer,
) -> bytes:
    """Document Signer Certificate (DER) issued by the CSCA in `issuer_certificate_der`.

    `sign` must sign with the CSCA's private key. `organisation` defaults to the CSCA's O.
    The validity window must lie inside the CSCA's (a verifier rejects the chain otherwise).
    """
    _check_window(not_before, not_after)
    key = load_public_key(subject_public_key)
    issuer = x509.load_der_x509_certificate(issuer_certificate_der)
    if not (issuer.not_valid_before_utc <= not_before and not_after <= issuer.not_valid_after_utc):
        raise ValueError("the DSC validity window must lie within the CSCA's validity")
    try:
        issuer_ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer_ski)
    except x509.ExtensionNotFound:
        aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.public_key())  # type: ignore[arg-type]
    if organisation is None:
        orgs = issuer.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
        organisation = str(orgs[0].value) if orgs else None
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, country)]
    if organisation:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(attributes))
        .issuer_name(issuer.subject)
        .public_key(key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        # Vaccination OID only: verifiers then refuse test/recovery certificates signed by this DSC.
        .add_extension(x509.ExtendedKeyUsage([HCERT_EKU_VACCINATION]), critical=False)
        .add_extension(_ski(key), critical=False)
        .add_extension(aki, critical=False)
    )
    cert = _sign_and_assemble(builder, sign)
    _verify_signed_by(cert, issuer.public_key())
    return cert.public_bytes(serialization.Encoding.DER)
