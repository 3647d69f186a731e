"""Compact JWS and JWT (RFC 7515/7519) through PyJWT: session and Cognito tokens, the revocation list.

`read` splits a compact JWS into its JSON header and payload (for the kid, before a key is chosen);
`check_signature` checks a JWS signature; `decode_jwt` checks the signature and the registered
claims (exp required, nbf, iat, aud, iss) with PyJWT's `jwt.decode` and a leeway.

The algorithm is always the caller's, never the token's: `alg: none` and RS/HS confusion cannot
happen. Signing is not here: our private keys live in KMS, which PyJWT cannot call.
PyJWT is imported on the first check, not with this module: it loads every key type and x509 of
`cryptography` (~60-80 ms of CPU), which functions that never see a token should not pay at cold start.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")


class BadJws(ValueError):
    """Not a compact JWS with JSON object header and payload, or one asking for an extension."""


class BadSignature(Exception):
    """The signature does not verify with the key (or the token is not one PyJWT can read)."""


class BadClaims(Exception):
    """A registered claim is missing or refuses the token (expired, not yet valid, audience, issuer)."""


@dataclass(frozen=True)
class Jws:
    header: dict[str, Any]
    payload: dict[str, Any]
    signing_input: bytes
    signature: bytes

    @property
    def claims(self) -> dict[str, Any]:
        """The payload of a JWT."""
        return self.payload


def b64url_decode(text: str) -> bytes:
    if not _B64URL.match(text) or len(text) % 4 == 1:
        raise BadJws("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise BadJws("not base64url") from None


def read(token: str) -> Jws:
    """The parts of a compact JWS, unverified. Refuses any `crit` header: no extension is understood."""
    parts = token.split(".") if isinstance(token, str) else []
    if len(parts) != 3 or not parts[0] or not parts[1]:
        raise BadJws("not a compact JWS")
    try:
        header = json.loads(b64url_decode(parts[0]))
        payload = json.loads(b64url_decode(parts[1]))
    except (ValueError, UnicodeDecodeError):
        raise BadJws("header or payload is not JSON") from None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise BadJws("header and payload must be JSON objects")
    if "crit" in header:
        raise BadJws("unsupported critical header")
    return Jws(header, payload, f"{parts[0]}.{parts[1]}".encode("ascii"), b64url_decode(parts[2]))


@cache
def _pyjws() -> Any:
    import jwt

    return jwt.PyJWS()


@cache
def _pyjwt() -> Any:
    import jwt

    return jwt.PyJWT()


def check_signature(token: str, key: Any, algorithm: str) -> None:
    """Raise BadSignature unless `token` (compact JWS) is signed by `key` with `algorithm`."""
    import jwt

    try:
        _pyjws().decode_complete(token, key=key, algorithms=[algorithm])
    except jwt.InvalidSignatureError:
        raise BadSignature("bad signature") from None
    except jwt.PyJWTError as exc:
        raise BadSignature(f"not acceptable ({type(exc).__name__})") from None


def decode_jwt(
    token: str,
    key: Any,
    *,
    algorithm: str,
    audience: str,
    issuer: str | None,
    leeway_s: float,
    require: Sequence[str] = ("exp", "aud"),
) -> dict[str, Any]:
    """The claims of a JWT signed by `key` with `algorithm`, after PyJWT's claim checks: `exp` (and
    every claim in `require`) present, not expired, `nbf`/`iat` not in the future (all with
    `leeway_s`), `aud` is (or lists) `audience`, `iss` is `issuer` (when given).
    Raises BadSignature or BadClaims; the message says which check refused the token."""
    import jwt

    try:
        claims = _pyjwt().decode(
            token,
            key=key,
            algorithms=[algorithm],
            audience=audience,
            issuer=issuer,
            leeway=leeway_s,
            options={"require": [*require, *(["iss"] if issuer is not None else [])]},
        )
    except jwt.InvalidSignatureError:
        raise BadSignature("bad signature") from None
    except jwt.MissingRequiredClaimError as exc:
        raise BadClaims(f"{exc.claim} missing") from None
    except jwt.ExpiredSignatureError:
        raise BadClaims("expired") from None
    except jwt.ImmatureSignatureError:
        raise BadClaims("not yet valid (nbf or iat in the future)") from None
    except jwt.InvalidAudienceError:
        raise BadClaims("wrong audience") from None
    except jwt.InvalidIssuerError:
        raise BadClaims("wrong issuer") from None
    except jwt.InvalidIssuedAtError:
        raise BadClaims("iat is not a number") from None
    except jwt.PyJWTError as exc:  # DecodeError: unreadable, or a claim of the wrong type
        raise BadSignature(f"not acceptable ({type(exc).__name__})") from None
    return dict(claims)
