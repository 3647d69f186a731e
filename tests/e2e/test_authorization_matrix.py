"""Authorization matrix: every route of the one route table x every kind of caller -> the expected
status, over the real local stack. A route added to the table without a sample here fails the test."""

from __future__ import annotations

import base64
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.e2e.conftest import LocalStack, aws_client, stored_certificates
from vaxcert.formats.tokens import encode
from vaxcert.routes import ROUTES, Auth

pytestmark = pytest.mark.e2e

CALLERS = (
    "anonymous",
    "alg-none",
    "forged-citizen",
    "expired-citizen",
    "forged-staff",
    "expired-staff",
    "wrong-audience-staff",
    "citizen-a",
    "citizen-b",
    "facility-staff",
    "ministry-admin",
    "ingest-key",
)


@dataclass(frozen=True)
class Sample:
    path: str
    body: Any = None  # JSON, or a function of the caller giving it
    ok: int = 200  # status for a caller the route admits


def _unused_mobile() -> str:
    # A fresh number per request: the per-number OTP rate limit must not answer instead of the route.
    return f"876-{random.randint(200, 999)}-{random.randint(0, 9999):04d}"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _int(value: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)), "big")


def _moto_cognito_key() -> tuple[str, rsa.RSAPrivateKey]:
    """moto's fixed Cognito signing key: lets the test mint tokens a real pool would have signed."""
    from moto.utilities.utils import load_resource

    jwk = load_resource("cognitoidp/resources/jwks-private.json")
    n, e, d = _int(jwk["n"]), _int(jwk["e"]), _int(jwk["d"])
    p, q = rsa.rsa_recover_prime_factors(n, e, d)
    numbers = rsa.RSAPrivateNumbers(
        p,
        q,
        d,
        rsa.rsa_crt_dmp1(d, p),
        rsa.rsa_crt_dmq1(d, q),
        rsa.rsa_crt_iqmp(p, q),
        rsa.RSAPublicNumbers(e, n),
    )
    return str(jwk["kid"]), numbers.private_key()


def _rs256(key: rsa.RSAPrivateKey) -> Callable[[bytes], bytes]:
    return lambda message: key.sign(message, padding.PKCS1v15(), hashes.SHA256())


def _otp_login(stack: LocalStack, local: str) -> str:
    e164 = "+1" + local.replace("-", "")
    assert stack.request("POST", "/v1/citizen/otp", {"mobile": local}).status == 202
    sms = stack.wait_for(lambda: [m for m in stack.sms() if m["to"] == e164 and "login code" in m["message"]])
    code = sms[-1]["message"].split("login code is ")[1][:6]
    response = stack.request("POST", "/v1/citizen/session", {"mobile": local, "otp": code})
    assert response.status == 200, response.body
    return str(response.json()["token"])


@pytest.fixture(scope="module")
def world(stack: LocalStack, new_form_module: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """Three certificates of citizen A, one of citizen B, and a token for every kind of caller."""
    exchange = random.randint(200, 999)  # distinct numbers per run: the stack is shared
    mobile_a, mobile_b = f"876-{exchange}-1001", f"876-{exchange}-2002"
    forms = [new_form_module(mobile_number=mobile_a, lot_number=f"AZ{i}") for i in range(3)]
    forms.append(new_form_module(mobile_number=mobile_b, first_name="Bea"))
    for form in forms:
        assert stack.ingest(form).status == 202
    ids = [f["id"] for f in forms]

    def issued() -> list[dict[str, Any]] | None:
        found = {c["eventId"]: c for c in stored_certificates(stack) if c["eventId"] in ids}
        return [found[i] for i in ids] if len(found) == len(ids) else None

    certificates = stack.wait_for(issued)
    env = stack.credentials["aws"]["env"]
    staff = {role: stack.staff_token(role) for role in ("facility", "admin")}
    now = int(time.time())
    kid, cognito_key = _moto_cognito_key()
    cognito_claims = {
        "iss": f"https://cognito-idp.us-east-1.amazonaws.com/{env['USER_POOL_ID']}",
        "aud": env["USER_POOL_CLIENT_ID"],
        "token_use": "id",
        "cognito:username": "admin.demo",
        "cognito:groups": ["ministry-admin"],
        "iat": now - 60,
        "exp": now + 600,
    }
    from vaxcert.signing.kms import KmsSigner

    session_signer = KmsSigner(env["SESSION_KEY_ID"], kms=aws_client(stack, "kms"))
    citizen_claims = {
        "sub": "+1" + mobile_a.replace("-", ""),
        "aud": "vaxcert-citizen",
        "iss": "vaxcert",
        "jti": uuid.uuid4().hex,
    }
    header = {"alg": "RS256", "kid": kid, "typ": "JWT"}
    rogue = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tokens = {
        "alg-none": _b64url(b'{"alg":"none"}') + "." + _b64url(b'{"sub":"x"}') + ".",
        "forged-citizen": encode(
            {"alg": "ES256", "typ": "JWT"},
            {**citizen_claims, "iat": now, "exp": now + 600},
            lambda m: bytes(64),
        ),
        "expired-citizen": encode(
            {"alg": "ES256", "typ": "JWT"},
            {**citizen_claims, "iat": now - 1200, "exp": now - 600},
            session_signer.sign,
        ),
        "forged-staff": encode(header, cognito_claims, _rs256(rogue)),
        "expired-staff": encode(
            header, {**cognito_claims, "iat": now - 7200, "exp": now - 3600}, _rs256(cognito_key)
        ),
        "wrong-audience-staff": encode(header, {**cognito_claims, "aud": "another-app"}, _rs256(cognito_key)),
        "citizen-a": _otp_login(stack, mobile_a),
        "citizen-b": _otp_login(stack, mobile_b),
        "facility-staff": staff["facility"],
        "ministry-admin": staff["admin"],
    }
    return {"certificates": certificates, "tokens": tokens, "mobile_a": mobile_a}


@pytest.fixture(scope="module")
def new_form_module(example_form_module_scope: dict[str, Any]) -> Callable[..., dict[str, Any]]:
    import copy

    def make(**changes: Any) -> dict[str, Any]:
        form = copy.deepcopy(example_form_module_scope)
        form["id"] = form["form"]["meta"]["instanceID"] = str(uuid.uuid4())
        for key, value in changes.items():
            section = "recipient" if key in form["form"]["recipient"] else "vaccination"
            form["form"][section][key] = value
        return form

    return make


@pytest.fixture(scope="module")
def example_form_module_scope() -> dict[str, Any]:
    import json

    from tests.conftest import EXAMPLE_FORM, require_shared

    return dict(json.loads(require_shared(EXAMPLE_FORM).read_text()))


def samples(world: dict[str, Any], form: dict[str, Any]) -> dict[tuple[str, str], Sample]:
    """One concrete request per route, and the status an admitted caller gets."""
    pdf_hcid, correct_hcid, revoke_hcid = (c["hcid"] for c in world["certificates"][:3])
    return {
        ("POST", "/v1/ingest/commcare"): Sample("/v1/ingest/commcare", form, 202),
        ("POST", "/v1/vaccinations"): Sample("/v1/vaccinations", {"eventId": "x"}, 422),
        ("GET", "/v1/trust-list"): Sample("/v1/trust-list"),
        ("GET", "/.well-known/jwks.json"): Sample("/.well-known/jwks.json"),
        ("POST", "/v1/verify"): Sample("/v1/verify", {"qr": "HC1:NOTHING"}),
        ("GET", "/v1/revocation-list"): Sample("/v1/revocation-list"),
        ("GET", "/shc/.well-known/jwks.json"): Sample("/shc/.well-known/jwks.json"),
        # A kid that is not ours: the same 404 for everyone (test_shc.py reads a real CRL).
        ("GET", "/shc/.well-known/crl/{file}"): Sample("/shc/.well-known/crl/unknown.json", ok=404),
        ("GET", "/v1/openapi.json"): Sample("/v1/openapi.json"),
        ("POST", "/v1/citizen/otp"): Sample(
            "/v1/citizen/otp", lambda caller: {"mobile": _unused_mobile()}, 202
        ),
        ("POST", "/v1/citizen/session"): Sample(
            "/v1/citizen/session", {"mobile": "876-555-9999", "otp": "1"}, 422
        ),
        ("DELETE", "/v1/citizen/session"): Sample("/v1/citizen/session", None, 204),
        ("GET", "/v1/citizen/certificates"): Sample("/v1/citizen/certificates"),
        ("GET", "/v1/citizen/certificates/{hcid}/pdf"): Sample(f"/v1/citizen/certificates/{pdf_hcid}/pdf"),
        ("GET", "/v1/citizen/certificates/{hcid}/shc"): Sample(f"/v1/citizen/certificates/{pdf_hcid}/shc"),
        ("POST", "/v1/staff/session"): Sample(
            "/v1/staff/session", {"username": "nobody", "password": "x"}, 401
        ),
        ("POST", "/v1/staff/session/challenge"): Sample("/v1/staff/session/challenge", {}, 422),
        ("DELETE", "/v1/staff/session"): Sample("/v1/staff/session", None, 204),
        ("GET", "/v1/facility/certificates"): Sample(f"/v1/facility/certificates?mobile={world['mobile_a']}"),
        ("GET", "/v1/facility/certificates/{hcid}/pdf"): Sample(f"/v1/facility/certificates/{pdf_hcid}/pdf"),
        ("GET", "/v1/facility/certificates/{hcid}/shc"): Sample(f"/v1/facility/certificates/{pdf_hcid}/shc"),
        ("GET", "/v1/admin/audit"): Sample(f"/v1/admin/audit?hcid={pdf_hcid}"),
        ("GET", "/v1/admin/certificates"): Sample(f"/v1/admin/certificates?hcid={pdf_hcid}"),
        ("GET", "/v1/admin/certificates/{hcid}"): Sample(f"/v1/admin/certificates/{pdf_hcid}"),
        ("POST", "/v1/admin/certificates/{hcid}/corrections"): Sample(
            f"/v1/admin/certificates/{correct_hcid}/corrections", {"lot": "FIXED1", "reason": "typo"}, 202
        ),
        ("POST", "/v1/admin/certificates/{hcid}/revoke"): Sample(
            f"/v1/admin/certificates/{revoke_hcid}/revoke", {"reason": "issued in error"}
        ),
        ("GET", "/v1/admin/dashboard"): Sample("/v1/admin/dashboard"),
        ("GET", "/v1/admin/audit/export"): Sample("/v1/admin/audit/export?from=2026-01-01&to=2026-01-31"),
        ("GET", "/v1/admin/keys"): Sample("/v1/admin/keys"),
        # No key changes in the shared stack: a kid that is not ours, a rotation refused for its body
        # (authorization is decided before either).
        ("POST", "/v1/admin/keys/{kid}/withdraw"): Sample(
            "/v1/admin/keys/AAAAAAAAAAA/withdraw", {"reason": "x"}, 404
        ),
        ("POST", "/v1/admin/keys/rotate"): Sample("/v1/admin/keys/rotate", {"reason": 5}, 422),
    }


def expected(auth: Auth, caller: str, sample: Sample, route_path: str) -> int | None:
    """The status this caller must get."""
    if auth is Auth.PUBLIC:  # the same answer whoever asks
        return sample.ok
    if auth is Auth.INGEST_KEY:
        return sample.ok if caller == "ingest-key" else 401
    if auth is Auth.CITIZEN:
        if caller == "citizen-a":
            return sample.ok
        if caller == "citizen-b":  # a valid citizen, but someone else's certificate is simply not there
            return 404 if "{hcid}" in route_path else sample.ok
        return 401
    staff_callers = ("facility-staff", "ministry-admin") if auth is Auth.STAFF else ("ministry-admin",)
    if caller in staff_callers:
        return sample.ok
    if auth is Auth.ADMIN and caller == "facility-staff":
        return 403
    return 401


def test_every_route_for_every_caller(stack: LocalStack, world: dict[str, Any], new_form_module) -> None:
    table = samples(world, new_form_module())
    assert set(table) == {(r.method, r.path) for r in ROUTES}, "every route needs a sample in this test"
    ingest = stack.credentials["ingest"]
    results: dict[tuple[str, str, str], int] = {}
    # Admitted callers last, so state-changing requests (revoke, correct) run once, after every refusal.
    order = sorted(CALLERS, key=lambda c: c in ("ministry-admin", "ingest-key"))
    # Sign-outs last: they end the callers' sessions (every other route still sees valid tokens).
    for route in sorted(ROUTES, key=lambda r: r.method == "DELETE" and r.path.endswith("/session")):
        sample = table[(route.method, route.path)]
        for caller in order:
            if caller == "ingest-key":
                headers = {ingest["header"]: ingest["key"]}
            elif caller == "anonymous":
                headers = {}
            else:
                headers = {"Authorization": f"Bearer {world['tokens'][caller]}"}
            body = sample.body(caller) if callable(sample.body) else sample.body
            if route.path == "/v1/ingest/commcare" and caller == "ingest-key":
                body = new_form_module()
            response = stack.request(route.method, sample.path, body, headers)
            results[(route.method, route.path, caller)] = response.status
            want = expected(route.auth, caller, sample, route.path)
            assert response.status == want, (
                route.method,
                route.path,
                caller,
                response.status,
                response.body,
            )
            if response.status >= 400:  # every refusal explains itself in JSON
                assert response.json(), (route, caller)
    print(f"\nauthorization matrix: {len(ROUTES)} routes x {len(CALLERS)} callers = {len(results)} requests")
