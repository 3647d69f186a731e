"""Staff sign-in with TOTP MFA (the deployed pool requires it) through the download handler, on moto.

What moto 5.2.5 emulates, and where it differs from Cognito (read from moto/cognitoidp/models.py):
- `SetUserPoolMfaConfig` (MfaConfiguration ON + SoftwareTokenMfaConfiguration) is stored and drives
  the challenges below; `AdminSetUserMFAPreference` needs a verified token, as in Cognito.
- InitiateAuth USER_PASSWORD_AUTH answers NEW_PASSWORD_REQUIRED (temporary password) and
  SOFTWARE_TOKEN_MFA (user with a verified token), but never MFA_SETUP: a confirmed user without a
  token simply gets tokens. moto asks for MFA_SETUP only after NEW_PASSWORD_REQUIRED, which is the
  path these tests take (admin-created user -> new password -> enrol app -> token). The direct
  password -> MFA_SETUP answer is covered with a stubbed client in tests/unit/test_staff_sign_in.py.
- AssociateSoftwareToken returns one fixed secret for everyone and the same session;
  VerifySoftwareToken returns a fresh session; RespondToAuthChallenge MFA_SETUP then signs in.
- Codes: moto accepts ANY code unless MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP=true, which makes it
  check RFC 6238 codes (SHA-1, 6 digits, 30 s, no clock-skew window) against that secret. These tests
  set it, and compute real codes from the secretCode the API returns, so they would hold against
  Cognito too, except that Cognito also refuses a code used twice in the same 30 s step (moto does not;
  the enrol-then-sign-in test reuses one, see its comment) and may end a session after a wrong code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time
import urllib.parse
from typing import Any

import boto3
import pytest

from tests.integration.conftest import Invoker

TEMPORARY = "Temp-Password-123!"
NEW_PASSWORD = "Vx-Chosen-Password-456!"


def totp(secret_b32: str, at: float | None = None, digits: int = 6, step: int = 30) -> str:
    """RFC 6238 TOTP (HMAC-SHA-1), as Cognito and authenticator apps compute it."""
    key = base64.b32decode(secret_b32.upper() + "=" * (-len(secret_b32) % 8))
    counter = int((time.time() if at is None else at) // step)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def fresh_code(secret_b32: str) -> str:
    """A code that stays valid for the next call: moto checks only the current 30 s step."""
    left = 30 - time.time() % 30
    if left < 2:
        time.sleep(left + 0.1)
    return totp(secret_b32)


def test_totp_matches_rfc_6238_vectors() -> None:
    secret = base64.b32encode(b"12345678901234567890").decode()
    # RFC 6238 appendix B (SHA-1), 8 digits.
    for at, want in ((59, "94287082"), (1111111109, "07081804"), (1234567890, "89005924")):
        assert totp(secret, at, digits=8) == want


@pytest.fixture(autouse=True)
def pool_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.utilities.utils import load_resource

    from vaxcert.http import cognito

    # In-process moto cannot answer urllib: serve the pool's JWKS (moto's fixed key) directly.
    monkeypatch.setattr(
        cognito, "fetch_json", lambda url: load_resource("cognitoidp/resources/jwks-public.json")
    )


@pytest.fixture
def mfa_pool(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> str:
    """The provisioned pool switched to the deployed setting: TOTP MFA required."""
    monkeypatch.setenv("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true")
    pool_id = aws["USER_POOL_ID"]
    boto3.client("cognito-idp").set_user_pool_mfa_config(
        UserPoolId=pool_id, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="ON"
    )
    return pool_id


def _new_staff(pool_id: str, username: str, group: str = "facility-staff") -> None:
    """As an administrator creates staff: a temporary password, changed at first sign-in."""
    cognito = boto3.client("cognito-idp")
    cognito.admin_create_user(
        UserPoolId=pool_id, Username=username, TemporaryPassword=TEMPORARY, MessageAction="SUPPRESS"
    )
    cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName=group)


def _sign_in(invoke: Invoker, username: str, password: str) -> tuple[int, Any]:
    status, _, body = invoke.http("POST", "/v1/staff/session", {"username": username, "password": password})
    return status, body


def _answer(invoke: Invoker, previous: dict[str, Any], **fields: str) -> tuple[int, Any]:
    body = {
        "username": previous["username"],
        "session": previous["session"],
        "challenge": previous["challenge"],
        **fields,
    }
    status, _, answer = invoke.http("POST", "/v1/staff/session/challenge", body)
    return status, answer


def _enrol(invoke: Invoker, pool_id: str, username: str) -> str:
    """First sign-in up to the token; returns the TOTP secret the person put in their app."""
    _new_staff(pool_id, username)
    status, first = _sign_in(invoke, username, TEMPORARY)
    assert (status, first["challenge"]) == (401, "NEW_PASSWORD"), first
    status, setup = _answer(invoke, first, newPassword=NEW_PASSWORD)
    assert (status, setup["challenge"]) == (401, "MFA_SETUP"), setup
    status, done = _answer(invoke, setup, code=fresh_code(setup["secretCode"]))
    assert status == 200, done
    return str(setup["secretCode"])


def _audit_actions(username: str) -> list[tuple[str, str]]:
    from vaxcert.store.audit import DynamoAuditStore

    return [(e.action.value, e.outcome.value) for e in DynamoAuditStore().by_actor(username, 50)]


def test_first_sign_in_new_password_then_authenticator_setup_then_token(
    mfa_pool: str, invoke: Invoker
) -> None:
    _new_staff(mfa_pool, "nurse.mfa1", "ministry-admin")
    status, first = _sign_in(invoke, "nurse.mfa1", TEMPORARY)
    assert status == 401
    assert first["challenge"] == "NEW_PASSWORD" and first["session"] and first["message"]
    assert first["username"] == "nurse.mfa1"
    assert "secretCode" not in first

    status, setup = _answer(invoke, first, newPassword=NEW_PASSWORD)
    assert status == 401, setup
    assert setup["challenge"] == "MFA_SETUP"
    assert setup["message"] == "Set up an authenticator app to continue."
    secret = setup["secretCode"]
    base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))  # base32, as authenticator apps want
    uri = urllib.parse.urlsplit(setup["otpauthUri"])
    assert (uri.scheme, uri.netloc, urllib.parse.unquote(uri.path)) == (
        "otpauth",
        "totp",
        "/vaxcert:nurse.mfa1",
    )
    assert urllib.parse.parse_qs(uri.query) == {"secret": [secret], "issuer": ["vaxcert"]}

    status, done = _answer(invoke, setup, code=fresh_code(secret))
    assert status == 200, done
    assert set(done) == {"token", "expiresIn", "groups"}
    assert done["groups"] == ["ministry-admin"] and done["expiresIn"] > 0
    # The token works on a staff route.
    headers = {"Authorization": f"Bearer {done['token']}"}
    assert invoke.http("GET", "/v1/facility/certificates?mobile=8765550123", headers=headers)[0] == 200

    # Newest first: each step, then the completed sign-in.
    assert _audit_actions("nurse.mfa1")[:5] == [
        ("staff.search", "ok"),
        ("staff.login", "ok"),
        ("staff.mfa_setup", "ok"),
        ("staff.password_change", "ok"),
        ("staff.login", "challenged"),
    ]


def test_enrolled_staff_sign_in_with_the_authenticator_code(mfa_pool: str, invoke: Invoker) -> None:
    secret = _enrol(invoke, mfa_pool, "nurse.mfa2")
    status, challenge = _sign_in(invoke, "nurse.mfa2", NEW_PASSWORD)
    assert status == 401
    assert challenge == {
        "message": "Enter the 6-digit code from your authenticator app.",
        "challenge": "MFA_CODE",
        "session": challenge["session"],
        "username": "nurse.mfa2",
    }
    # Real Cognito would refuse the enrolment's code if still in the same 30 s step; moto does not.
    code = fresh_code(secret)
    status, done = _answer(invoke, challenge, code=f"{code[:3]} {code[3:]}")  # typed as the app shows it
    assert status == 200, done
    assert done["groups"] == ["facility-staff"]
    assert _audit_actions("nurse.mfa2")[:3] == [
        ("staff.login", "ok"),
        ("staff.mfa", "ok"),
        ("staff.login", "challenged"),
    ]


def test_wrong_code_is_401_and_the_right_one_still_works(mfa_pool: str, invoke: Invoker) -> None:
    secret = _enrol(invoke, mfa_pool, "nurse.mfa3")
    status, challenge = _sign_in(invoke, "nurse.mfa3", NEW_PASSWORD)
    assert status == 401 and challenge["challenge"] == "MFA_CODE"
    right = fresh_code(secret)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    status, refused = _answer(invoke, challenge, code=wrong)
    assert status == 401
    assert refused == {
        "message": "Wrong code. Check the authenticator app and try again.",
        "reason": "wrong_code",
    }
    assert _audit_actions("nurse.mfa3")[0] == ("staff.mfa", "denied")
    # moto keeps the session after a wrong code (Cognito may not: then the answer is session_expired).
    status, done = _answer(invoke, challenge, code=fresh_code(secret))
    assert status == 200, done


def test_wrong_code_while_enrolling_is_401(mfa_pool: str, invoke: Invoker) -> None:
    _new_staff(mfa_pool, "nurse.mfa4")
    _, first = _sign_in(invoke, "nurse.mfa4", TEMPORARY)
    _, setup = _answer(invoke, first, newPassword=NEW_PASSWORD)
    right = fresh_code(setup["secretCode"])
    status, refused = _answer(invoke, setup, code=f"{(int(right) + 1) % 1_000_000:06d}")
    assert status == 401 and refused["reason"] == "wrong_code"
    assert _audit_actions("nurse.mfa4")[0] == ("staff.mfa_setup", "denied")


@pytest.mark.parametrize("session", ["not-a-session", "x" * 40])
def test_unknown_session_asks_to_start_again(mfa_pool: str, invoke: Invoker, session: str) -> None:
    _enrol(invoke, mfa_pool, "nurse.mfa5")
    previous = {"username": "nurse.mfa5", "session": session, "challenge": "MFA_CODE"}
    status, refused = _answer(invoke, previous, code="123456")
    assert status == 401 and refused["reason"] == "session_expired"


def test_weak_new_password_is_422_naming_the_field(mfa_pool: str, invoke: Invoker) -> None:
    _new_staff(mfa_pool, "nurse.mfa6")
    _, first = _sign_in(invoke, "nurse.mfa6", TEMPORARY)
    status, answer = _answer(invoke, first, newPassword="short")
    assert status == 422
    assert [e["field"] for e in answer["errors"]] == ["newPassword"]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, ["username", "session", "challenge"]),
        ({"username": "a", "session": "s", "challenge": "SMS"}, ["challenge"]),
        ({"username": "a", "session": "s", "challenge": "MFA_CODE"}, ["code"]),
        ({"username": "a", "session": "s", "challenge": "MFA_SETUP", "code": "12ab56"}, ["code"]),
        ({"username": "a", "session": "s", "challenge": "MFA_CODE", "code": "1234567"}, ["code"]),
        ({"username": "a", "session": "s", "challenge": "NEW_PASSWORD"}, ["newPassword"]),
        ({"session": "s", "challenge": "MFA_CODE", "code": "123456"}, ["username"]),
        ({"username": "a", "challenge": "MFA_CODE", "code": "123456"}, ["session"]),
    ],
)
def test_missing_or_malformed_fields_are_422(
    mfa_pool: str, invoke: Invoker, body: dict[str, str], fields: list[str]
) -> None:
    status, _, answer = invoke.http("POST", "/v1/staff/session/challenge", body)
    assert status == 422, answer
    assert [e["field"] for e in answer["errors"]] == fields


def test_codes_sessions_secrets_and_passwords_are_not_logged(
    mfa_pool: str, invoke: Invoker, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    capfd.readouterr()
    caplog.clear()
    _new_staff(mfa_pool, "nurse.mfa7")
    _, first = _sign_in(invoke, "nurse.mfa7", TEMPORARY)
    _, setup = _answer(invoke, first, newPassword=NEW_PASSWORD)
    code = fresh_code(setup["secretCode"])
    _, done = _answer(invoke, setup, code=code)
    out, err = capfd.readouterr()
    logged = out + err + caplog.text
    assert "staff sign-in challenge" in logged  # the logs were captured
    for secret in (TEMPORARY, NEW_PASSWORD, first["session"], setup["secretCode"], code, done["token"][:40]):
        assert secret not in logged
