"""What every format module gives the verification engine: one shape for HC1, WHO, DIVOC, SHC and ICAO.

A format module decodes its QR (raising FormatError when it cannot), maps it to the one
``CertificateContent``, says which trusted keys could have signed it (``KeyRequest``), and checks its
signature given those keys (``check_signature``). The engine applies trust, dates and revocation the
same way for all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from vaxcert.formats.summary import CertificateContent

FormatName = Literal["HC1", "WHO", "DIVOC", "SHC", "ICAO"]
FrameworkName = Literal["hc1", "shc", "divoc", "icao"]


class TrustAnchor(Protocol):
    """A trusted key as the engine hands it to a format (verification.trust.TrustedCertificate)."""

    @property
    def public_key(self) -> Any: ...
    @property
    def der(self) -> bytes: ...
    @property
    def not_before(self) -> datetime | None: ...
    @property
    def not_after(self) -> datetime | None: ...


@dataclass(frozen=True)
class KeyRequest:
    """Which trusted keys may have signed a certificate; each given criterion must match."""

    framework: FrameworkName
    key_id: str | None = None
    issuer: str | None = None
    country: str | None = None
    certificate_type: Literal["DSC", "CSCA"] = "DSC"
    # Keys bound to an issuer (imported with one) only match certificates of that issuer; unbound keys
    # match any. DIVOC: a DID such as did:india is shared by several deployments.
    bound_issuer: str | None = None

    def describe(self) -> str:
        parts = [p for p in (self.key_id, self.issuer, self.country) if p]
        return " ".join(parts) or self.framework


@dataclass(frozen=True)
class Signer:
    """The key that verified, with the validity period that bounds the certificate."""

    not_before: datetime | None
    not_after: datetime | None
    what: str  # "signing certificate (DSC)", "issuer key", "document signer certificate", ...


SignatureCheck = Callable[[Sequence[Any]], Signer | None]


@dataclass(frozen=True)
class DecodedCertificate:
    format: FormatName
    issuer: str | None  # as the format names it (country code, iss URL, DID, ...)
    kid: str | None  # as the verify result reports it
    key: KeyRequest | None  # None: the certificate names no key (UNKNOWN_ISSUER)
    content: CertificateContent
    check_signature: SignatureCheck  # the anchors are those the KeyRequest found
    not_before: datetime | None = None  # the certificate's own validity (iat / nbf / effectiveStart)
    not_after: datetime | None = None  # exp / effectiveUntil
    identifier: str | None = None  # for revocation: UVCI, SHC rid, DIVOC certificateId, ICAO uvci
    country: str | None = None  # issuing country, when the format says
    signature: bytes = b""
    no_key_reason: str = "signing key not in the trust list"


def from_timestamp(value: int | float | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def from_day(value: str | None, *, end: bool = False) -> datetime | None:
    """An ISO date (or date-time) as a UTC time; ``end``: the last second of that day."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if len(value) <= 10 and end:
        parsed = parsed.replace(hour=23, minute=59, second=59)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
