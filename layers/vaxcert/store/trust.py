"""The trust list table: our CSCA and DSCs, plus imported foreign DSCs."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

from vaxcert.store.models import TrustItem

CSCA = "CSCA"
DSC = "DSC"
OWN = "OWN"
IMPORTED = "IMPORTED"
ACTIVE = "ACTIVE"
WITHDRAWN = "WITHDRAWN"


@dataclass(frozen=True)
class TrustEntry:
    kid: bytes
    country: str
    certificate_type: str
    der: bytes
    origin: str
    status: str
    key_id: str | None
    signing: bool
    not_before: datetime
    not_after: datetime

    @property
    def kid_b64(self) -> str:
        return base64.b64encode(self.kid).decode()


def _entry(item: TrustItem) -> TrustEntry:
    return TrustEntry(
        kid=base64.b64decode(item.kid),
        country=item.country,
        certificate_type=item.certificateType,
        der=base64.b64decode(item.rawData),
        origin=item.origin,
        status=item.status,
        key_id=item.keyId,
        signing=bool(item.signing),
        not_before=datetime.fromisoformat(item.notBefore),
        not_after=datetime.fromisoformat(item.notAfter),
    )


class TrustRepository:
    def all(self) -> list[TrustEntry]:
        return [_entry(i) for i in TrustItem.scan(consistent_read=True)]

    def active(self) -> list[TrustEntry]:
        return [e for e in self.all() if e.status == ACTIVE]

    def signing_dsc(self) -> TrustEntry | None:
        """The DSC whose KMS key signs new certificates (newest first if rotation left two)."""
        candidates = [e for e in self.active() if e.signing and e.origin == OWN and e.certificate_type == DSC]
        return max(candidates, key=lambda e: e.not_before, default=None)

    def own_csca(self) -> TrustEntry | None:
        cscas = [e for e in self.active() if e.origin == OWN and e.certificate_type == CSCA]
        return max(cscas, key=lambda e: e.not_before, default=None)

    def put(self, entry: TrustEntry, now: datetime) -> None:
        TrustItem(
            entry.kid_b64,
            country=entry.country,
            certificateType=entry.certificate_type,
            rawData=base64.b64encode(entry.der).decode(),
            origin=entry.origin,
            status=entry.status,
            keyId=entry.key_id,
            signing=entry.signing,
            notBefore=entry.not_before.isoformat(),
            notAfter=entry.not_after.isoformat(),
            createdAt=now.isoformat(),
        ).save()
