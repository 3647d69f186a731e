"""Staff sign-in through the Cognito user pool, and verification of its ID tokens.

ID tokens are verified locally (RS256 against the pool's JWKS, fetched once and cached; refreshed
at most once a minute when a token names an unknown kid, i.e. after key rotation), with `exp`,
`aud` (the app client), `iss` (the pool) and `token_use` == "id" checked.

Sign-in is USER_PASSWORD_AUTH followed by whatever challenge the pool asks for: a TOTP code
(SOFTWARE_TOKEN_MFA), enrolling an authenticator app (MFA_SETUP: AssociateSoftwareToken, then
VerifySoftwareToken), or a new password for an admin-created user. Challenges travel to the page and
back as Cognito's opaque session; nothing is kept here. Codes, sessions, secrets and passwords are
never logged or put in exception messages.
"""

from __future__ import annotations

import json
import os
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError
from cryptography.hazmat.primitives.asymmetric import rsa

from vaxcert.cache import TtlCache, TtlCacheMap
from vaxcert.errors import InvalidInput, Problem, TransientFailure, Unauthorized, VaxcertError
from vaxcert.formats.tokens import InvalidToken, parse, rsa_key_from_jwk, verify_rs256
from vaxcert.store.aws import client, error_code
from vaxcert.types.staff import StaffPrincipal

JWKS_TTL_S = 6 * 3600
JWKS_MIN_REFRESH_S = 60
# A staff sign-in lasts at most this long from the password step (`auth_time`), whatever the
# token's `exp` (refreshed tokens keep the original auth_time): staff sign in again every hour.
MAX_STAFF_SESSION_S = 3600
# How long one function instance trusts what Cognito said about an account (enabled, signed out).
STAFF_STATUS_CACHE_S = 300
# The user pool attribute the sign-out time is kept in (epoch seconds; tokens authenticated at or
# before it are refused). A custom attribute, so every function sees it through AdminGetUser.
SIGNED_OUT_ATTRIBUTE = "custom:signed_out_at"
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
        # A failed refresh keeps serving the keys we have (retried on the next call); none: 503.
        self._cache = TtlCache(self._load, JWKS_TTL_S, keep_on_failure=(TransientFailure,), clock=clock)

    def keys(self, kid: str | None = None) -> dict[str, rsa.RSAPublicKey]:
        if kid is None:
            return self._cache.get()
        found = self._cache.lookup(lambda keys: keys if kid in keys else None, JWKS_MIN_REFRESH_S)
        return found if found is not None else self._cache.peek() or {}

    def _load(self) -> dict[str, rsa.RSAPublicKey]:
        try:
            document = (self._fetch or fetch_json)(self.url)
            return {
                str(k["kid"]): rsa_key_from_jwk(k)
                for k in document.get("keys", [])
                if isinstance(k, dict) and k.get("kty") == "RSA" and k.get("kid")
            }
        except (OSError, ValueError, InvalidToken, AttributeError) as exc:
            raise TransientFailure(f"cannot load the user pool keys ({type(exc).__name__})") from exc


@dataclass(frozen=True)
class AccountStatus:
    active: bool  # enabled and confirmed
    signed_out_at: int | None


class StaffAccounts:
    """What the user pool says about a staff account (AdminGetUser), cached per username for at most
    STAFF_STATUS_CACHE_S, and sign-out (AdminUserGlobalSignOut, which ends the refresh tokens, plus the
    sign-out time in SIGNED_OUT_ATTRIBUTE, which ends the ID tokens already handed out)."""

    def __init__(
        self,
        pool_id: str,
        cognito: Any | None = None,
        *,
        cache_s: float = STAFF_STATUS_CACHE_S,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ):
        self.pool_id = pool_id
        self._cognito = cognito
        self._cache_s = min(cache_s, STAFF_STATUS_CACHE_S)
        self._clock = clock
        self._wall_clock = wall_clock
        self._cache: TtlCacheMap[str, AccountStatus] = TtlCacheMap(
            self._load, self._cache_s, clock=lambda: self._clock()
        )

    def _client(self) -> Any:
        return self._cognito or client("cognito-idp")

    def status(self, username: str) -> AccountStatus:
        # 0: ask the user pool every time.
        return self._cache.get(username) if self._cache_s > 0 else self._load(username)

    def _load(self, username: str) -> AccountStatus:
        try:
            user = self._client().admin_get_user(UserPoolId=self.pool_id, Username=username)
        except ClientError as exc:
            if error_code(exc) != "UserNotFoundException":
                raise TransientFailure(f"cognito: {error_code(exc)}") from None
            return AccountStatus(active=False, signed_out_at=None)
        except BotoCoreError as exc:
            raise TransientFailure(f"cognito: {type(exc).__name__}") from exc
        attributes = {a.get("Name"): a.get("Value") for a in user.get("UserAttributes") or []}
        raw = attributes.get(SIGNED_OUT_ATTRIBUTE)
        return AccountStatus(
            active=bool(user.get("Enabled", True)) and user.get("UserStatus") == "CONFIRMED",
            signed_out_at=int(raw) if isinstance(raw, str) and raw.isdigit() else None,
        )

    def sign_out(self, username: str) -> None:
        """End every session of this account: tokens authenticated until now are refused."""
        cognito = self._client()
        try:
            cognito.admin_update_user_attributes(
                UserPoolId=self.pool_id,
                Username=username,
                UserAttributes=[{"Name": SIGNED_OUT_ATTRIBUTE, "Value": str(int(self._wall_clock()))}],
            )
            cognito.admin_user_global_sign_out(UserPoolId=self.pool_id, Username=username)
        except ClientError as exc:
            raise TransientFailure(f"cognito: {error_code(exc)}") from None
        except BotoCoreError as exc:
            raise TransientFailure(f"cognito: {type(exc).__name__}") from exc
        self._cache.forget(username)


class CognitoIdTokens:
    def __init__(
        self,
        jwks: Jwks,
        *,
        issuer: str,
        client_id: str,
        clock: Callable[[], float] = time.time,
        accounts: StaffAccounts | None = None,
        max_session_s: int = MAX_STAFF_SESSION_S,
    ):
        self._jwks = jwks
        self._issuer = issuer
        self._client_id = client_id
        self._clock = clock
        self._accounts = accounts
        self._max_session_s = max_session_s

    def verify(self, token: str) -> StaffPrincipal:
        header = parse(token).header
        # exp/nbf/iat/aud/iss by PyJWT (against the real clock); `clock` dates the staff session limit.
        claims = verify_rs256(
            token, self._jwks.keys(str(header.get("kid"))), audience=self._client_id, issuer=self._issuer
        )
        if claims.get("token_use") != "id":
            raise InvalidToken("not an ID token")
        username = claims.get("cognito:username")
        groups = claims.get("cognito:groups") or []
        if not isinstance(username, str) or not username or not isinstance(groups, list):
            raise InvalidToken("missing username or groups")
        auth_time = claims.get("auth_time", claims.get("iat"))
        if not isinstance(auth_time, int | float) or isinstance(auth_time, bool):
            raise InvalidToken("auth_time missing")
        if self._clock() > auth_time + self._max_session_s:
            raise InvalidToken("sign-in older than the staff session limit")
        if self._accounts is not None:
            status = self._accounts.status(username)
            if not status.active:
                raise InvalidToken("account disabled")
            if status.signed_out_at is not None and auth_time <= status.signed_out_at:
                raise InvalidToken("signed out")
        return StaffPrincipal(username=username, groups=frozenset(str(g) for g in groups))


class ChallengeKind(StrEnum):
    """The sign-in steps after the password that this API answers (names of the public API)."""

    MFA_CODE = "MFA_CODE"  # Cognito SOFTWARE_TOKEN_MFA: a code from the enrolled authenticator app
    MFA_SETUP = "MFA_SETUP"  # Cognito MFA_SETUP: enrol an authenticator app (first sign-in)
    # Cognito NEW_PASSWORD_REQUIRED: an admin-created user still on the temporary password.
    NEW_PASSWORD = "NEW_PASSWORD"  # noqa: S105 - a challenge name, not a password


CHALLENGE_MESSAGES = {
    ChallengeKind.MFA_CODE: "Enter the 6-digit code from your authenticator app.",
    ChallengeKind.MFA_SETUP: "Set up an authenticator app to continue.",
    ChallengeKind.NEW_PASSWORD: "Choose a new password to continue.",
}
OTPAUTH_ISSUER = "vaxcert"


@dataclass(frozen=True)
class SignedIn:
    id_token: str
    expires_in: int


@dataclass(frozen=True)
class Challenge:
    """A further step Cognito asks for. `session` is Cognito's opaque, short-lived session."""

    kind: ChallengeKind
    session: str
    # The name to answer the challenge with: Cognito's own username when it says (pools that sign in
    # by e-mail alias name users by an id), else what the person typed.
    username: str
    # MFA_SETUP only: the TOTP secret (base32) the authenticator app must be given.
    secret_code: str | None = None
    # What the authenticator app shows as the account name.
    label: str = ""

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "message": CHALLENGE_MESSAGES[self.kind],
            "challenge": self.kind.value,
            "session": self.session,
            "username": self.username,
        }
        if self.secret_code is not None:
            body["secretCode"] = self.secret_code
            body["otpauthUri"] = otpauth_uri(self.label or self.username, self.secret_code)
        return body


def otpauth_uri(account: str, secret: str, issuer: str = OTPAUTH_ISSUER) -> str:
    """Key URI for authenticator apps (QR code or link): otpauth://totp/<issuer>:<account>?secret=..."""
    label = urllib.parse.quote(f"{issuer}:{account}", safe=":@")
    return f"otpauth://totp/{label}?secret={secret}&issuer={urllib.parse.quote(issuer, safe='')}"


class SignInRefused(Unauthorized):
    """A 401 with a machine-readable reason the page can act on (retry the code, or start again)."""

    def __init__(self, message: str, reason: str):
        super().__init__(message, reason)


class WrongCode(SignInRefused):
    def __init__(self) -> None:
        super().__init__("Wrong code. Check the authenticator app and try again.", "wrong_code")


class SessionExpired(SignInRefused):
    def __init__(self) -> None:
        super().__init__("This sign-in has expired. Sign in again with your password.", "session_expired")


# Answers to a challenge: a wrong or reused code, or a code the authenticator app was not set up with.
_WRONG_CODE = {"CodeMismatchException", "EnableSoftwareTokenMFAException", "ExpiredCodeException"}
# The session is unknown, used up or older than the app client's auth session validity.
_SESSION_GONE = {"NotAuthorizedException", "ResourceNotFoundException"}


def pool_id_tokens(
    region: str, pool_id: str, client_id: str, accounts: StaffAccounts | None = None
) -> CognitoIdTokens:
    """The verifier of the staff user pool's ID tokens (the pool's JWKS, issuer and app client), and
    of the accounts' state (disabled, signed out) when `accounts` is given."""
    return CognitoIdTokens(
        Jwks(jwks_url(region, pool_id)),
        issuer=pool_issuer(region, pool_id),
        client_id=client_id,
        accounts=accounts,
    )


class CognitoPasswordLogin:
    """USER_PASSWORD_AUTH sign-in and the challenges that can follow it (TOTP MFA, new password)."""

    def __init__(self, client_id: str, cognito: Any | None = None):
        self.client_id = client_id
        self._cognito = cognito

    def _client(self) -> Any:
        return self._cognito or client("cognito-idp")

    def start(self, username: str, password: str) -> SignedIn | Challenge:
        """Check the password: a token, or the next step Cognito asks for; Unauthorized if refused."""
        try:
            response = self._client().initiate_auth(
                ClientId=self.client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": password},
            )
        except ClientError as exc:
            if error_code(exc) in _DENIED:
                raise SignInRefused("wrong username or password", "denied") from None
            raise _common_error(exc) from None
        except BotoCoreError as exc:
            raise TransientFailure(f"cognito: {type(exc).__name__}") from exc
        return self._outcome(username, response)

    def answer(
        self,
        username: str,
        kind: ChallengeKind,
        session: str,
        *,
        code: str | None = None,
        new_password: str | None = None,
    ) -> SignedIn | Challenge:
        """Answer one challenge: a token, a further challenge, or SignInRefused/InvalidInput."""
        cognito = self._client()
        try:
            if kind is ChallengeKind.MFA_CODE:
                response = cognito.respond_to_auth_challenge(
                    ClientId=self.client_id,
                    ChallengeName="SOFTWARE_TOKEN_MFA",
                    Session=session,
                    ChallengeResponses={"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": code or ""},
                )
            elif kind is ChallengeKind.MFA_SETUP:
                # Authorized by the session alone (no IAM): proves the app holds the secret, then
                # completes MFA_SETUP with the session VerifySoftwareToken returns.
                verified = cognito.verify_software_token(
                    Session=session, UserCode=code or "", FriendlyDeviceName="vaxcert"
                )
                if verified.get("Status") != "SUCCESS":
                    raise WrongCode()
                response = cognito.respond_to_auth_challenge(
                    ClientId=self.client_id,
                    ChallengeName="MFA_SETUP",
                    Session=verified.get("Session") or session,
                    ChallengeResponses={"USERNAME": username},
                )
            else:
                response = cognito.respond_to_auth_challenge(
                    ClientId=self.client_id,
                    ChallengeName="NEW_PASSWORD_REQUIRED",
                    Session=session,
                    ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": new_password or ""},
                )
        except ClientError as exc:
            code_name = error_code(exc)
            if code_name in _WRONG_CODE:
                raise WrongCode() from None
            if code_name == "InvalidPasswordException":
                # Cognito's text names the unmet policy rule ("Password not long enough"); no secret in it.
                message = str(exc.response.get("Error", {}).get("Message") or "does not meet the policy")
                raise InvalidInput([Problem("newPassword", message[:200])]) from None
            if code_name in _SESSION_GONE:
                raise SessionExpired() from None
            if code_name in (
                "UserNotFoundException",
                "UserNotConfirmedException",
                "InvalidParameterException",
            ):
                raise SignInRefused("sign-in refused; sign in again with your password", "denied") from None
            if code_name == "TooManyFailedAttemptsException":
                raise SignInRefused(
                    "too many wrong codes; sign in again in a few minutes", "locked"
                ) from None
            raise _common_error(exc) from None
        except ParamValidationError:
            # The page sent something that cannot be a Cognito session (length 20-2048).
            raise SessionExpired() from None
        except BotoCoreError as exc:
            raise TransientFailure(f"cognito: {type(exc).__name__}") from exc
        return self._outcome(username, response)

    def _outcome(self, typed_username: str, response: dict[str, Any]) -> SignedIn | Challenge:
        result = response.get("AuthenticationResult")
        if result and result.get("IdToken"):
            return SignedIn(str(result["IdToken"]), int(result.get("ExpiresIn") or 3600))
        name = response.get("ChallengeName")
        session = response.get("Session")
        params = response.get("ChallengeParameters") or {}
        username = str(params.get("USERNAME") or params.get("USER_ID_FOR_SRP") or typed_username)
        if not session:
            raise TransientFailure(f"cognito: challenge {name} without a session")
        if name == "SOFTWARE_TOKEN_MFA":
            return Challenge(ChallengeKind.MFA_CODE, session, username, label=typed_username)
        if name == "NEW_PASSWORD_REQUIRED":
            return Challenge(ChallengeKind.NEW_PASSWORD, session, username, label=typed_username)
        if name == "MFA_SETUP" and _can_set_up_totp(params):
            try:
                associated = self._client().associate_software_token(Session=session)
            except ClientError as exc:
                if error_code(exc) in _SESSION_GONE:
                    raise SessionExpired() from None
                raise _common_error(exc) from None
            except BotoCoreError as exc:
                raise TransientFailure(f"cognito: {type(exc).__name__}") from exc
            return Challenge(
                ChallengeKind.MFA_SETUP,
                str(associated.get("Session") or session),
                username,
                secret_code=str(associated["SecretCode"]),
                label=typed_username,
            )
        # SMS MFA, MFA type selection, custom challenges: not configured for the staff pool.
        raise SignInRefused(
            "sign-in needs a step this page does not support; contact the administrator", "unsupported"
        )


def _can_set_up_totp(params: dict[str, Any]) -> bool:
    # Cognito sends MFAS_CAN_SETUP as a JSON-encoded list (moto: a list); absent means no restriction.
    raw = params.get("MFAS_CAN_SETUP")
    if raw is None:
        return True
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return "SOFTWARE_TOKEN_MFA" in raw
    return isinstance(raw, list) and "SOFTWARE_TOKEN_MFA" in raw


def _common_error(exc: ClientError) -> VaxcertError:
    if error_code(exc) in ("TooManyRequestsException", "LimitExceededException"):
        return SignInRefused("too many sign-in attempts, wait a few minutes", "throttled")
    return TransientFailure(f"cognito: {error_code(exc)}")
