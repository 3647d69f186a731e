"""Requests and answers of the admin keys routes (functions/keys): the models parse the requests and
the API document shows them (vaxcert.http.openapi)."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import ConfigDict, Field, field_validator

from vaxcert.http.models.base import Answer, Request
from vaxcert.lifecycle.corrections import MAX_REASON
from vaxcert.signing.rotation import DEFAULT_FRAMEWORK
from vaxcert.types.trust import NO_END, NO_START, WITHDRAWN, TrustEntry

_REASON_OBJECT = 'must be a JSON object: {"reason": "..."}'
_ONLY_REASON = "is not a field of this request (only reason)"


def _reason_text(value: Any, why: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(why)
    if len(value) > MAX_REASON:
        raise ValueError(f"at most {MAX_REASON} characters")
    return value.strip()


class KeyRotateRequest(Request):
    model_config = ConfigDict(extra="forbid")
    body_problem: ClassVar[str] = _REASON_OBJECT
    unknown_problem: ClassVar[str] = _ONLY_REASON

    reason: str | None = Field(default=None, max_length=MAX_REASON, description="kept in the audit trail")

    @field_validator("reason", mode="before")
    @classmethod
    def _reason(cls, value: Any) -> str | None:
        return None if value is None else _reason_text(value, "must be text (or left out)")


class KeyWithdrawRequest(Request):
    model_config = ConfigDict(extra="forbid")
    body_problem: ClassVar[str] = _REASON_OBJECT
    unknown_problem: ClassVar[str] = _ONLY_REASON
    missing_problems: ClassVar[dict[str, str]] = {"reason": "is required: why the key is withdrawn"}

    reason: str = Field(min_length=1, max_length=MAX_REASON, description="kept in the audit trail")

    @field_validator("reason", mode="before")
    @classmethod
    def _reason(cls, value: Any) -> str:
        return _reason_text(value, cls.missing_problems["reason"])


class TrustKey(Answer):
    """One key of the trust list: ours (CSCA, DSCs) or imported."""

    omitted_when_none = frozenset({"issuer"})

    kid: str = Field(description="the key id as the trust list writes it (standard base64)")
    framework: str = Field(examples=["hc1"], description="hc1, shc, divoc, icao")
    role: str = Field(examples=["DSC"], description="CSCA or DSC")
    country: str = Field(examples=["JM"])
    origin: str = Field(examples=["OWN"], description="OWN, or where an imported key came from")
    notBefore: str | None = Field(description="ISO 8601; null for a bare key (no certificate)")
    notAfter: str | None
    signing: bool = Field(description="the DSC that signs new certificates")
    withdrawn: bool
    issuer: str | None = Field(default=None, description="left out when unknown")

    @classmethod
    def of(cls, entry: TrustEntry) -> TrustKey:
        return cls(
            kid=entry.key_ref,
            framework=entry.framework or DEFAULT_FRAMEWORK,
            role=entry.certificate_type,
            country=entry.country,
            origin=entry.origin,
            notBefore=None if entry.not_before == NO_START else _iso(entry.not_before),
            notAfter=None if entry.not_after == NO_END else _iso(entry.not_after),
            signing=entry.signing,
            withdrawn=entry.status == WITHDRAWN,
            issuer=entry.issuer or None,
        )


class TrustKeys(Answer):
    keys: list[TrustKey]


class TrustKeyAnswer(Answer):
    key: TrustKey


def _iso(at: Any) -> str:
    return str(at.isoformat()).replace("+00:00", "Z")
