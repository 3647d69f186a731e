"""The trust list table: our CSCA and DSCs, plus imported foreign DSCs."""

from __future__ import annotations

import base64
import json
from datetime import datetime

from vaxcert.store.models import TrustItem
from vaxcert.types.trust import ACTIVE, CSCA, DSC, HC1, NO_END, NO_START, OWN, TrustEntry, stored_time


def _time(value: str | None, default: datetime) -> datetime:
    return datetime.fromisoformat(value) if value else default


def _entry(item: TrustItem) -> TrustEntry:
    framework = item.framework or HC1
    return TrustEntry(
        kid=base64.b64decode(item.kid) if framework == HC1 else (item.keyRef or "").encode(),
        country=item.country,
        certificate_type=item.certificateType,
        der=base64.b64decode(item.rawData) if item.rawData else b"",
        origin=item.origin,
        status=item.status,
        key_id=item.keyId,
        signing=bool(item.signing),
        not_before=_time(item.notBefore, NO_START),
        not_after=_time(item.notAfter, NO_END),
        framework=framework,
        issuer=item.issuer,
        jwk=json.loads(item.jwk) if item.jwk else None,
    )


class TrustRepository:
    def all(self) -> list[TrustEntry]:
        return [_entry(i) for i in TrustItem.scan(consistent_read=True)]

    def active(self) -> list[TrustEntry]:
        return [e for e in self.all() if e.status == ACTIVE]

    def signing_dsc(self) -> TrustEntry | None:
        """The DSC whose KMS key signs new certificates (newest first if rotation left two)."""
        candidates = [
            e
            for e in self.active()
            if e.signing and e.origin == OWN and e.certificate_type == DSC and e.framework == HC1
        ]
        return max(candidates, key=lambda e: e.not_before, default=None)

    def own_csca(self) -> TrustEntry | None:
        cscas = [
            e for e in self.active() if e.origin == OWN and e.certificate_type == CSCA and e.framework == HC1
        ]
        return max(cscas, key=lambda e: e.not_before, default=None)

    def put(self, entry: TrustEntry, now: datetime) -> None:
        hc1 = entry.framework == HC1
        TrustItem(
            entry.item_key,
            country=entry.country,
            certificateType=entry.certificate_type,
            rawData=base64.b64encode(entry.der).decode(),
            framework=None if hc1 else entry.framework,
            keyRef=None if hc1 else entry.key_ref,
            issuer=entry.issuer,
            jwk=json.dumps(entry.jwk, separators=(",", ":")) if entry.jwk else None,
            origin=entry.origin,
            status=entry.status,
            keyId=entry.key_id,
            signing=entry.signing,
            notBefore=stored_time(entry.not_before),
            notAfter=stored_time(entry.not_after),
            createdAt=now.isoformat(),
        ).save()
