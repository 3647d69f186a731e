"""Issue 16 through the handlers on moto: facility search that tells people apart and forgives typos,
the audit by time (pages, export), keys from the admin API, and the dashboard's issuance mix."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from tests.conftest import EXAMPLE_FORM, require_shared
from tests.integration.conftest import Invoker
from tests.integration.test_citizen_facility import _bearer, _form, _staff, pool_keys  # noqa: F401

DOB = "1990-02-14"


@pytest.fixture
def namesakes(aws, trust_material, invoke: Invoker) -> dict[str, str]:
    """Three Kimberly Williams born the same day (different phones, ids, centres) and Tanisha Reid."""
    base = json.loads(require_shared(EXAMPLE_FORM).read_text())
    key = boto3.client("secretsmanager").get_secret_value(SecretId=aws["INGEST_SECRET_ARN"])["SecretString"]
    common = {"first_name": "Kimberly", "last_name": "Williams", "date_of_birth": DOB}
    forms = {
        "kim1": _form(base, **common, mobile_number="876-555-1234", id_number="100200301"),
        "kim2": _form(
            base, **common, mobile_number="876-555-5678", id_number="100200302", facility_name="Spanish Town"
        ),
        "kim3": _form(base, **common, mobile_number="658-555-9012", id_number="100200303"),
        "tanisha": _form(base, first_name="Tanisha", last_name="Reid", date_of_birth=DOB, mobile_number=""),
    }
    for form in forms.values():
        assert invoke.http("POST", "/v1/ingest/commcare", form, {"X-Vaxcert-Key": key})[0] == 202
    invoke.drain_issue_queue(aws["ISSUE_QUEUE_URL"])
    table = boto3.resource("dynamodb").Table(aws["CERTIFICATES_TABLE"])
    by_event = {i["eventId"]: i["hcid"] for i in table.scan()["Items"]}
    return {name: by_event[form["id"]] for name, form in forms.items()}


def _get(invoke: Invoker, token: str, path: str) -> tuple[int, Any]:
    status, _, body = invoke.http("GET", path, headers=_bearer(token))
    return status, body


# --- facility search ------------------------------------------------------------------------------


def test_rows_tell_namesakes_apart_without_disclosing_numbers(aws, namesakes, invoke: Invoker) -> None:
    nurse = _staff(aws, invoke, "nurse.rows", "facility-staff")
    status, body = _get(invoke, nurse, f"/v1/facility/certificates?dob={DOB}&name=Kimberly%20Williams")
    assert status == 200, body
    rows = {r["hcid"]: r for r in body["certificates"]}
    assert set(rows) == {namesakes["kim1"], namesakes["kim2"], namesakes["kim3"]}
    assert rows[namesakes["kim1"]]["mobileMasked"] == "876\u2022\u2022\u20221234"
    assert rows[namesakes["kim3"]]["mobileMasked"] == "658\u2022\u2022\u20229012"
    assert rows[namesakes["kim2"]]["identifierMasked"] == "TRN \u2022\u2022\u2022302"
    assert rows[namesakes["kim2"]]["centre"] == "Spanish Town"
    assert rows[namesakes["kim1"]]["centre"] == "St. Jago Park Health Centre"
    assert {r["version"] for r in rows.values()} == {1}
    # Existing fields stay; the full number and identifier never appear.
    text = json.dumps(body)
    for secret in ("5551234", "555-1234", "100200301", "+1876"):
        assert secret not in text
    for field in ("hcid", "name", "dob", "vaccine", "dose", "totalDoses", "date", "status"):
        assert all(field in r for r in rows.values())
    assert "legacyId" not in rows[namesakes["kim1"]]


@pytest.mark.parametrize("typed", ["Tanisha Reid", "Reid Tanisha", "ried", "REID", "tan", "Tanisha Ried"])
def test_forgiving_names(aws, namesakes, invoke: Invoker, typed: str) -> None:
    nurse = _staff(aws, invoke, "nurse.names", "facility-staff")
    status, body = _get(
        invoke, nurse, f"/v1/facility/certificates?dob={DOB}&name={typed.replace(' ', '%20')}"
    )
    assert status == 200, body
    assert [r["hcid"] for r in body["certificates"]] == [namesakes["tanisha"]], typed


def test_exact_and_prefix_matches_rank_before_typos(aws, namesakes, invoke: Invoker) -> None:
    """ "Williams" typed "Wiliams" finds the Williamses; a real "Wiliams" would come first."""
    nurse = _staff(aws, invoke, "nurse.rank", "facility-staff")
    status, body = _get(invoke, nurse, f"/v1/facility/certificates?dob={DOB}&name=Wiliams")
    assert status == 200 and len(body["certificates"]) == 3
    status, body = _get(invoke, nurse, f"/v1/facility/certificates?dob={DOB}&name=Rei")
    assert [r["hcid"] for r in body["certificates"]] == [namesakes["tanisha"]]
    # Still refused alone or with one letter.
    assert _get(invoke, nurse, "/v1/facility/certificates?name=Reid")[0] == 422
    assert _get(invoke, nurse, f"/v1/facility/certificates?dob={DOB}&name=R")[0] == 422


def test_search_by_hcid_and_legacy_id(aws, namesakes, invoke: Invoker) -> None:
    nurse = _staff(aws, invoke, "nurse.ids", "facility-staff")
    hcid = namesakes["kim2"]
    spaced = " ".join(hcid[i : i + 4] for i in range(0, 20, 4)).lower()
    status, body = _get(invoke, nurse, f"/v1/facility/certificates?hcid={spaced.replace(' ', '%20')}")
    assert status == 200, body
    assert [r["hcid"] for r in body["certificates"]] == [hcid]
    # A migrated DIVOC certificate carries its DIVOC certificateId as `legacyId` (vaxcert migrate divoc).
    table = boto3.resource("dynamodb").Table(aws["CERTIFICATES_TABLE"])
    table.update_item(
        Key={"hcid": namesakes["kim3"]},
        UpdateExpression="SET legacyId = :l",
        ExpressionAttributeValues={":l": "123456789"},
    )
    status, body = _get(invoke, nurse, "/v1/facility/certificates?legacyId=123%20456%20789")
    assert status == 200, body
    assert [(r["hcid"], r["legacyId"]) for r in body["certificates"]] == [(namesakes["kim3"], "123456789")]
    status, body = _get(invoke, nurse, f"/v1/facility/certificates?dob={DOB}&name=Kimberly")
    assert {r.get("legacyId") for r in body["certificates"]} == {None, "123456789"}
    assert _get(invoke, nurse, "/v1/facility/certificates?legacyId=999999999")[1]["certificates"] == []
    status, body = _get(invoke, nurse, "/v1/facility/certificates?hcid=nope")
    assert status == 422 and [e["field"] for e in body["errors"]] == ["hcid"]
    admin = _staff(aws, invoke, "admin.ids", "ministry-admin")
    status, body = _get(invoke, admin, "/v1/admin/certificates?legacyId=123456789")
    assert status == 200 and [r["hcid"] for r in body["certificates"]] == [namesakes["kim3"]]


def test_revoked_rows_show_the_reason_and_print_only_anyway(aws, namesakes, invoke: Invoker) -> None:
    admin = _staff(aws, invoke, "admin.revokes", "ministry-admin")
    hcid = namesakes["kim1"]
    status, _, body = invoke.http(
        "POST", f"/v1/admin/certificates/{hcid}/revoke", {"reason": "recorded twice"}, _bearer(admin)
    )
    assert status == 200, body
    nurse = _staff(aws, invoke, "nurse.revoked", "facility-staff")
    status, body = _get(invoke, nurse, f"/v1/facility/certificates?hcid={hcid}")
    assert body["certificates"][0]["status"] == "REVOKED"
    assert body["certificates"][0]["reason"] == "recorded twice"
    status, _, body = invoke.http("GET", f"/v1/facility/certificates/{hcid}/pdf", headers=_bearer(nurse))
    assert status == 409 and "printAnyway" in body["message"], body
    status, headers, _ = invoke.http(
        "GET", f"/v1/facility/certificates/{hcid}/pdf?printAnyway=true", headers=_bearer(nurse)
    )
    assert status == 200 and headers["Content-Type"] == "application/pdf"
    status, body = _get(invoke, admin, "/v1/admin/audit?actor=nurse.revoked")
    prints = [e for e in body["entries"] if e["action"] == "staff.print"]
    assert [(e["outcome"], e["query"]) for e in prints] == [
        ("ok", {"status": "REVOKED", "printAnyway": True}),
        ("conflict", {"status": "REVOKED", "printAnyway": False}),
    ]


# --- audit by time --------------------------------------------------------------------------------


def _seed_audit(count: int, start: datetime, step: timedelta, action: str = "staff.search") -> list[str]:
    from vaxcert.audit.trail import AuditTrail
    from vaxcert.store.audit import DynamoAuditStore
    from vaxcert.types.audit import Action, Actor, RequestInfo, Role

    ids = []
    for n in range(count):
        at = start + n * step
        trail = AuditTrail(DynamoAuditStore(), clock=lambda at=at: at)  # type: ignore[misc]
        entry = trail.record(
            Actor(f"seed{n % 3}", Role.STAFF), Action(action), RequestInfo("192.0.2.1", "test"),
            query={"mobile": "+18765550123"}, result_hcids=[],
        )  # fmt: skip
        ids.append(entry.entry_id)
    return ids


def test_recent_entries_newest_first_in_pages(aws, invoke: Invoker) -> None:
    admin = _staff(aws, invoke, "admin.pages", "ministry-admin")
    start = datetime(2026, 3, 1, 22, 0, tzinfo=UTC)
    ids = _seed_audit(25, start, timedelta(hours=1))  # 2026-03-01 22:00 .. 03-02 22:00, three days
    seen: list[str] = []
    cursor = ""
    pages = 0
    while True:
        status, body = _get(invoke, admin, f"/v1/admin/audit?from=2026-03-01&to=2026-03-03&limit=7{cursor}")
        assert status == 200, body
        pages += 1
        seen += [e["entryId"] for e in body["entries"]]
        if not body["next"]:
            break
        cursor = f"&next={body['next']}"
    assert seen == list(reversed(ids)) and pages >= 4
    # Date-times narrow; action filters; a date-only `to` includes its whole day.
    status, body = _get(
        invoke,
        admin,
        "/v1/admin/audit?from=2026-03-02T00:00:00Z&to=2026-03-02T02:30:00%2B00:00&action=staff.search",
    )
    assert [e["at"][:16] for e in body["entries"]] == [
        "2026-03-02T02:00",
        "2026-03-02T01:00",
        "2026-03-02T00:00",
    ]
    status, body = _get(invoke, admin, "/v1/admin/audit?from=2026-03-01&to=2026-03-03&action=staff.print")
    assert status == 200 and body["entries"] == []
    # No parameters at all: the last 31 days, newest first (this admin's own sign-in is there).
    status, body = _get(invoke, admin, "/v1/admin/audit")
    assert status == 200 and body["entries"]
    ats = [e["at"] for e in body["entries"]]
    assert ats == sorted(ats, reverse=True)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=yesterday", "from"),
        ("to=2026-13-01", "to"),
        ("from=2026-03-02&to=2026-03-01", "from"),
        ("action=staff.dance", "action"),
        ("next=not-a-cursor", "next"),
        ("limit=0", "limit"),
        ("from=2024-01-01&to=2026-01-01", "to"),
    ],
)
def test_audit_browse_refusals(aws, invoke: Invoker, query: str, field: str) -> None:
    admin = _staff(aws, invoke, "admin.refusals", "ministry-admin")
    status, body = _get(invoke, admin, f"/v1/admin/audit?{query}")
    assert status == 422, body
    assert field in [e["field"] for e in body["errors"]]


def test_export_is_spreadsheet_safe_csv_and_audited(aws, invoke: Invoker) -> None:
    from vaxcert.audit.trail import AuditTrail
    from vaxcert.store.audit import DynamoAuditStore
    from vaxcert.types.audit import Action, Actor, RequestInfo, Role

    admin = _staff(aws, invoke, "admin.export", "ministry-admin")
    at = datetime(2026, 4, 10, 9, 30, tzinfo=UTC)
    AuditTrail(DynamoAuditStore(), clock=lambda: at).record(
        Actor("=HYPERLINK(\"http://x\")", Role.STAFF), Action.STAFF_SEARCH, RequestInfo("192.0.2.1", "+cmd"),
        query={"name": "@sum"},
    )  # fmt: skip
    _seed_audit(3, at + timedelta(minutes=1), timedelta(minutes=1))
    status, headers, body = invoke.http(
        "GET", "/v1/admin/audit/export?from=2026-04-10&to=2026-04-10", headers=_bearer(admin)
    )
    assert status == 200, body
    assert headers["Content-Type"].startswith("text/csv")
    assert "attachment" in headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:3] == ["at", "action", "outcome"] and len(rows) == 5
    hostile = rows[-1]
    assert hostile[4] == '\'=HYPERLINK("http://x")' and hostile[10] == "'+cmd"
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    # The export itself is in the trail, with its range.
    status, body = _get(invoke, admin, "/v1/admin/audit?actor=admin.export")
    exports = [e for e in body["entries"] if e["action"] == "admin.audit_export"]
    assert exports and exports[0]["query"]["from"].startswith("2026-04-10T00:00")
    # Over 31 days, or no `from`: 422 naming the field.
    status, _, body = invoke.http(
        "GET", "/v1/admin/audit/export?from=2026-01-01&to=2026-02-15", headers=_bearer(admin)
    )
    assert status == 422 and [e["field"] for e in body["errors"]] == ["to"]
    status, _, body = invoke.http("GET", "/v1/admin/audit/export", headers=_bearer(admin))
    assert status == 422 and [e["field"] for e in body["errors"]] == ["from"]


# --- keys -----------------------------------------------------------------------------------------


def _b64url(kid: str) -> str:
    return kid.replace("+", "-").replace("/", "_").rstrip("=")


def test_keys_list_rotate_withdraw(aws, trust_material, invoke: Invoker) -> None:
    admin = _staff(aws, invoke, "admin.keys", "ministry-admin")
    status, body = _get(invoke, admin, "/v1/admin/keys")
    assert status == 200, body
    keys = body["keys"]
    assert {k["role"] for k in keys} == {"CSCA", "DSC"}
    for k in keys:
        assert set(k) >= {
            "kid",
            "framework",
            "role",
            "country",
            "notBefore",
            "notAfter",
            "signing",
            "withdrawn",
        }
        assert k["framework"] == "hc1" and k["country"] == "JM" and k["withdrawn"] is False
    old = next(k for k in keys if k["role"] == "DSC" and k["signing"])
    # The signing DSC cannot be withdrawn.
    status, _, body = invoke.http(
        "POST", f"/v1/admin/keys/{_b64url(old['kid'])}/withdraw", {"reason": "test"}, _bearer(admin)
    )
    assert status == 409, body
    status, _, body = invoke.http("POST", "/v1/admin/keys/rotate", {"reason": "yearly"}, _bearer(admin))
    assert status == 201, body
    new = body["key"]
    assert new["role"] == "DSC" and new["signing"] is True and new["kid"] != old["kid"]
    listed = {k["kid"]: k for k in _get(invoke, admin, "/v1/admin/keys")[1]["keys"]}
    assert listed[old["kid"]]["signing"] is False and listed[new["kid"]]["signing"] is True
    # The new key is a tagged KMS key, so the issue function may sign with it.
    from vaxcert.store.trust import TrustRepository

    entry = next(e for e in TrustRepository().all() if e.kid_b64 == new["kid"])
    tags = boto3.client("kms").list_resource_tags(KeyId=entry.key_id)["Tags"]
    assert {"TagKey": "vaxcert:purpose", "TagValue": "document-signing"} in tags
    # Withdraw the old one: reason required; then it is withdrawn in the list.
    status, _, body = invoke.http(
        "POST", f"/v1/admin/keys/{_b64url(old['kid'])}/withdraw", {}, _bearer(admin)
    )
    assert status == 422 and [e["field"] for e in body["errors"]] == ["reason"]
    status, _, body = invoke.http(
        "POST", f"/v1/admin/keys/{_b64url(old['kid'])}/withdraw", {"reason": "rotated"}, _bearer(admin)
    )
    assert status == 200 and body["key"]["withdrawn"] is True, body
    assert _get(invoke, admin, "/v1/admin/keys")[1]["keys"][0]["role"] == "CSCA"
    status, _, body = invoke.http(
        "POST", f"/v1/admin/keys/{'A' * 11}/withdraw", {"reason": "x"}, _bearer(admin)
    )
    assert status == 404
    actions = [
        (e["action"], e["outcome"])
        for e in _get(invoke, admin, "/v1/admin/audit?actor=admin.keys")[1]["entries"]
    ]
    for wanted in [
        ("admin.keys", "ok"),
        ("admin.key_rotate", "ok"),
        ("admin.key_withdraw", "ok"),
        ("admin.key_withdraw", "conflict"),
        ("admin.key_withdraw", "not_found"),
    ]:
        assert wanted in actions


def test_keys_report_the_framework_of_imported_entries(aws, trust_material, invoke: Invoker) -> None:
    from dataclasses import replace

    from vaxcert.store.trust import TrustRepository
    from vaxcert.types.trust import IMPORTED

    dsc = trust_material[1]
    divoc = replace(dsc, kid=b"did:india:moh#key-1", framework="divoc", country="IN", origin=IMPORTED,
                    signing=False, key_id=None, issuer="did:india")  # fmt: skip
    TrustRepository().put(divoc, dsc.not_before)
    admin = _staff(aws, invoke, "admin.frameworks", "ministry-admin")
    keys = {k["kid"]: k for k in _get(invoke, admin, "/v1/admin/keys")[1]["keys"]}
    assert keys["did:india:moh#key-1"]["framework"] == "divoc"
    assert (
        keys["did:india:moh#key-1"]["country"] == "IN" and keys["did:india:moh#key-1"]["origin"] == "IMPORTED"
    )
    assert keys[dsc.kid_b64]["framework"] == "hc1"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/admin/keys"),
        ("POST", "/v1/admin/keys/rotate"),
        ("POST", "/v1/admin/keys/AAAAAAAAAAA/withdraw"),
        ("GET", "/v1/admin/audit"),
        ("GET", "/v1/admin/audit/export?from=2026-01-01"),
    ],
)
def test_new_admin_routes_refuse_staff_and_anonymous(
    aws, trust_material, invoke: Invoker, method, path
) -> None:
    nurse = _staff(aws, invoke, f"nurse.{method.lower()}{abs(hash(path)) % 1000}", "facility-staff")
    body = {"reason": "x"} if method == "POST" else None
    assert invoke.http(method, path, body, _bearer(nurse))[0] == 403
    assert invoke.http(method, path, body)[0] == 401
    assert invoke.http(method, path, body, _bearer("not-a-token"))[0] == 401


# --- dashboard ------------------------------------------------------------------------------------


def test_dashboard_issuance_mix_and_delay(aws, namesakes, invoke: Invoker) -> None:
    admin = _staff(aws, invoke, "admin.dash", "ministry-admin")
    status, body = _get(invoke, admin, "/v1/admin/dashboard")
    assert status == 200, body
    centres = {r["centre"]: r["count"] for r in body["issuedByCentre"]}
    assert centres == {"St. Jago Park Health Centre": 3, "Spanish Town": 1}
    assert body["issuedByVaccine"] == [{"vaccine": body["issuedByVaccine"][0]["vaccine"], "count": 4}]
    assert "Comirnaty" in body["issuedByVaccine"][0]["vaccine"]
    assert body["issuedByDose"] == [{"dose": 1, "count": 4}]
    delay = body["issuanceDelay"]
    assert delay["count"] == 3  # three SMS sent (Tanisha has no mobile)
    assert delay["p50Seconds"] == 5 and delay["p95Seconds"] == 5  # issued within seconds here
    # Existing fields stay.
    for field in ("issuedPerDay", "sms", "queue", "certificates"):
        assert field in body


# --- correction confirmation ----------------------------------------------------------------------


def test_correction_preview_lists_changes_and_the_sms_and_issues_nothing(
    aws, namesakes, invoke: Invoker
) -> None:
    admin = _staff(aws, invoke, "admin.preview", "ministry-admin")
    hcid = namesakes["kim1"]
    body = {"givenName": "Kimberley", "dose": 2, "reason": "spelling checked against passport"}
    status, _, preview = invoke.http(
        "POST", f"/v1/admin/certificates/{hcid}/corrections?preview=true", body, _bearer(admin)
    )
    assert status == 200, preview
    assert preview["hcid"] == hcid and preview["version"] == 2
    assert {(c["field"], c["from"], c["to"]) for c in preview["changes"]} == {
        ("givenName", "Kimberly", "Kimberley"),
        ("dose", 1, 2),
    }
    assert preview["sms"]["to"] == "876\u2022\u2022\u20221234"
    assert preview["sms"]["text"].startswith("Hello Kimberley, a corrected COVID-19 vaccination certificate")
    # Nothing issued, nothing claimed: the certificate is still VALID and can be corrected for real.
    table = boto3.resource("dynamodb").Table(aws["CERTIFICATES_TABLE"])
    item = table.get_item(Key={"hcid": hcid}, ConsistentRead=True)["Item"]
    assert item["status"] == "VALID" and "supersededBy" not in item
    # Validated as a real correction is.
    status, _, refused = invoke.http(
        "POST", f"/v1/admin/certificates/{hcid}/corrections?preview=true", {"dose": 12, "reason": "x"},
        _bearer(admin),
    )  # fmt: skip
    assert status == 422 and [e["field"] for e in refused["errors"]] == ["dose"]
    status, _, result = invoke.http(
        "POST", f"/v1/admin/certificates/{hcid}/corrections", body, _bearer(admin)
    )
    assert status == 202 and result["version"] == 2
