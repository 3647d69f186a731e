"""JWS signature checks (RFC 7515) through PyJWT: session and Cognito tokens, the revocation list.

The algorithm is always the caller's, never the token's: `alg: none` and RS/HS confusion cannot
happen. Signing is not here: our private keys live in KMS, which PyJWT cannot call.
"""

from __future__ import annotations

from typing import Any

import jwt

_PYJWS = jwt.PyJWS()


class BadSignature(Exception):
    """The signature does not verify with the key (or the token is not one PyJWT can read)."""


def check_signature(token: str, key: Any, algorithm: str) -> None:
    """Raise BadSignature unless `token` (compact JWS) is signed by `key` with `algorithm`."""
    try:
        _PYJWS.decode_complete(token, key=key, algorithms=[algorithm])
    except jwt.InvalidSignatureError:
        raise BadSignature("bad signature") from None
    except jwt.PyJWTError as exc:
        raise BadSignature(f"not acceptable ({type(exc).__name__})") from None
