"""Sessions that end (issue 17 section 4), through the handlers on moto.

- Citizen: DELETE /v1/citizen/session puts the token's jti on a denylist until its expiry: refused after.
- Staff: ID tokens are refused past 1 hour from `auth_time` whatever their `exp`; a disabled account, or
  one signed out (DELETE /v1/staff/session, or an administrator's AdminUserGlobalSignOut plus the
  sign-out time), is refused by every function within 5 minutes (the AdminGetUser cache).
"""

from __future__ import annotations

import json
import time
from typing import Any

import boto3
import pytest

from tests.conftest import EXAMPLE_FORM, require_shared
from tests.integration.conftest import Invoker, sent_sms
from vaxcert.http.cognito import SIGNED_OUT_ATTRIBUTE, STAFF_STATUS_CACHE_S

MOBILE = "876-555-0123"  # the example form's number


@pytest.fixture(autouse=True)
def pool_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.utilities.utils import load_resource

    from vaxcert.http import cognito

    # In-process moto cannot answer urllib: serve the pool's JWKS (moto's fixed key) directly.
    monkeypatch.setattr(
        cognito, "fetch_json", lambda url: load_resource("cognitoidp/resources/jwks-public.json")
    )


class Monotonic:
    """A fake monotonic clock for a function's staff-account cache."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _staff(aws: dict[str, str], invoke: Invoker, username: str, group: str) -> str:
    from local_stack.provision import create_user

    password = create_user("us-east-1", aws["USER_POOL_ID"], username, group)
    status, _, body = invoke.http("POST", "/v1/staff/session", {"username": username, "password": password})
    assert status == 200, body
    return str(body["token"])


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _citizen_token(aws: dict[str, str], invoke: Invoker) -> str:
    form = json.loads(require_shared(EXAMPLE_FORM).read_text())
    key = boto3.client("secretsmanager").get_secret_value(SecretId=aws["INGEST_SECRET_ARN"])["SecretString"]
    assert invoke.http("POST", "/v1/ingest/commcare", form, {"X-Vaxcert-Key": key})[0] in (200, 202)
    invoke.drain_issue_queue(aws["ISSUE_QUEUE_URL"])
    invoke.module("download").services().portal().timer.sleep = lambda seconds: None
    assert invoke.http("POST", "/v1/citizen/otp", {"mobile": MOBILE})[0] == 202
    code = [m for _, m in sent_sms() if "login code" in m][-1].split("login code is ")[1][:6]
    status, _, body = invoke.http("POST", "/v1/citizen/session", {"mobile": MOBILE, "otp": code})
    assert status == 200, body
    return str(body["token"])


def test_citizen_sign_out_refuses_the_token_until_it_expires(aws, trust_material, invoke: Invoker) -> None:
    token = _citizen_token(aws, invoke)
    assert invoke.http("GET", "/v1/citizen/certificates", headers=_bearer(token))[0] == 200
    status, headers, body = invoke.http("DELETE", "/v1/citizen/session", headers=_bearer(token))
    assert (status, body) == (204, "")
    assert headers["Cache-Control"] == "no-store"
    status, _, body = invoke.http("GET", "/v1/citizen/certificates", headers=_bearer(token))
    assert status == 401 and body["message"] == "invalid or expired token"
    assert invoke.http("DELETE", "/v1/citizen/session", headers=_bearer(token))[0] == 401
    # The denylist entry lives exactly as long as the token could (DynamoDB TTL), and names no one.
    from vaxcert.formats.tokens import parse
    from vaxcert.store.models import CitizenAuthItem

    claims = parse(token).claims
    item = CitizenAuthItem.get(f"jti#{claims['jti']}", consistent_read=True)
    assert claims["exp"] < item.expiresAt <= claims["exp"] + 60
    assert item.digest is None and item.salt is None
    # Signing out ends this token only: a new login works.
    assert (
        invoke.http("GET", "/v1/citizen/certificates", headers=_bearer(_citizen_token(aws, invoke)))[0] == 200
    )
    actions = [e["action"] for e in _audit_actions()]
    assert "citizen.sign_out" in actions


def _audit_actions() -> list[dict[str, Any]]:
    from vaxcert.store.models import AuditItem

    return [{"action": item.action} for item in AuditItem.scan()]


def test_staff_token_is_refused_one_hour_after_sign_in_whatever_its_exp(aws, invoke: Invoker) -> None:
    token = _staff(aws, invoke, "nurse.hour", "facility-staff")
    path = "/v1/facility/certificates?mobile=876-555-0100"
    assert invoke.http("GET", path, headers=_bearer(token))[0] == 200
    verifier = invoke.module("download").services().id_tokens
    real = verifier._clock
    verifier._clock = lambda: real() + 3601 - 30  # still within exp + leeway (moto: exp = 1 h)
    verifier._max_session_s = 3600 - 60  # a session limit shorter than exp proves it is checked itself
    try:
        assert invoke.http("GET", path, headers=_bearer(token))[0] == 401
    finally:
        verifier._clock = real
        verifier._max_session_s = 3600
    assert invoke.http("GET", path, headers=_bearer(token))[0] == 200


def test_a_disabled_staff_user_is_refused_within_the_cache_time(aws, invoke: Invoker) -> None:
    token = _staff(aws, invoke, "admin.leaving", "ministry-admin")
    revoke = invoke.module("revoke")
    clock = Monotonic()
    revoke.services().id_tokens._accounts._clock = clock
    assert invoke.http("GET", "/v1/admin/dashboard", headers=_bearer(token))[0] == 200
    boto3.client("cognito-idp").admin_disable_user(UserPoolId=aws["USER_POOL_ID"], Username="admin.leaving")
    clock.now += STAFF_STATUS_CACHE_S - 1
    assert invoke.http("GET", "/v1/admin/dashboard", headers=_bearer(token))[0] == 200  # cached answer
    clock.now += 2
    status, _, body = invoke.http("GET", "/v1/admin/dashboard", headers=_bearer(token))
    assert status == 401 and body["message"] == "invalid or expired token"
    assert STAFF_STATUS_CACHE_S <= 300


def test_staff_sign_out_ends_every_session_of_the_account(aws, invoke: Invoker) -> None:
    old = _staff(aws, invoke, "admin.out", "ministry-admin")
    clock = Monotonic()
    invoke.module("revoke").services().id_tokens._accounts._clock = clock
    assert invoke.http("GET", "/v1/admin/dashboard", headers=_bearer(old))[0] == 200
    time.sleep(1.05)  # auth_time has whole seconds: sign out in a later second than the sign-in
    token = invoke.http(
        "POST", "/v1/staff/session", {"username": "admin.out", "password": _password(aws, "admin.out")}
    )[2]["token"]
    time.sleep(1.05)
    status, _, body = invoke.http("DELETE", "/v1/staff/session", headers=_bearer(token))
    assert (status, body) == (204, "")
    user = boto3.client("cognito-idp").admin_get_user(UserPoolId=aws["USER_POOL_ID"], Username="admin.out")
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert abs(int(attributes[SIGNED_OUT_ATTRIBUTE]) - time.time()) < 5
    # The function that signed out refuses both tokens at once; another function within its cache time.
    path = "/v1/facility/certificates?mobile=876-555-0100"
    assert invoke.http("GET", path, headers=_bearer(token))[0] == 401
    assert invoke.http("GET", path, headers=_bearer(old))[0] == 401
    clock.now += STAFF_STATUS_CACHE_S + 1
    assert invoke.http("GET", "/v1/admin/dashboard", headers=_bearer(old))[0] == 401
    # A new sign-in afterwards is a new session.
    time.sleep(1.05)
    fresh = invoke.http(
        "POST", "/v1/staff/session", {"username": "admin.out", "password": _password(aws, "admin.out")}
    )[2]["token"]
    assert invoke.http("GET", "/v1/admin/dashboard", headers=_bearer(fresh))[0] == 200


_PASSWORDS: dict[str, str] = {}


def _password(aws: dict[str, str], username: str) -> str:
    """Give the user a known password (the demo helper's is random and not returned twice)."""
    if username not in _PASSWORDS:
        _PASSWORDS[username] = "Vx-Known-Password-1!"
        boto3.client("cognito-idp").admin_set_user_password(
            UserPoolId=aws["USER_POOL_ID"], Username=username, Password=_PASSWORDS[username], Permanent=True
        )
    return _PASSWORDS[username]
