"""What verification reads from the stored tables: the composition root passes the store's
repositories in (store.trust.TrustRepository, store.certificates.CertificateRepository), tests pass fakes."""

from __future__ import annotations

from typing import Protocol

from vaxcert.types.certificate import Certificate
from vaxcert.types.trust import TrustEntry


class TrustEntries(Protocol):
    def all(self) -> list[TrustEntry]:
        """Every entry of the trust table, withdrawn ones included."""
        ...

    def active(self) -> list[TrustEntry]: ...


class CertificateReader(Protocol):
    def get(self, hcid: str) -> Certificate | None: ...

    def by_legacy_id(self, legacy_id: str) -> list[Certificate]:
        """Every version of the certificates a legacy (DIVOC) certificate id was migrated to."""
        ...

    def revoked_cards(self) -> list[tuple[str, str, str]]:
        """(hcid, hc1 kid, status) of every revoked or superseded certificate that has a SMART Health Card."""
        ...
