"""One trusted key as every layer sees it (the trust table's entries), and the values it is made of."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

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


def stored_time(value: datetime) -> str | None:
    return None if value in (NO_START, NO_END) else value.isoformat()
