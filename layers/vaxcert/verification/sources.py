"""The verify function's view of the stored trust list and of our own revocation state."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from vaxcert.cache import TtlCache
from vaxcert.formats.uvci import parse_uci_hcid
from vaxcert.trust.keys import public_key_from_jwk
from vaxcert.types.certificate import CertificateStatus
from vaxcert.types.trust import TrustEntry
from vaxcert.verification.ports import CertificateReader, TrustEntries
from vaxcert.verification.trust import (
    FRAMEWORKS,
    CertificateType,
    Framework,
    InMemoryTrustStore,
    RevocationQuery,
    TrustedCertificate,
)

# Trust lists change on key rotation or import: minutes of staleness are fine, a scan per request is not.
TRUST_CACHE_S = 60
UNKNOWN_KID_REFRESH_S = 5


def trusted_key(entry: TrustEntry) -> TrustedCertificate:
    """The verification engine's view of a stored trust entry (any framework)."""
    kind: CertificateType = "CSCA" if entry.certificate_type == "CSCA" else "DSC"
    framework = cast(Framework, entry.framework if entry.framework in FRAMEWORKS else "hc1")
    if framework == "hc1":
        return TrustedCertificate.from_der(
            entry.der, country=entry.country, certificate_type=kind, kid=entry.kid
        )
    if entry.der:
        return TrustedCertificate.from_der(
            entry.der,
            country=entry.country or None,
            certificate_type=kind,
            framework=framework,
            issuer=entry.issuer,
            key_id=entry.key_ref,
        )
    return TrustedCertificate.from_public_key(
        public_key_from_jwk(entry.jwk),
        framework=framework,
        key_id=entry.key_ref,
        country=entry.country or None,
        issuer=entry.issuer,
        certificate_type=kind,
        jwk=entry.jwk,
    )


class StoredTrustStore:
    """TrustStore over the trust table (active entries of every framework), refreshed every minute."""

    def __init__(
        self,
        repository: TrustEntries,
        ttl_s: float = TRUST_CACHE_S,
        configured: Sequence[TrustEntry] = (),
        own_card_issuer: str | None = None,
    ):
        self._repository = repository
        self._configured = tuple(configured)  # keys from the deployment's settings (the DIVOC key)
        self._own_card_issuer = own_card_issuer  # our SMART Health Card `iss`: our DSCs sign its cards
        self._cache = TtlCache(self._load, ttl_s)

    def _load(self) -> InMemoryTrustStore:
        store = InMemoryTrustStore()
        active = self._repository.active()
        for entry in (*self._configured, *active):
            try:
                store.add(trusted_key(entry))
            except ValueError:
                continue  # an entry we cannot read must not make every other key unusable
        if self._own_card_issuer:
            from vaxcert.verification.own_cards import own_card_anchors

            for anchor in own_card_anchors(active, self._own_card_issuer):
                store.add(anchor)
        return store

    def certificates_for(self, kid: bytes) -> list[TrustedCertificate]:
        # A kid we do not know may be a DSC created by a key rotation a moment ago: re-read, but
        # at most every few seconds, so unknown kids cannot make every request scan the table.
        found = self._cache.lookup(lambda store: store.certificates_for(kid) or None, UNKNOWN_KID_REFRESH_S)
        return found or []

    def keys_for(
        self,
        framework: Framework,
        *,
        key_id: str | None = None,
        issuer: str | None = None,
        country: str | None = None,
    ) -> list[TrustedCertificate]:
        # A key imported a moment ago is used at once (the same reload-once rule as unknown kids).
        found = self._cache.lookup(
            lambda store: store.keys_for(framework, key_id=key_id, issuer=issuer, country=country) or None,
            UNKNOWN_KID_REFRESH_S,
        )
        return found or []


class OwnRevocations:
    """Revocation of our own certificates: read live, so a revocation takes effect at once."""

    def __init__(self, country: str, certificates: CertificateReader):
        self.country = country
        self._certificates = certificates

    def is_revoked(self, uci: str, country: str, signature: bytes) -> bool:
        hcid = parse_uci_hcid(uci, self.country)
        if hcid is None:
            return False
        certificate = self._certificates.get(hcid)
        return certificate is not None and certificate.status is not CertificateStatus.VALID

    def why_revoked(self, uci: str) -> str | None:
        """The public reason (the admin's own words stay internal: they may name the person)."""
        hcid = parse_uci_hcid(uci, self.country)
        certificate = self._certificates.get(hcid) if hcid else None
        if certificate is not None and certificate.status is CertificateStatus.SUPERSEDED:
            return "certificate has been superseded by a corrected version"
        return None


LEGACY_REVOKED = "the certificate this DIVOC certificate was migrated to has been revoked"
LEGACY_SUPERSEDED = "replaced by a newer certificate: the migrated certificate was corrected"


def legacy_reason(statuses: list[CertificateStatus]) -> str | None:
    """Why a migrated legacy certificate is refused, from the statuses of what it became (every version)."""
    if CertificateStatus.REVOKED in statuses:
        return LEGACY_REVOKED
    if CertificateStatus.SUPERSEDED in statuses:
        return LEGACY_SUPERSEDED
    return None


class LegacyRevocations:
    """Legacy DIVOC certificates migrated into vaxcert (`vaxcert migrate divoc`), read live by certificateId.

    Refused once any version of the certificate it became is revoked or superseded (the old QR then
    shows withdrawn or out-of-date content). Ids never migrated stay valid on their signature alone:
    DIVOC had no revocation.
    """

    def __init__(self, certificates: CertificateReader):
        self._certificates = certificates

    def revoked(self, query: RevocationQuery) -> str | None:
        if query.format != "DIVOC" or not query.identifier:
            return None
        return legacy_reason([c.status for c in self._certificates.by_legacy_id(query.identifier)])
