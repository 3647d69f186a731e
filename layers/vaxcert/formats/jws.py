"""JWS signature checks (RFC 7515) through PyJWT: session and Cognito tokens, the revocation list.

The algorithm is always the caller's, never the token's: `alg: none` and RS/HS confusion cannot
happen. Signing is not here: our private keys live in KMS, which PyJWT cannot call.
PyJWT is imported on the first check, not with this module: it loads every key type and x509 of
`cryptography` (~60-80 ms of CPU), which functions that never see a token should not pay at cold start.
"""

from __future__ import annotations

from functools import cache
from typing import Any


class BadSignature(Exception):
    """The signature does not verify with the key (or the token is not one PyJWT can read)."""


@cache
def _pyjws() -> Any:
    import jwt

    return jwt.PyJWS()


def check_signature(token: str, key: Any, algorithm: str) -> None:
    """Raise BadSignature unless `token` (compact JWS) is signed by `key` with `algorithm`."""
    import jwt

    try:
        _pyjws().decode_complete(token, key=key, algorithms=[algorithm])
    except jwt.InvalidSignatureError:
        raise BadSignature("bad signature") from None
    except jwt.PyJWTError as exc:
        raise BadSignature(f"not acceptable ({type(exc).__name__})") from None
