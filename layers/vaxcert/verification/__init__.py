"""Offline verification of vaccination QR codes (HC1/EU DCC, WHO DDCC, DIVOC, SHC): pure, no AWS."""

from vaxcert.verification.engine import verify_qr
from vaxcert.verification.models import CertificateSummary, VerificationResult
from vaxcert.verification.trust import (
    InMemoryRevocationList,
    InMemoryTrustStore,
    RevocationCheck,
    TrustedCertificate,
    TrustStore,
)

__all__ = [
    "CertificateSummary",
    "InMemoryRevocationList",
    "InMemoryTrustStore",
    "RevocationCheck",
    "TrustStore",
    "TrustedCertificate",
    "VerificationResult",
    "verify_qr",
]
