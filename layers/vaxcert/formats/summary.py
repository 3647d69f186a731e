"""A format-neutral, minimal-disclosure view of a decoded certificate (what a verifier shows)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class CertificateContent(BaseModel):
    """Minimal disclosure: what a person checking the certificate needs to see, nothing more.

    The one content type of every format (HC1, WHO, DIVOC, SHC, ICAO); field names are the JSON contract
    of ``certificate`` in ``POST /v1/verify``. Build it with ``content(...)``: the values are already typed,
    and pydantic validation would cost more than the signature check.
    """

    model_config = ConfigDict(frozen=True)

    name: str | None = None
    dateOfBirth: str | None = None  # camelCase: JSON contract
    hcid: str | None = None  # the certificate's own identifier
    vaccine: str | None = None
    dose: int | None = None
    totalDoses: int | None = None
    date: str | None = None  # of the (latest) vaccination
    country: str | None = None


def content(
    *,
    name: str | None = None,
    date_of_birth: str | None = None,
    hcid: str | None = None,
    vaccine: str | None = None,
    dose: int | None = None,
    total_doses: int | None = None,
    date: str | None = None,
    country: str | None = None,
) -> CertificateContent:
    return CertificateContent.model_construct(
        name=name,
        dateOfBirth=date_of_birth,
        hcid=hcid,
        vaccine=vaccine,
        dose=dose,
        totalDoses=total_doses,
        date=date,
        country=country,
    )


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
