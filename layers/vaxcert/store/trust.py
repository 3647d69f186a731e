"""The trust list table: our CSCA and DSCs, plus imported foreign DSCs."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from vaxcert.store.models import TrustItem

CSCA = "CSCA"
DSC = "DSC"
OWN = "OWN"
IMPORTED = "IMPORTED"
ACTIVE = "ACTIVE"
WITHDRAWN = "WITHDRAWN"


HC1 = "hc1"
# A bare key (JWK, PEM public key) has no validity period of its own: stored and published as null.
NO_START = datetime.min.replace(tzinfo=UTC)
NO_END = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class TrustEntry:
    """One trusted key. hc1 keys are certificates named by their 8-byte kid; other frameworks' keys are
    named by ``key_ref`` (divoc: the DID, shc: the JWK kid under ``issuer``, icao: any id) and may be bare
    keys (``der`` b"", ``jwk`` set, no validity period)."""

    kid: bytes  # hc1: the 8-byte kid; others: UTF-8 of key_ref
    country: str
    certificate_type: str
    der: bytes
    origin: str
    status: str
    key_id: str | None  # KMS key of our own keys
    signing: bool
    not_before: datetime  # NO_START / NO_END for a bare key
    not_after: datetime
    framework: str = HC1
    issuer: str | None = None
    jwk: dict[str, Any] | None = None

    @property
    def kid_b64(self) -> str:
        return base64.b64encode(self.kid).decode()

    @property
    def key_ref(self) -> str:
        """The key's id as the trust list publishes it (``kid``)."""
        return self.kid_b64 if self.framework == HC1 else self.kid.decode()

    @property
    def item_key(self) -> str:
        if self.framework == HC1:
            return self.kid_b64
        return f"{self.framework}#{self.issuer or ''}#{self.key_ref}"


def _time(value: str | None, default: datetime) -> datetime:
    return datetime.fromisoformat(value) if value else default


def stored_time(value: datetime) -> str | None:
    return None if value in (NO_START, NO_END) else value.isoformat()


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
