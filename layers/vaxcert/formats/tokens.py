"""Compact JWS/JWT (RFC 7515/7519): ES256 for citizen sessions, RS256 for Cognito.

Signatures are checked by PyJWT (vaxcert.formats.jws); signing stays ours (`encode` takes a `sign`
function) because the private keys live in KMS.

Deliberately small and strict: the algorithm is fixed by the caller, never taken from the token
(so `alg: none` and RS/HS confusion are impossible), every claim the caller relies on is required,
and any malformed input is an `InvalidToken`, never another exception.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, rsa

from vaxcert.formats.jws import BadSignature, check_signature

MAX_TOKEN_CHARS = 8192  # Cognito ID tokens are ~1-2 KB; anything far larger is not ours
LEEWAY_S = 30  # clock skew tolerated on exp/iat/nbf
_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")


class InvalidToken(Exception):
    """Malformed, wrongly signed, expired or otherwise unacceptable token (HTTP 401)."""


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    if not _B64URL.match(text) or len(text) % 4 == 1:
        raise InvalidToken("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise InvalidToken("not base64url") from None


@dataclass(frozen=True)
class Jws:
    header: dict[str, Any]
    claims: dict[str, Any]
    signing_input: bytes
    signature: bytes


def parse(token: str) -> Jws:
    if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS:
        raise InvalidToken("token too long")
    parts = token.split(".")
    if len(parts) != 3 or not all(parts):
        raise InvalidToken("not a compact JWS")
    try:
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
    except (ValueError, UnicodeDecodeError):
        raise InvalidToken("header or claims are not JSON") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise InvalidToken("header and claims must be JSON objects")
    if "crit" in header:  # no extensions are understood, so none may be required
        raise InvalidToken("unsupported critical header")
    return Jws(header, claims, f"{parts[0]}.{parts[1]}".encode("ascii"), b64url_decode(parts[2]))


def encode(header: Mapping[str, Any], claims: Mapping[str, Any], sign: Callable[[bytes], bytes]) -> str:
    """Compact JWS; `sign` returns the JWS signature bytes (for ES256: raw r||s, 64 bytes)."""
    h = b64url_encode(json.dumps(dict(header), separators=(",", ":"), sort_keys=True).encode())
    c = b64url_encode(json.dumps(dict(claims), separators=(",", ":"), sort_keys=True).encode())
    signing_input = f"{h}.{c}".encode("ascii")
    return f"{h}.{c}.{b64url_encode(sign(signing_input))}"


def verify_es256(token: str, public_key: ec.EllipticCurvePublicKey) -> Jws:
    jws = parse(token)
    if jws.header.get("alg") != "ES256":
        raise InvalidToken("alg must be ES256")
    if not isinstance(public_key.curve, ec.SECP256R1):
        raise InvalidToken("ES256 needs a P-256 key")
    if len(jws.signature) != 64:
        raise InvalidToken("ES256 signature must be 64 bytes")
    _verify(token, public_key, "ES256")
    return jws


def verify_rs256(token: str, keys: Mapping[str, rsa.RSAPublicKey]) -> Jws:
    jws = parse(token)
    if jws.header.get("alg") != "RS256":
        raise InvalidToken("alg must be RS256")
    key = keys.get(str(jws.header.get("kid")))
    if key is None:
        raise InvalidToken("unknown kid")
    _verify(token, key, "RS256")
    return jws


def _verify(token: str, key: Any, algorithm: str) -> None:
    try:
        check_signature(token, key, algorithm)
    except BadSignature as exc:
        raise InvalidToken(str(exc)) from None


def rsa_key_from_jwk(jwk: Mapping[str, Any]) -> rsa.RSAPublicKey:
    if jwk.get("kty") != "RSA" or not isinstance(jwk.get("n"), str) or not isinstance(jwk.get("e"), str):
        raise InvalidToken("not an RSA JWK")
    n = int.from_bytes(b64url_decode(jwk["n"]), "big")
    e = int.from_bytes(b64url_decode(jwk["e"]), "big")
    return rsa.RSAPublicNumbers(e, n).public_key()


def check_claims(
    claims: Mapping[str, Any],
    *,
    now: float,
    audience: str,
    issuer: str | None = None,
    max_lifetime_s: int | None = None,
    leeway_s: int = LEEWAY_S,
) -> None:
    """exp (required), iat/nbf, aud (string or list), iss; optionally a cap on exp - iat."""
    if not _is_number(claims.get("exp")):
        raise InvalidToken("exp missing")
    exp = float(claims["exp"])
    if now > exp + leeway_s:
        raise InvalidToken("expired")
    iat = claims.get("iat")
    if iat is not None and (not _is_number(iat) or iat > now + leeway_s):
        raise InvalidToken("issued in the future")
    nbf = claims.get("nbf")
    if nbf is not None and (not _is_number(nbf) or nbf > now + leeway_s):
        raise InvalidToken("not yet valid")
    if max_lifetime_s is not None and (not _is_number(iat) or exp - float(claims["iat"]) > max_lifetime_s):
        raise InvalidToken("lifetime too long")
    aud = claims.get("aud")
    if not (aud == audience or (isinstance(aud, list) and audience in aud)):
        raise InvalidToken("wrong audience")
    if issuer is not None and claims.get("iss") != issuer:
        raise InvalidToken("wrong issuer")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
