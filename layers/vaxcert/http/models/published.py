"""The published documents the verify function serves (trust list, JWKS, revocation lists, the API
document): the handler writes each through its model, the API document shows the same.

Imported on use by the handler: these routes are fetched rarely, and every model costs cold start.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Document(BaseModel):
    """A published document: the fields verifiers rely on; members a key type or a later version adds
    are kept as they are."""

    model_config = ConfigDict(extra="allow", defer_build=True)


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


RESPONSES: dict[tuple[str, str], dict[int, type[BaseModel]]] = {
    ("GET", "/v1/trust-list"): {200: TrustList},
    ("GET", "/.well-known/jwks.json"): {200: Jwks},
    ("GET", "/v1/revocation-list"): {200: RevocationList},
    ("GET", "/shc/.well-known/jwks.json"): {200: CardJwks},
    ("GET", "/shc/.well-known/crl/{file}"): {200: CardCrl},
    ("GET", "/v1/openapi.json"): {200: OpenApiDocument},
}
