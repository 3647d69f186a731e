"""Offline verification of vaccination QR codes (HC1, WHO DDCC, DIVOC, SHC, ICAO VDS-NC): pure, no AWS."""

from vaxcert.formats.summary import CertificateContent
from vaxcert.verification.engine import decode_certificate, verify_qr
from vaxcert.verification.models import CertificateSummary, VerificationResult
from vaxcert.verification.trust import (
    CertificateRevocations,
    Framework,
    InMemoryRevocationList,
    InMemoryTrustStore,
    RevocationCheck,
    RevocationQuery,
    Revocations,
    TrustedCertificate,
    TrustedKey,
    TrustStore,
)

__all__ = [
    "CertificateContent",
    "CertificateRevocations",
    "CertificateSummary",
    "Framework",
    "InMemoryRevocationList",
    "InMemoryTrustStore",
    "RevocationCheck",
    "RevocationQuery",
    "Revocations",
    "TrustStore",
    "TrustedCertificate",
    "TrustedKey",
    "VerificationResult",
    "decode_certificate",
    "verify_qr",
]
