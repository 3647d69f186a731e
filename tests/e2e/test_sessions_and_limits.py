"""Issue 17 end to end over the local stack: a stranger cannot lock a citizen out of their login, bodies
must be JSON on every route, and signing out ends a session.

Requests "through CloudFront" carry the origin secret (read from the stack's Secrets Manager) and a
CloudFront-Viewer-Address, as the distribution adds them: that is how the functions tell one viewer
from another behind CloudFront's shared addresses.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.conftest import HttpResponse, LocalStack, aws_client
from vaxcert.resources import ORIGIN_HEADER, ORIGIN_SECRET, VIEWER_ADDRESS_HEADER
from vaxcert.routes import ROUTES

pytestmark = pytest.mark.e2e

HOLDER_ADDRESS = "192.0.2.44"
STRANGER_ADDRESS = "198.51.100.66"


@pytest.fixture(scope="module")
def origin_secret(stack: LocalStack) -> str:
    arn = stack.credentials["aws"]["env"][ORIGIN_SECRET.env]
    return str(aws_client(stack, "secretsmanager").get_secret_value(SecretId=arn)["SecretString"])


def _via_cloudfront(secret: str, viewer: str) -> dict[str, str]:
    return {ORIGIN_HEADER: secret, VIEWER_ADDRESS_HEADER: f"{viewer}:{random.randint(1024, 65535)}"}


def _holder(stack: LocalStack, new_form: Callable[..., dict[str, Any]]) -> tuple[str, str]:
    local = f"876-4{random.randint(10, 99)}-{random.randint(0, 9999):04d}"
    e164 = "+1" + local.replace("-", "")
    assert stack.ingest(new_form(mobile_number=local)).status == 202
    stack.wait_for(lambda: [m for m in stack.sms() if m["to"] == e164])
    return local, e164


def _codes(stack: LocalStack, e164: str) -> list[str]:
    return [
        m["message"].split("login code is ")[1][:6]
        for m in stack.sms()
        if m["to"] == e164 and "login code" in m["message"]
    ]


def _new_code(stack: LocalStack, e164: str, before: int) -> str:
    return str(stack.wait_for(lambda: _codes(stack, e164)[before:])[-1])


def test_a_victims_code_still_works_after_two_requests_from_another_address(
    stack: LocalStack, new_form: Callable[..., dict[str, Any]], origin_secret: str
) -> None:
    local, e164 = _holder(stack, new_form)
    holder = _via_cloudfront(origin_secret, HOLDER_ADDRESS)
    stranger = _via_cloudfront(origin_secret, STRANGER_ADDRESS)

    assert stack.request("POST", "/v1/citizen/otp", {"mobile": local}, holder).status == 202
    code = _new_code(stack, e164, 0)
    for n in range(2):  # someone else asks for codes for the holder's number
        assert stack.request("POST", "/v1/citizen/otp", {"mobile": local}, stranger).status == 202
        _new_code(stack, e164, n + 1)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    while wrong in _codes(stack, e164):
        wrong = f"{(int(wrong) + 1) % 10**6:06d}"
    response = stack.request("POST", "/v1/citizen/session", {"mobile": local, "otp": wrong}, holder)
    assert response.status == 401
    assert response.json() == {
        "message": "wrong code, check the SMS and try again",
        "reason": "wrong",
        "triesLeft": 4,
    }
    response = stack.request("POST", "/v1/citizen/session", {"mobile": local, "otp": code}, holder)
    assert response.status == 200, response.body
    assert response.json()["token"]


def test_a_stranger_uses_up_only_their_own_allowance_for_a_number(
    stack: LocalStack, new_form: Callable[..., dict[str, Any]], origin_secret: str
) -> None:
    local, e164 = _holder(stack, new_form)
    stranger = _via_cloudfront(origin_secret, "198.51.100.67")
    statuses = [
        stack.request("POST", "/v1/citizen/otp", {"mobile": local}, stranger).status for _ in range(4)
    ]
    assert statuses == [202, 202, 202, 429]
    # The holder, at their own address, can still get a code and sign in with it.
    before = len(stack.wait_for(lambda: _codes(stack, e164)[2:] and _codes(stack, e164)))
    holder = _via_cloudfront(origin_secret, "192.0.2.45")
    assert stack.request("POST", "/v1/citizen/otp", {"mobile": local}, holder).status == 202
    code = _new_code(stack, e164, before)
    response = stack.request("POST", "/v1/citizen/session", {"mobile": local, "otp": code}, holder)
    assert response.status == 200, response.body


def test_a_viewer_address_without_the_origin_secret_is_not_believed(
    stack: LocalStack, new_form: Callable[..., dict[str, Any]]
) -> None:
    """A caller who writes CloudFront-Viewer-Address itself is counted at its real (socket) address."""
    local, _ = _holder(stack, new_form)
    forged = [
        stack.request(
            "POST", "/v1/citizen/otp", {"mobile": local}, {VIEWER_ADDRESS_HEADER: f"203.0.113.{n}:4000"}
        ).status
        for n in range(4)
    ]
    assert forged == [202, 202, 202, 429]


def _sends(stack: LocalStack, method: str, path: str, body: bytes, content_type: str) -> HttpResponse:
    return stack.request(
        method,
        path.replace("{hcid}", "0000000000000000AAAA"),
        raw=body,
        headers={"Content-Type": content_type},
    )


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_a_body_that_is_not_json_is_415_on_every_route(stack: LocalStack, content_type: str) -> None:
    """What another site's page can send without a CORS preflight never reaches a handler."""
    for route in ROUTES:
        response = _sends(stack, route.method, route.path, b'{"mobile": "876-555-0123"}', content_type)
        assert response.status == 415, (route.method, route.path, response.status, response.body)
        body = response.json()
        assert body["errors"][0]["field"] == "Content-Type"
        assert "application/json" in body["message"]


def _citizen_login(stack: LocalStack, new_form: Callable[..., dict[str, Any]]) -> str:
    local, e164 = _holder(stack, new_form)
    assert stack.request("POST", "/v1/citizen/otp", {"mobile": local}).status == 202
    code = _new_code(stack, e164, 0)
    response = stack.request("POST", "/v1/citizen/session", {"mobile": local, "otp": code})
    assert response.status == 200, response.body
    return str(response.json()["token"])


def test_citizen_sign_out_then_401(stack: LocalStack, new_form: Callable[..., dict[str, Any]]) -> None:
    token = _citizen_login(stack, new_form)
    auth = {"Authorization": f"Bearer {token}"}
    assert stack.request("GET", "/v1/citizen/certificates", headers=auth).status == 200
    response = stack.request("DELETE", "/v1/citizen/session", headers=auth)
    assert (response.status, response.body) == (204, b"")
    response = stack.request("GET", "/v1/citizen/certificates", headers=auth)
    assert response.status == 401
    assert response.json()["message"] == "invalid or expired token"
    assert stack.request("DELETE", "/v1/citizen/session", headers=auth).status == 401


def test_staff_sign_out_then_401(stack: LocalStack) -> None:
    pool = stack.credentials["aws"]["env"]["USER_POOL_ID"]
    username, password = f"nurse.{random.randint(10**5, 10**6)}", "Vx-E2e-Password-123!"
    _create_staff(stack, pool, username, password)
    sign_in = {"username": username, "password": password}
    token = stack.request("POST", "/v1/staff/session", sign_in).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    search = "/v1/facility/certificates?mobile=876-555-0100"
    assert stack.request("GET", search, headers=auth).status == 200
    time.sleep(1.05)  # auth_time has whole seconds: sign out in a later second than the sign-in
    assert stack.request("DELETE", "/v1/staff/session", headers=auth).status == 204
    assert stack.request("GET", search, headers=auth).status == 401
    assert stack.request("DELETE", "/v1/staff/session", headers=auth).status == 401
    # Signing in again starts a new session.
    time.sleep(1.05)
    fresh = stack.request("POST", "/v1/staff/session", sign_in).json()["token"]
    assert stack.request("GET", search, headers={"Authorization": f"Bearer {fresh}"}).status == 200


@pytest.mark.browser
@pytest.mark.parametrize(
    "page_path, storage_key, api_path",
    [
        ("/", "vaxcert.citizen.session", "/v1/citizen/session"),
        ("/facility", "vaxcert.facility.session", "/v1/staff/session"),
    ],
)
def test_the_pages_sign_out_button_ends_the_session_on_the_server(
    page: Any,
    stack: LocalStack,
    new_form: Callable[..., dict[str, Any]],
    page_path: str,
    storage_key: str,
    api_path: str,
) -> None:
    if api_path == "/v1/citizen/session":
        token = _citizen_login(stack, new_form)
        check = "/v1/citizen/certificates"
    else:
        token = _new_staff_token(stack)
        check = "/v1/facility/certificates?mobile=876-555-0100"
        time.sleep(1.05)  # sign out in a later second than the sign-in (auth_time has whole seconds)
    page.goto(page_path)
    page.evaluate(
        "([key, token]) => sessionStorage.setItem(key, JSON.stringify("
        "{token, expiresAt: Date.now() + 600000, mobile: '876•••', groups: ['facility-staff']}))",
        [storage_key, token],
    )
    page.reload()
    with page.expect_request(lambda r: r.method == "DELETE" and r.url.endswith(api_path)) as sent:
        page.get_by_role("button", name="Sign out").click()
    assert sent.value.headers["authorization"] == f"Bearer {token}"
    assert page.evaluate("sessionStorage.length") == 0
    stack.wait_for(
        lambda: stack.request("GET", check, headers={"Authorization": f"Bearer {token}"}).status == 401
    )


def _create_staff(stack: LocalStack, pool: str, username: str, password: str) -> None:
    cognito = aws_client(stack, "cognito-idp")
    cognito.admin_create_user(UserPoolId=pool, Username=username, MessageAction="SUPPRESS")
    cognito.admin_set_user_password(UserPoolId=pool, Username=username, Password=password, Permanent=True)
    cognito.admin_add_user_to_group(UserPoolId=pool, Username=username, GroupName="facility-staff")


def _new_staff_token(stack: LocalStack) -> str:
    pool = stack.credentials["aws"]["env"]["USER_POOL_ID"]
    username, password = f"nurse.{random.randint(10**5, 10**6)}", "Vx-E2e-Password-123!"
    _create_staff(stack, pool, username, password)
    response = stack.request("POST", "/v1/staff/session", {"username": username, "password": password})
    assert response.status == 200, response.body
    return str(response.json()["token"])
