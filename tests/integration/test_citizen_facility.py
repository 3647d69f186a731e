"""Citizen portal, facility search/print and the audit trail through the handlers, on moto."""

from __future__ import annotations

import base64
import copy
import json
import uuid
from typing import Any

import boto3
import pytest

from tests.conftest import EXAMPLE_FORM, require_shared
from tests.integration.conftest import Invoker, sent_sms

MOBILE = "876-555-0123"
E164 = "+18765550123"
OTHER_MOBILE = "876-555-0456"


def _form(base: dict[str, Any], **changes: str) -> dict[str, Any]:
    form = copy.deepcopy(base)
    form["id"] = form["form"]["meta"]["instanceID"] = str(uuid.uuid4())
    for key, value in changes.items():
        section = "recipient" if key in form["form"]["recipient"] else "vaccination"
        form["form"][section][key] = value
    return form


@pytest.fixture(autouse=True)
def pool_keys(monkeypatch) -> None:
    from moto.utilities.utils import load_resource

    from vaxcert.http import cognito

    # In-process moto cannot answer urllib: serve the pool's JWKS (moto's fixed key) directly.
    monkeypatch.setattr(
        cognito, "fetch_json", lambda url: load_resource("cognitoidp/resources/jwks-public.json")
    )


@pytest.fixture
def people(aws, trust_material, invoke: Invoker) -> dict[str, str]:
    """Marcia (doses 1 and 2) and her son (same phone); Ann on another phone. Returns name -> hcid."""
    base = json.loads(require_shared(EXAMPLE_FORM).read_text())
    key = boto3.client("secretsmanager").get_secret_value(SecretId=aws["INGEST_SECRET_ARN"])["SecretString"]
    forms = {
        "marcia1": _form(base),
        "marcia2": _form(
            base, dose_number="2", vaccination_date="2022-01-05", lot_number="FL0007", next_dose_due=""
        ),
        "son": _form(base, first_name="Jerome", date_of_birth="2008-05-01", id_number="998877665"),
        "ann": _form(
            base, first_name="Ann", last_name="Dvořák", mobile_number=OTHER_MOBILE, date_of_birth="1984-03-07"
        ),
    }
    # Each person is their own CommCare case; Marcia's two doses share hers.
    forms["son"]["form"]["case"]["@case_id"] = "case-of-jerome"
    forms["ann"]["form"]["case"]["@case_id"] = "case-of-ann"
    for form in forms.values():
        assert invoke.http("POST", "/v1/ingest/commcare", form, {"X-Vaxcert-Key": key})[0] == 202
    invoke.drain_issue_queue(aws["ISSUE_QUEUE_URL"])
    table = boto3.resource("dynamodb").Table(aws["CERTIFICATES_TABLE"])
    by_event = {i["eventId"]: i["hcid"] for i in table.scan()["Items"]}
    portal = invoke.module("download").services().portal()
    portal.timer.sleep = lambda seconds: None
    return {name: by_event[form["id"]] for name, form in forms.items()}


def _otp_from_sms(to: str = E164) -> str:
    text = [m for n, m in sent_sms() if n == to and "login code" in m][-1]
    return text.split("login code is ")[1][:6]


def _citizen_token(invoke: Invoker, mobile: str = MOBILE) -> str:
    assert invoke.http("POST", "/v1/citizen/otp", {"mobile": mobile})[0] == 202
    status, _, body = invoke.http("POST", "/v1/citizen/session", {"mobile": mobile, "otp": _otp_from_sms()})
    assert status == 200, body
    return body["token"]


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _staff(aws: dict[str, str], invoke: Invoker, username: str, group: str | None) -> str:
    from local_stack.provision import create_user

    if group:
        password = create_user("us-east-1", aws["USER_POOL_ID"], username, group)
    else:
        cognito = boto3.client("cognito-idp")
        password = "Vx-NoGroup-123456!a"
        cognito.admin_create_user(UserPoolId=aws["USER_POOL_ID"], Username=username, MessageAction="SUPPRESS")
        cognito.admin_set_user_password(
            UserPoolId=aws["USER_POOL_ID"], Username=username, Password=password, Permanent=True
        )
    status, _, body = invoke.http("POST", "/v1/staff/session", {"username": username, "password": password})
    assert status == 200, body
    return body["token"]


def _audit(invoke: Invoker, admin: str, query: str) -> list[dict[str, Any]]:
    status, _, body = invoke.http("GET", f"/v1/admin/audit?{query}", headers=_bearer(admin))
    assert status == 200, body
    return body["entries"]


# --- citizen ------------------------------------------------------------------------------------


def test_citizen_login_list_and_pdf(aws, people, invoke: Invoker) -> None:
    before = len(sent_sms())
    status, _, body = invoke.http("POST", "/v1/citizen/otp", {"mobile": "(876) 555 0123"})
    assert (status, body) == (
        202,
        {"message": "If this number has certificates, a code has been sent by SMS."},
    )
    assert len(sent_sms()) == before + 1
    code = _otp_from_sms()
    status, _, body = invoke.http("POST", "/v1/citizen/session", {"mobile": "+1 876 555 0123", "otp": code})
    assert status == 200 and 0 < body["expiresIn"] <= 900
    token = body["token"]
    # Single use.
    assert invoke.http("POST", "/v1/citizen/session", {"mobile": MOBILE, "otp": code})[0] == 401

    status, _, body = invoke.http("GET", "/v1/citizen/certificates", headers=_bearer(token))
    assert status == 200
    rows = body["certificates"]
    assert {r["hcid"] for r in rows} == {people["marcia1"], people["marcia2"], people["son"]}
    marcia2 = next(r for r in rows if r["hcid"] == people["marcia2"])
    assert marcia2.pop("qr").startswith("HC1:")
    assert marcia2.pop("shcQr").startswith("shc:/")
    assert marcia2 == {
        "hcid": people["marcia2"],
        "name": "Marcia Campbell",
        "dob": "1984-03-07",
        "vaccine": "Comirnaty (Pfizer-BioNTech)",
        "dose": 2,
        "totalDoses": 2,
        "date": "2022-01-05",
        "status": "VALID",
    }

    status, headers, body = _raw_pdf(invoke, f"/v1/citizen/certificates/{people['marcia1']}/pdf", token)
    assert status == 200
    assert headers["Content-Type"] == "application/pdf"
    assert f"vaccination-certificate-{people['marcia1']}.pdf" in headers["Content-Disposition"]
    assert body.startswith(b"%PDF")
    # Both of Marcia's doses are in the table, not her son's.
    import pypdfium2 as pdfium

    text = pdfium.PdfDocument(body)[0].get_textpage().get_text_range()
    assert "FK5127" in text and "FL0007" in text
    assert "Jerome" not in text
    # Cached: the second download is the same bytes from S3.
    assert _raw_pdf(invoke, f"/v1/citizen/certificates/{people['marcia1']}/pdf", token)[2] == body
    keys = [o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket=aws["ARTEFACTS_BUCKET"])["Contents"]]
    assert any(k.startswith(f"pdf/{people['marcia1']}/v1-VALID-") for k in keys)
    assert any(k.startswith(f"qr/{people['marcia1']}/") for k in keys)


def _raw_pdf(invoke: Invoker, path: str, token: str) -> tuple[int, dict[str, str], bytes]:
    from local_stack.gateway import proxy_event
    from local_stack.lambda_runtime import LocalContext

    event = proxy_event("GET", path, _bearer(token), b"", "192.0.2.10")
    result = invoke.module("download").handler(event, LocalContext("download", 1024, 15))
    body = result["body"]
    data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    headers = dict(result.get("headers") or {})
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers[name] = ", ".join(values)
    return int(result["statusCode"]), headers, data


def test_other_numbers_certificate_is_404(aws, people, invoke: Invoker) -> None:
    token = _citizen_token(invoke)
    for hcid in (people["ann"], "0000000000000000XXXX", "nonsense"):
        status, _, body = invoke.http("GET", f"/v1/citizen/certificates/{hcid}/pdf", headers=_bearer(token))
        assert status == 404 and isinstance(body, dict) and "message" in body


def test_unknown_number_gets_the_same_answer_and_no_sms(aws, people, invoke: Invoker) -> None:
    known = invoke.http("POST", "/v1/citizen/otp", {"mobile": MOBILE})
    before = len(sent_sms())
    unknown = invoke.http("POST", "/v1/citizen/otp", {"mobile": "876-555-9999"})
    assert (unknown[0], unknown[2]) == (known[0], known[2]) == (202, known[2])
    assert len(sent_sms()) == before
    # Guessing a code for it is refused like any wrong code.
    status, _, body = invoke.http("POST", "/v1/citizen/session", {"mobile": "876-555-9999", "otp": "123456"})
    assert status == 401 and body["reason"] in ("wrong", "locked")


@pytest.mark.parametrize("mobile", ["555-0123", "+44 20 7946 0958", "876-155-0123", "", None, 8765550123])
def test_invalid_mobile_is_422_naming_mobile(aws, invoke: Invoker, mobile) -> None:
    status, _, body = invoke.http("POST", "/v1/citizen/otp", {"mobile": mobile})
    assert status == 422
    assert [e["field"] for e in body["errors"]] == ["mobile"]


def test_wrong_code_five_times_locks(aws, people, invoke: Invoker) -> None:
    invoke.http("POST", "/v1/citizen/otp", {"mobile": MOBILE})
    code = _otp_from_sms()
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    reasons = []
    for _ in range(5):
        status, _, body = invoke.http("POST", "/v1/citizen/session", {"mobile": MOBILE, "otp": wrong})
        assert status == 401
        reasons.append(body["reason"])
    assert reasons == ["wrong"] * 4 + ["locked"]
    status, _, body = invoke.http("POST", "/v1/citizen/session", {"mobile": MOBILE, "otp": code})
    assert (status, body["reason"]) == (401, "locked")
    assert "send a new one" in body["message"]
    # A new code unlocks.
    assert _citizen_token(invoke)


def test_expired_code_is_refused(aws, people, invoke: Invoker) -> None:
    invoke.http("POST", "/v1/citizen/otp", {"mobile": MOBILE})
    code = _otp_from_sms()
    table = boto3.resource("dynamodb").Table(aws["CITIZEN_AUTH_TABLE"])
    for item in table.scan()["Items"]:
        if item["pk"].startswith("otp#"):
            table.update_item(
                Key={"pk": item["pk"]},
                UpdateExpression="SET expiresAt = :p",
                ExpressionAttributeValues={":p": 1},
            )
    status, _, body = invoke.http("POST", "/v1/citizen/session", {"mobile": MOBILE, "otp": code})
    assert (status, body["reason"]) == (401, "expired")
    assert body["message"] == "code expired, send a new one"


def test_otp_table_holds_no_mobile_number_or_code(aws, people, invoke: Invoker) -> None:
    invoke.http("POST", "/v1/citizen/otp", {"mobile": MOBILE})
    code = _otp_from_sms()
    dump = json.dumps(boto3.client("dynamodb").scan(TableName=aws["CITIZEN_AUTH_TABLE"])["Items"])
    assert "5550123" not in dump and code not in dump


def test_otp_rate_limit_per_number_is_429_with_retry_after(aws, people, invoke: Invoker) -> None:
    for _ in range(3):
        assert invoke.http("POST", "/v1/citizen/otp", {"mobile": MOBILE})[0] == 202
    status, headers, _ = invoke.http("POST", "/v1/citizen/otp", {"mobile": MOBILE})
    assert status == 429
    assert 1 <= int(headers["Retry-After"]) <= 900
    # Another number is not affected.
    assert invoke.http("POST", "/v1/citizen/otp", {"mobile": OTHER_MOBILE})[0] == 202


def test_otp_rate_limit_per_source_ip(aws, people, invoke: Invoker) -> None:
    statuses = [
        invoke.http("POST", "/v1/citizen/otp", {"mobile": f"876-555-{n:04d}"})[0] for n in range(1000, 1031)
    ]
    assert statuses[:30] == [202] * 30
    assert statuses[30] == 429


@pytest.mark.parametrize(
    "token",
    [
        None,
        "",
        "not-a-token",
        "eyJhbGciOiJub25lIn0.eyJzdWIiOiIrMTg3NjU1NTAxMjMiLCJhdWQiOiJ2YXhjZXJ0LWNpdGl6ZW4ifQ.",
    ],
)
def test_citizen_endpoints_need_a_valid_token(aws, invoke: Invoker, token) -> None:
    headers = _bearer(token) if token is not None else {}
    assert invoke.http("GET", "/v1/citizen/certificates", headers=headers)[0] == 401
    assert invoke.http("GET", "/v1/citizen/certificates/0000000000000000XXXX/pdf", headers=headers)[0] == 401


def test_forged_and_staff_tokens_are_not_citizen_tokens(aws, people, invoke: Invoker) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    from vaxcert.citizen.sessions import SessionTokens
    from vaxcert.formats.cose import der_to_raw_ecdsa

    class LocalSigner:
        key = ec.generate_private_key(ec.SECP256R1())

        def sign(self, message: bytes) -> bytes:
            from cryptography.hazmat.primitives import hashes

            return der_to_raw_ecdsa(self.key.sign(message, ec.ECDSA(hashes.SHA256())))

    forged, _ = SessionTokens(LocalSigner(), lambda: b"").issue(E164)
    assert invoke.http("GET", "/v1/citizen/certificates", headers=_bearer(forged))[0] == 401
    staff = _staff(aws, invoke, "nurse.one", "facility-staff")
    assert invoke.http("GET", "/v1/citizen/certificates", headers=_bearer(staff))[0] == 401


# --- staff --------------------------------------------------------------------------------------


def test_staff_login_refusals_are_all_401(aws, invoke: Invoker) -> None:
    _staff(aws, invoke, "nurse.two", "facility-staff")
    for username, password in (("nurse.two", "wrong-password-1A!"), ("nobody.here", "whatever-1A!")):
        status, _, body = invoke.http(
            "POST", "/v1/staff/session", {"username": username, "password": password}
        )
        assert (status, body["message"]) == (401, "wrong username or password")
    status, _, body = invoke.http("POST", "/v1/staff/session", {"username": "nurse.two"})
    assert status == 422 and [e["field"] for e in body["errors"]] == ["password"]


def test_facility_search_and_print(aws, people, invoke: Invoker) -> None:
    token = _staff(aws, invoke, "nurse.three", "facility-staff")
    status, _, body = invoke.http(
        "GET", "/v1/facility/certificates?mobile=876.555.0123", headers=_bearer(token)
    )
    assert status == 200
    assert {r["hcid"] for r in body["certificates"]} == {people["marcia1"], people["marcia2"], people["son"]}
    assert "112233445" not in json.dumps(body)

    # Accent- and case-insensitive prefix of the family name, with the date of birth.
    status, _, body = invoke.http(
        "GET", "/v1/facility/certificates?dob=1984-03-07&name=DVORA", headers=_bearer(token)
    )
    assert status == 200 and [r["hcid"] for r in body["certificates"]] == [people["ann"]]
    status, _, body = invoke.http(
        "GET", "/v1/facility/certificates?dob=1984-03-07&name=marc", headers=_bearer(token)
    )
    assert {r["hcid"] for r in body["certificates"]} == {people["marcia1"], people["marcia2"]}

    status, headers, pdf = _raw_pdf(invoke, f"/v1/facility/certificates/{people['ann']}/pdf", token)
    assert status == 200 and pdf.startswith(b"%PDF") and headers["Content-Disposition"].startswith("inline")
    assert (
        invoke.http("GET", "/v1/facility/certificates/0000000000000000XXXX/pdf", headers=_bearer(token))[0]
        == 404
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("dob=1984-03-07", "name"),
        ("name=Campbell", "dob"),
        ("", "mobile"),
        ("dob=07/03/1984&name=Campbell", "dob"),
        ("mobile=12345", "mobile"),
        ("dob=1984-03-07&name=C", "name"),
    ],
)
def test_facility_search_refuses_broad_or_bad_queries(aws, invoke: Invoker, query, field) -> None:
    token = _staff(aws, invoke, "nurse.four", "facility-staff")
    status, _, body = invoke.http("GET", f"/v1/facility/certificates?{query}", headers=_bearer(token))
    assert status == 422
    assert field in [e["field"] for e in body["errors"]]


def test_facility_needs_a_staff_group(aws, people, invoke: Invoker) -> None:
    assert invoke.http("GET", "/v1/facility/certificates?mobile=8765550123")[0] == 401
    assert invoke.http("GET", f"/v1/facility/certificates/{people['ann']}/pdf")[0] == 401
    nobody = _staff(aws, invoke, "no.group", None)
    assert (
        invoke.http("GET", "/v1/facility/certificates?mobile=8765550123", headers=_bearer(nobody))[0] == 403
    )
    assert (
        invoke.http("GET", f"/v1/facility/certificates/{people['ann']}/pdf", headers=_bearer(nobody))[0]
        == 403
    )
    citizen = _citizen_token(invoke)
    assert (
        invoke.http("GET", "/v1/facility/certificates?mobile=8765550123", headers=_bearer(citizen))[0] == 401
    )
    admin = _staff(aws, invoke, "admin.one", "ministry-admin")
    assert invoke.http("GET", "/v1/facility/certificates?mobile=8765550123", headers=_bearer(admin))[0] == 200


# --- audit --------------------------------------------------------------------------------------


def test_audit_records_citizen_and_staff_access(aws, people, invoke: Invoker) -> None:
    citizen = _citizen_token(invoke)
    invoke.http("GET", "/v1/citizen/certificates", headers=_bearer(citizen))
    _raw_pdf(invoke, f"/v1/citizen/certificates/{people['marcia1']}/pdf", citizen)
    invoke.http("GET", f"/v1/citizen/certificates/{people['ann']}/pdf", headers=_bearer(citizen))
    staff = _staff(aws, invoke, "nurse.five", "facility-staff")
    invoke.http("GET", "/v1/facility/certificates?dob=1984-03-07&name=campb", headers=_bearer(staff))
    _raw_pdf(invoke, f"/v1/facility/certificates/{people['marcia1']}/pdf", staff)
    admin = _staff(aws, invoke, "admin.two", "ministry-admin")

    # Every action that disclosed it: prints and PDFs, and the list and search whose results held it.
    by_hcid = _audit(invoke, admin, f"hcid={people['marcia1']}")
    assert [(e["action"], e["role"]) for e in by_hcid] == [
        ("staff.print", "staff"),
        ("staff.search", "staff"),
        ("citizen.pdf", "citizen"),
        ("citizen.list", "citizen"),
        ("ingest.issue", "system"),
    ]
    assert by_hcid[0]["actor"] == "nurse.five" and by_hcid[0]["sourceIp"] == "192.0.2.10"

    by_citizen = _audit(invoke, admin, "mobile=876-555-0123")
    assert [(e["action"], e["outcome"]) for e in by_citizen] == [
        ("citizen.pdf", "not_found"),
        ("citizen.pdf", "ok"),
        ("citizen.list", "ok"),
        ("citizen.session", "ok"),
        ("citizen.otp_requested", "ok"),
    ]
    assert by_citizen[0]["hcid"] == people["ann"]
    assert by_citizen[0]["actorLabel"] == "+1876•••0123"
    assert by_citizen[0]["actor"].startswith("citizen:") and "5550123" not in by_citizen[0]["actor"]
    assert set(by_citizen[2]["resultHcids"]) == {people["marcia1"], people["marcia2"], people["son"]}

    by_staff = _audit(invoke, admin, "actor=nurse.five")
    assert [e["action"] for e in by_staff] == ["staff.print", "staff.search", "staff.login"]
    assert by_staff[1]["query"] == {"dob": "1984-03-07", "name": "campb"}
    assert set(by_staff[1]["resultHcids"]) == {people["marcia1"], people["marcia2"]}
    # The admin's own queries are audited too.
    assert [e["action"] for e in _audit(invoke, admin, "actor=admin.two")][:3] == ["admin.audit"] * 3


def test_audit_query_validation_and_roles(aws, invoke: Invoker) -> None:
    admin = _staff(aws, invoke, "admin.three", "ministry-admin")
    # None of hcid/actor/mobile lists recent entries (issue 16); two of them are refused.
    assert invoke.http("GET", "/v1/admin/audit", headers=_bearer(admin))[0] == 200
    status, _, body = invoke.http("GET", "/v1/admin/audit?hcid=X&actor=y", headers=_bearer(admin))
    assert status == 422 and body["errors"][0]["field"] == "hcid"
    assert invoke.http("GET", "/v1/admin/audit?mobile=123", headers=_bearer(admin))[0] == 422
    assert invoke.http("GET", "/v1/admin/audit?actor=x&limit=0", headers=_bearer(admin))[0] == 422
    staff = _staff(aws, invoke, "nurse.six", "facility-staff")
    assert invoke.http("GET", "/v1/admin/audit?actor=x", headers=_bearer(staff))[0] == 403
    assert invoke.http("GET", "/v1/admin/audit?actor=x")[0] == 401


def test_audit_entries_cannot_be_overwritten(aws) -> None:
    from datetime import UTC, datetime

    from vaxcert.errors import Conflict
    from vaxcert.store.audit import DynamoAuditStore
    from vaxcert.types.audit import Action, AuditEntry, Outcome, Role

    store = DynamoAuditStore()
    entry = AuditEntry(
        "e1", datetime.now(UTC), "someone", Role.STAFF, Action.STAFF_PRINT, Outcome.OK, hcid="H"
    )
    store.append(entry)
    with pytest.raises(Conflict):
        store.append(AuditEntry("e1", datetime.now(UTC), "other", Role.STAFF, Action.STAFF_PRINT, Outcome.OK))
    assert store.by_hcid("H", 10)[0].actor == "someone"


def test_no_personal_data_in_logs(aws, people, invoke: Invoker, capfd, caplog) -> None:
    capfd.readouterr()
    caplog.clear()
    invoke.http("POST", "/v1/citizen/otp", {"mobile": MOBILE})
    code = _otp_from_sms()
    invoke.http(
        "POST", "/v1/citizen/session", {"mobile": MOBILE, "otp": "000000" if code != "000000" else "111111"}
    )
    token = invoke.http("POST", "/v1/citizen/session", {"mobile": MOBILE, "otp": code})[2]["token"]
    invoke.http("GET", "/v1/citizen/certificates", headers=_bearer(token))
    _raw_pdf(invoke, f"/v1/citizen/certificates/{people['marcia1']}/pdf", token)
    staff = _staff(aws, invoke, "nurse.seven", "facility-staff")
    invoke.http("GET", "/v1/facility/certificates?dob=1984-03-07&name=Campbell", headers=_bearer(staff))
    invoke.http("GET", "/v1/facility/certificates?mobile=8765550123", headers=_bearer(staff))
    out, err = capfd.readouterr()
    logged = out + err + caplog.text
    assert "citizen pdf served" in logged  # the logs were captured
    for secret in ("5550123", "Marcia", "Campbell", "campbell", "1984-03-07", code, token, staff[:40]):
        assert secret not in logged
