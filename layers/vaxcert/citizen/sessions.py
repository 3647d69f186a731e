"""Citizen session tokens: ES256 JWTs signed in KMS, verified locally with the cached public key.

Claims: `sub` (the mobile number, E.164: the one thing the token grants access to), `aud`
"vaxcert-citizen", `iss` "vaxcert", `iat`, `exp` (at most 15 minutes later) and a random `jti`.
The token stays in the citizen's browser and in `Authorization` headers, which vaxcert never logs.
Signing out (DELETE /v1/citizen/session) puts the token's `jti` on a denylist until its `exp`, and
`verify` refuses a denied token: a stolen or shared token stops working when the citizen signs out.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key

from vaxcert.cache import TtlCache
from vaxcert.formats.tokens import LEEWAY_S, InvalidToken, encode, verify_es256

AUDIENCE = "vaxcert-citizen"
ISSUER = "vaxcert"
MAX_TTL_S = 900
DEFAULT_TTL_S = 600
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")


class Signer(Protocol):
    def sign(self, message: bytes) -> bytes: ...  # raw r||s (KmsSigner.sign)


class Denylist(Protocol):
    def deny(self, jti: str, expires_at: int) -> None: ...

    def is_denied(self, jti: str) -> bool: ...


@dataclass(frozen=True)
class CitizenPrincipal:
    mobile: str  # E.164
    jti: str
    expires_at: int


class SessionTokens:
    def __init__(
        self,
        signer: Signer,
        public_key_der: Callable[[], bytes],
        *,
        ttl_s: int = DEFAULT_TTL_S,
        clock: Callable[[], float] = time.time,
        denylist: Denylist | None = None,
    ):
        if not 0 < ttl_s <= MAX_TTL_S:
            raise ValueError(f"session ttl must be 1..{MAX_TTL_S} s")
        self._signer = signer
        # Fetched once per process (one KMS GetPublicKey per cold start, never per request).
        self._public_key = TtlCache(lambda: _ec_public_key(public_key_der()))
        self.ttl_s = ttl_s
        self._clock = clock
        self._denylist = denylist

    def issue(self, mobile: str) -> tuple[str, int]:
        """A token for `mobile` (E.164) and its lifetime in seconds."""
        now = int(self._clock())
        claims = {
            "sub": mobile,
            "aud": AUDIENCE,
            "iss": ISSUER,
            "iat": now,
            "exp": now + self.ttl_s,
            "jti": secrets.token_urlsafe(16),
        }
        return encode({"alg": "ES256", "typ": "JWT"}, claims, self._signer.sign), self.ttl_s

    def verify(self, token: str) -> CitizenPrincipal:
        # PyJWT checks exp/iat/nbf against the real clock (`clock` only dates the tokens issued).
        claims = verify_es256(
            token, self.public_key(), audience=AUDIENCE, issuer=ISSUER, max_lifetime_s=MAX_TTL_S
        )
        sub, jti = claims.get("sub"), claims.get("jti")
        if not isinstance(sub, str) or not _E164.match(sub) or not isinstance(jti, str):
            raise InvalidToken("bad subject")
        if self._denylist is not None and self._denylist.is_denied(jti):
            raise InvalidToken("signed out")
        return CitizenPrincipal(mobile=sub, jti=jti, expires_at=int(claims["exp"]))

    def sign_out(self, principal: CitizenPrincipal) -> None:
        """Refuse this token from now on (kept on the denylist until it would have expired anyway)."""
        if self._denylist is None:
            raise RuntimeError("sign-out needs a denylist")
        # exp plus the verifier's clock leeway: a denied token must never become valid again.
        self._denylist.deny(principal.jti, principal.expires_at + LEEWAY_S)

    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self._public_key.get()


def _ec_public_key(der: bytes) -> ec.EllipticCurvePublicKey:
    key = load_der_public_key(der)
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ValueError("the session key must be an EC key")
    return key
