"""The verify function's view of the stored trust list and of our own revocation state."""

from __future__ import annotations

import time

from vaxcert.formats.uvci import parse_uci_hcid
from vaxcert.issuance.certificate import CertificateStatus
from vaxcert.store.certificates import CertificateRepository
from vaxcert.store.trust import TrustRepository
from vaxcert.verification.trust import InMemoryTrustStore, TrustedCertificate

# Trust lists change on key rotation or import: minutes of staleness are fine, a scan per request is not.
TRUST_CACHE_S = 60


class StoredTrustStore:
    """TrustStore over the trust table (active entries), refreshed every minute."""

    def __init__(self, repository: TrustRepository | None = None, ttl_s: float = TRUST_CACHE_S):
        self._repository = repository or TrustRepository()
        self._ttl_s = ttl_s
        self._cache: tuple[float, InMemoryTrustStore] | None = None

    def _store(self) -> InMemoryTrustStore:
        if self._cache is None or time.monotonic() - self._cache[0] > self._ttl_s:
            store = InMemoryTrustStore(
                TrustedCertificate.from_der(
                    e.der,
                    country=e.country,
                    certificate_type="CSCA" if e.certificate_type == "CSCA" else "DSC",
                    kid=e.kid,
                )
                for e in self._repository.active()
            )
            self._cache = (time.monotonic(), store)
        return self._cache[1]

    def certificates_for(self, kid: bytes) -> list[TrustedCertificate]:
        return self._store().certificates_for(kid)


class OwnRevocations:
    """Revocation of our own certificates: read live, so a revocation takes effect at once."""

    def __init__(self, country: str, certificates: CertificateRepository | None = None):
        self.country = country
        self._certificates = certificates or CertificateRepository()

    def is_revoked(self, uci: str, country: str, signature: bytes) -> bool:
        hcid = parse_uci_hcid(uci, self.country)
        if hcid is None:
            return False
        certificate = self._certificates.get(hcid)
        return certificate is not None and certificate.status is not CertificateStatus.VALID
