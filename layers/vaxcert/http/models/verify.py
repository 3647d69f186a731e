"""The verify function's request and response models: the handler parses and answers with them, the
API document shows them (one place for each limit)."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)

from vaxcert.verification.models import VerificationResult

__all__ = [
    "CardCrl",
    "CardJwks",
    "Jwk",
    "Jwks",
    "OpenApiDocument",
    "RevocationList",
    "TrustList",
    "TrustListEntry",
    "VerificationResult",
    "VerifyRequest",
]

MAX_QR_CHARS = 16_384
_AT_PROBLEM = "must be an ISO 8601 date-time such as 2026-01-31T12:00:00Z"


class VerifyRequest(BaseModel):
    """`{"qr": "<scanned text>", "at": "<optional ISO 8601>"}`; other fields are ignored."""

    body_problem: ClassVar[str] = "must be a JSON object with a qr field"

    qr: str = Field(min_length=1, max_length=MAX_QR_CHARS, description="the text read from the QR code")
    at: dt.datetime | None = Field(
        default=None, description="verify as of this time (default: now; UTC when it names no offset)"
    )

    @model_validator(mode="before")
    @classmethod
    def _qr_present(cls, data: Any) -> Any:
        # A missing qr is answered like a null one: with what the field is for.
        if isinstance(data, dict) and "qr" not in data:
            return {**data, "qr": None}
        return data

    @field_validator("qr", mode="wrap")
    @classmethod
    def _qr(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> str:
        if value is None:
            raise ValueError("is required: the text read from the QR code")
        if not isinstance(value, str):
            raise ValueError("must be a string: the text read from the QR code")
        if not value.strip() or len(value) > MAX_QR_CHARS:
            raise ValueError(f"must be 1 to {MAX_QR_CHARS} characters")
        return str(handler(value))

    @field_validator("at", mode="wrap")
    @classmethod
    def _at(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> dt.datetime | None:
        # ISO 8601 text only (pydantic's own datetime parsing would also take numbers as epoch seconds).
        if value is None:
            return None
        try:
            at = dt.datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            at = None
        if at is None:
            raise ValueError(_AT_PROBLEM)
        return at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)


class _Document(BaseModel):
    """A published document: the fields verifiers rely on; members a key type or a later version adds
    are kept as they are."""

    model_config = ConfigDict(extra="allow")


class Jwk(_Document):
    kty: str = Field(examples=["EC"])
    kid: str | None = None
    alg: str | None = Field(default=None, examples=["ES256"])
    use: str | None = Field(default=None, examples=["sig"])
    crv: str | None = None
    x: str | None = None
    y: str | None = None
    n: str | None = None
    e: str | None = None
    x5c: list[str] | None = Field(default=None, description="the signing certificate (DER, base64)")


class Jwks(_Document):
    keys: list[Jwk]


class TrustListEntry(_Document):
    kid: str = Field(description="as its framework names it (hc1: base64 of the COSE kid)")
    country: str | None
    certificateType: str = Field(examples=["DSC"])
    rawData: str | None = Field(default=None, description="the X.509 certificate (DER, base64), if any")
    notBefore: str | None
    notAfter: str | None
    framework: str = Field(examples=["hc1"])
    jwk: Jwk
    issuer: str | None = Field(default=None, description="SMART Health Cards: the issuer (iss)")


class TrustList(_Document):
    certificates: list[TrustListEntry]


class CardJwk(Jwk):
    crlVersion: int = Field(ge=1, description="the `ctr` of this key's revocation list")


class CardJwks(_Document):
    keys: list[CardJwk]


class CardCrl(_Document):
    """SMART Health Cards revocation list (method `rid`)."""

    kid: str
    method: str = Field(examples=["rid"])
    ctr: int = Field(ge=1)
    rids: list[str]


class RevocationList(_Document):
    """The signed revocation list: verifiers check `jws` and use its payload, not the copy beside it."""

    version: int
    issuer: str = Field(examples=["JM"])
    issuedAt: str
    expiresAt: str
    hashType: str = Field(examples=["UCI"])
    hashes: list[str] = Field(description="base64 of the first 16 bytes of SHA-256 of each revoked UCI")
    divocHashes: list[str] | None = Field(
        default=None, description="the same of each revoked migrated DIVOC certificateId"
    )
    kid: str
    jws: str = Field(description="compact JWS (ES256) over the JSON of every other field")


class OpenApiDocument(_Document):
    openapi: str = Field(examples=["3.0.3"])
    info: dict[str, Any]
    servers: list[dict[str, Any]]
    paths: dict[str, Any]
    components: dict[str, Any]


REQUEST_BODIES: dict[tuple[str, str], type[BaseModel]] = {("POST", "/v1/verify"): VerifyRequest}
RESPONSES: dict[tuple[str, str], dict[int, type[BaseModel]]] = {
    ("POST", "/v1/verify"): {200: VerificationResult},
    ("GET", "/v1/trust-list"): {200: TrustList},
    ("GET", "/.well-known/jwks.json"): {200: Jwks},
    ("GET", "/v1/revocation-list"): {200: RevocationList},
    ("GET", "/shc/.well-known/jwks.json"): {200: CardJwks},
    ("GET", "/shc/.well-known/crl/{file}"): {200: CardCrl},
    ("GET", "/v1/openapi.json"): {200: OpenApiDocument},
}
