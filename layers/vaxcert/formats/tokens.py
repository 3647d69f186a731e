"""Compact JWT (RFC 7519): ES256 for citizen sessions, RS256 for Cognito.

Signatures and the registered claims (exp, nbf, iat, aud, iss) are checked by PyJWT
(vaxcert.formats.jws.decode_jwt, with LEEWAY_S of clock skew); signing stays ours (`encode` takes a
`sign` function) because the private keys live in KMS.

Deliberately small and strict: the algorithm is fixed by the caller, never taken from the token
(so `alg: none` and RS/HS confusion are impossible), every claim the caller relies on is required,
and any malformed input is an `InvalidToken`, never another exception.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, rsa

from vaxcert.formats import jws as _jws
from vaxcert.formats.jws import BadClaims, BadJws, BadSignature, Jws

MAX_TOKEN_CHARS = 8192  # Cognito ID tokens are ~1-2 KB; anything far larger is not ours
LEEWAY_S = 30  # clock skew tolerated on exp/iat/nbf


class InvalidToken(Exception):
    """Malformed, wrongly signed, expired or otherwise unacceptable token (HTTP 401)."""


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    try:
        return _jws.b64url_decode(text)
    except BadJws:
        raise InvalidToken("not base64url") from None


def parse(token: str) -> Jws:
    """The token's header and claims (`payload`), unverified: to pick the key by its kid."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS:
        raise InvalidToken("token too long")
    if not all(token.split(".")):
        raise InvalidToken("not a compact JWS")
    try:
        return _jws.read(token)
    except BadJws as exc:
        raise InvalidToken(str(exc)) from None


def encode(header: Mapping[str, Any], claims: Mapping[str, Any], sign: Callable[[bytes], bytes]) -> str:
    """Compact JWS; `sign` returns the JWS signature bytes (for ES256: raw r||s, 64 bytes)."""
    h = b64url_encode(json.dumps(dict(header), separators=(",", ":"), sort_keys=True).encode())
    c = b64url_encode(json.dumps(dict(claims), separators=(",", ":"), sort_keys=True).encode())
    signing_input = f"{h}.{c}".encode("ascii")
    return f"{h}.{c}.{b64url_encode(sign(signing_input))}"


def verify_es256(
    token: str,
    public_key: ec.EllipticCurvePublicKey,
    *,
    audience: str,
    issuer: str | None = None,
    max_lifetime_s: int | None = None,
) -> dict[str, Any]:
    """The claims of an ES256 JWT signed by `public_key`, its registered claims checked."""
    jws = parse(token)
    if jws.header.get("alg") != "ES256":
        raise InvalidToken("alg must be ES256")
    if not isinstance(public_key.curve, ec.SECP256R1):
        raise InvalidToken("ES256 needs a P-256 key")
    if len(jws.signature) != 64:
        raise InvalidToken("ES256 signature must be 64 bytes")
    return _decode(token, public_key, "ES256", audience, issuer, max_lifetime_s)


def verify_rs256(
    token: str, keys: Mapping[str, rsa.RSAPublicKey], *, audience: str, issuer: str | None = None
) -> dict[str, Any]:
    """The claims of an RS256 JWT signed by the key its kid names in `keys`, its claims checked."""
    jws = parse(token)
    if jws.header.get("alg") != "RS256":
        raise InvalidToken("alg must be RS256")
    key = keys.get(str(jws.header.get("kid")))
    if key is None:
        raise InvalidToken("unknown kid")
    return _decode(token, key, "RS256", audience, issuer, None)


def _decode(
    token: str, key: Any, algorithm: str, audience: str, issuer: str | None, max_lifetime_s: int | None
) -> dict[str, Any]:
    try:
        claims = _jws.decode_jwt(
            token, key, algorithm=algorithm, audience=audience, issuer=issuer, leeway_s=LEEWAY_S
        )
    except (BadSignature, BadClaims) as exc:
        raise InvalidToken(str(exc)) from None
    if max_lifetime_s is not None:  # our own policy, not a registered claim check
        iat, exp = claims.get("iat"), claims["exp"]
        if not (_is_number(iat) and _is_number(exp)) or exp - iat > max_lifetime_s:
            raise InvalidToken("lifetime too long")
    return claims


def rsa_key_from_jwk(jwk: Mapping[str, Any]) -> rsa.RSAPublicKey:
    if jwk.get("kty") != "RSA" or not isinstance(jwk.get("n"), str) or not isinstance(jwk.get("e"), str):
        raise InvalidToken("not an RSA JWK")
    n = int.from_bytes(b64url_decode(jwk["n"]), "big")
    e = int.from_bytes(b64url_decode(jwk["e"]), "big")
    return rsa.RSAPublicNumbers(e, n).public_key()


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
