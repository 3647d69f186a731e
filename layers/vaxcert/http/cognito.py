"""Staff sign-in through the Cognito user pool, and verification of its ID tokens.

ID tokens are verified locally (RS256 against the pool's JWKS, fetched once and cached; refreshed
at most once a minute when a token names an unknown kid, i.e. after key rotation), with `exp`,
`aud` (the app client), `iss` (the pool) and `token_use` == "id" checked.
"""

from __future__ import annotations

import json
import os
import time
import urllib.request
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from cryptography.hazmat.primitives.asymmetric import rsa

from vaxcert.errors import TransientFailure, Unauthorized
from vaxcert.facility.desk import StaffPrincipal
from vaxcert.http.tokens import InvalidToken, check_claims, parse, rsa_key_from_jwk, verify_rs256
from vaxcert.store.aws import client, error_code

JWKS_TTL_S = 6 * 3600
JWKS_MIN_REFRESH_S = 60
# Cognito answers these for a wrong password, an unknown user, a disabled or unconfirmed one:
# all are the same 401, so the answer never tells whether a username exists.
_DENIED = {"NotAuthorizedException", "UserNotFoundException", "UserNotConfirmedException",
           "PasswordResetRequiredException", "InvalidParameterException"}  # fmt: skip


def pool_issuer(region: str, pool_id: str) -> str:
    return f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"


def jwks_url(region: str, pool_id: str, endpoint_url: str | None = None) -> str:
    """The pool's JWKS; on an emulator (AWS_ENDPOINT_URL, e.g. moto) the same path on its host."""
    endpoint = endpoint_url if endpoint_url is not None else os.environ.get("AWS_ENDPOINT_URL")
    base = endpoint.rstrip("/") + f"/{pool_id}" if endpoint else pool_issuer(region, pool_id)
    return base + "/.well-known/jwks.json"


def fetch_json(url: str) -> Any:
    if not url.startswith(("https://", "http://")):
        raise ValueError("JWKS URL must be http(s)")
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - scheme checked above
        return json.loads(response.read())


class Jwks:
    def __init__(
        self,
        url: str,
        fetch: Callable[[str], Any] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.url = url
        self._fetch = fetch
        self._clock = clock
        self._keys: dict[str, rsa.RSAPublicKey] = {}
        self._loaded_at: float | None = None

    def keys(self, kid: str | None = None) -> dict[str, rsa.RSAPublicKey]:
        now = self._clock()
        stale = self._loaded_at is None or now - self._loaded_at > JWKS_TTL_S
        unknown = kid is not None and kid not in self._keys
        if stale or (unknown and now - (self._loaded_at or 0.0) > JWKS_MIN_REFRESH_S):
            self._load(now)
        return self._keys

    def _load(self, now: float) -> None:
        try:
            document = (self._fetch or fetch_json)(self.url)
            keys = {
                str(k["kid"]): rsa_key_from_jwk(k)
                for k in document.get("keys", [])
                if isinstance(k, dict) and k.get("kty") == "RSA" and k.get("kid")
            }
        except (OSError, ValueError, InvalidToken, AttributeError) as exc:
            if self._keys:  # keep serving with the keys we have
                return
            raise TransientFailure(f"cannot load the user pool keys ({type(exc).__name__})") from exc
        self._keys = keys
        self._loaded_at = now


class CognitoIdTokens:
    def __init__(self, jwks: Jwks, *, issuer: str, client_id: str, clock: Callable[[], float] = time.time):
        self._jwks = jwks
        self._issuer = issuer
        self._client_id = client_id
        self._clock = clock

    def verify(self, token: str) -> StaffPrincipal:
        header = parse(token).header
        jws = verify_rs256(token, self._jwks.keys(str(header.get("kid"))))
        claims = jws.claims
        check_claims(claims, now=self._clock(), audience=self._client_id, issuer=self._issuer)
        if claims.get("token_use") != "id":
            raise InvalidToken("not an ID token")
        username = claims.get("cognito:username")
        groups = claims.get("cognito:groups") or []
        if not isinstance(username, str) or not username or not isinstance(groups, list):
            raise InvalidToken("missing username or groups")
        return StaffPrincipal(username=username, groups=frozenset(str(g) for g in groups))


class CognitoPasswordLogin:
    def __init__(self, client_id: str, cognito: Any | None = None):
        self.client_id = client_id
        self._cognito = cognito

    def login(self, username: str, password: str) -> tuple[str, int]:
        """(ID token, lifetime in seconds); Unauthorized for any refusal."""
        cognito = self._cognito or client("cognito-idp")
        try:
            response = cognito.initiate_auth(
                ClientId=self.client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": password},
            )
        except ClientError as exc:
            if error_code(exc) in _DENIED:
                raise Unauthorized("wrong username or password") from None
            if error_code(exc) in ("TooManyRequestsException", "LimitExceededException"):
                raise Unauthorized("too many sign-in attempts, wait a few minutes") from None
            raise TransientFailure(f"cognito: {error_code(exc)}") from exc
        except BotoCoreError as exc:
            raise TransientFailure(f"cognito: {type(exc).__name__}") from exc
        result = response.get("AuthenticationResult")
        if not result or not result.get("IdToken"):
            # A challenge (new password, MFA) this API does not handle: staff finish it in the console.
            raise Unauthorized("sign-in needs a step this page does not support; contact the administrator")
        return str(result["IdToken"]), int(result.get("ExpiresIn") or 3600)
