"""Offline verification of vaccination QR codes (HC1, WHO DDCC, DIVOC, SHC, ICAO VDS-NC): no AWS; the
stored trust list and revocation state come in through `vaxcert.verification.ports`."""

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
