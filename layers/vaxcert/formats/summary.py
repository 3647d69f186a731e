"""A format-neutral, minimal-disclosure view of a decoded certificate (what a verifier shows)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CertificateContent:
    format: str  # "HC1" | "WHO" | "DIVOC" | "SHC"
    issuer: str | None = None  # issuer as the format names it (country code, URL, ...)
    name: str | None = None
    date_of_birth: str | None = None
    hcid: str | None = None  # the certificate's own identifier
    vaccine: str | None = None
    dose: int | None = None
    total_doses: int | None = None
    date: str | None = None  # of the (latest) vaccination
    country: str | None = None


def text(value: Any) -> str | None:
    """A non-empty string or None (foreign issuers fill unknown fields with "", "-" and other junk)."""
    if isinstance(value, str):
        value = value.strip()
        return value if value and value != "-" else None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def day(value: Any) -> str | None:
    """The date part of an ISO date or date-time."""
    value = text(value)
    return value[:10] if value else None


def mapping(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object or CBOR map, else {}: foreign payloads may be malformed anywhere."""
    return value if isinstance(value, dict) else {}
