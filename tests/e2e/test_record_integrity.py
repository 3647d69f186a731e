"""Issue 11 end to end over the local stack: person link keys, edit ordering and audit, edits on top of
admin corrections, "who looked me up?", and the SMS that tells a holder a certificate stopped being valid.

Uses the shared session stack; every test makes its own people (fresh form ids, cases and numbers).
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pypdfium2 as pdfium
import pytest

from tests.e2e.conftest import LocalStack, stored_certificates

pytestmark = pytest.mark.e2e

Form = Callable[..., dict[str, Any]]


def _number() -> tuple[str, str]:
    local = f"876-5{random.randint(10, 99)}-{random.randint(0, 9999):04d}"
    return local, "+1" + local.replace("-", "")


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _staff(stack: LocalStack, role: str) -> dict[str, str]:
    response = stack.request("POST", "/v1/staff/session", dict(stack.credentials[role]))
    assert response.status == 200, response.body
    return _bearer(response.json()["token"])


def _citizen(stack: LocalStack, local: str, e164: str) -> dict[str, str]:
    assert stack.request("POST", "/v1/citizen/otp", {"mobile": local}).status == 202
    sms = stack.wait_for(lambda: [m for m in stack.sms() if m["to"] == e164 and "login code" in m["message"]])
    code = sms[-1]["message"].split("login code is ")[1][:6]
    response = stack.request("POST", "/v1/citizen/session", {"mobile": e164, "otp": code})
    assert response.status == 200, response.body
    return _bearer(response.json()["token"])


def _pdf_text(pdf: bytes) -> str:
    document = pdfium.PdfDocument(pdf)
    return "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))


def _chain(stack: LocalStack, event_id: str) -> list[dict[str, Any]]:
    return sorted(
        (c for c in stored_certificates(stack) if c["eventId"] == event_id), key=lambda c: int(c["version"])
    )


def _issued(stack: LocalStack, event_id: str, versions: int = 1) -> list[dict[str, Any]]:
    """The chain once `versions` certificates exist and only the newest is VALID."""

    def ready() -> list[dict[str, Any]] | None:
        chain = _chain(stack, event_id)
        done = len(chain) == versions and all(c["status"] == "SUPERSEDED" for c in chain[:-1])
        return chain if done and chain[-1]["status"] == "VALID" else None

    return list(stack.wait_for(ready))


def _record(certificate: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(certificate["record"]))


def _texts_to(stack: LocalStack, e164: str) -> list[str]:
    return [m["message"] for m in stack.sms() if m["to"] == e164 and "login code" not in m["message"]]


def _audit(stack: LocalStack, admin: dict[str, str], query: str) -> list[dict[str, Any]]:
    response = stack.request("GET", f"/v1/admin/audit?{query}", headers=admin)
    assert response.status == 200, response.body
    return list(response.json()["entries"])


def _edit(form: dict[str, Any], edited_on: str, **changes: Any) -> dict[str, Any]:
    edited = {**form, "edited_on": edited_on, "form": {**form["form"]}}
    for section in ("recipient", "vaccination"):
        edited["form"][section] = dict(form["form"][section])
    for key, value in changes.items():
        section = "recipient" if key in form["form"]["recipient"] else "vaccination"
        edited["form"][section][key] = value
    return edited


# --- 1. dose history links one person only by a reliable key ------------------------------------


def test_namesakes_see_only_their_own_doses_and_one_case_links_dose_1_and_2(
    stack: LocalStack, new_form: Form
) -> None:
    family = f"Namesake{random.randint(1000, 9999)}"
    (local_a, e164_a), (local_b, e164_b) = _number(), _number()
    case_a = str(uuid.uuid4())
    same = {"first_name": "Marcia", "last_name": family, "date_of_birth": "1984-03-07"}
    # A: no identifier; dose 1 recorded without a number, dose 2 with it, both on her CommCare case.
    a1 = new_form(case_id=case_a, id_number="", mobile_number="", lot_number="LOTA1", **same)
    a2 = new_form(
        case_id=case_a, id_number="", mobile_number=local_a, lot_number="LOTA2", dose_number="2",
        vaccination_date="2022-01-05", next_dose_due="", **same,
    )  # fmt: skip
    # B: the same name and birthday, another number, a TRN, her own case.
    trn = str(random.randint(100_000_000, 999_999_999))
    b1 = new_form(
        mobile_number=local_b, id_number=trn, lot_number="LOTB1", vaccination_date="2021-12-20", **same
    )
    for form in (a1, a2, b1):
        assert stack.ingest(form).status == 202
    (cert_a1,), (cert_a2,), (cert_b1,) = (_issued(stack, f["id"]) for f in (a1, a2, b1))
    assert cert_a1["caseKey"] == cert_a2["caseKey"] == f"case:commcare:{case_a}" != cert_b1["caseKey"]

    citizen_a = _citizen(stack, local_a, e164_a)
    rows = stack.request("GET", "/v1/citizen/certificates", headers=citizen_a).json()["certificates"]
    assert [r["hcid"] for r in rows] == [cert_a2["hcid"]]  # only the certificates on her own number
    response = stack.request("GET", f"/v1/citizen/certificates/{cert_a2['hcid']}/pdf", headers=citizen_a)
    assert response.status == 200
    text_a = _pdf_text(response.body)
    assert "LOTA1" in text_a and "LOTA2" in text_a and "LOTB1" not in text_a

    citizen_b = _citizen(stack, local_b, e164_b)
    response = stack.request("GET", f"/v1/citizen/certificates/{cert_b1['hcid']}/pdf", headers=citizen_b)
    text_b = _pdf_text(response.body)
    assert "LOTB1" in text_b and "LOTA1" not in text_b and "LOTA2" not in text_b

    # Facility print: the same rule. Each PDF's audit entry names every HCID it shows.
    facility = _staff(stack, "facility")
    response = stack.request("GET", f"/v1/facility/certificates/{cert_b1['hcid']}/pdf", headers=facility)
    assert response.status == 200 and "LOTA1" not in _pdf_text(response.body)
    admin = _staff(stack, "admin")
    [pdf_entry] = [e for e in _audit(stack, admin, f"hcid={cert_a1['hcid']}") if e["action"] == "citizen.pdf"]
    assert pdf_entry["hcid"] == cert_a2["hcid"]
    assert set(pdf_entry["resultHcids"]) == {cert_a1["hcid"], cert_a2["hcid"]}
    assert not [e for e in _audit(stack, admin, f"hcid={cert_b1['hcid']}") if e["action"] == "citizen.pdf"
                and e["hcid"] != cert_b1["hcid"]]  # fmt: skip


def test_a_vaccinations_api_case_id_never_joins_a_commcare_case(stack: LocalStack, new_form: Form) -> None:
    case = str(uuid.uuid4())
    form = new_form(case_id=case, mobile_number="")
    assert stack.ingest(form).status == 202
    event_id = f"api-{uuid.uuid4()}"
    body: dict[str, Any] = {
        "eventId": event_id,
        "source": "emr",
        "person": {
            "givenName": "Marcia",
            "familyName": "Campbell",
            "birthDate": "1984-03-07",
            "caseId": case,
        },
        "vaccination": {"vaccine": "comirnaty", "lot": "API1", "date": "2022-01-05", "dose": 2},
    }
    assert stack.request("POST", "/v1/vaccinations", body, stack.ingest_headers).status == 202
    (via_api,), (via_commcare,) = _issued(stack, event_id), _issued(stack, form["id"])
    assert (via_api["caseKey"], via_commcare["caseKey"]) == (f"case:api:{case}", f"case:commcare:{case}")
    # ... and the API cannot pretend to be CommCare.
    spoof = {**body, "eventId": f"api-{uuid.uuid4()}", "source": "commcare"}
    response = stack.request("POST", "/v1/vaccinations", spoof, stack.ingest_headers)
    assert response.status == 422 and [p["field"] for p in response.json()] == ["source"]


# --- 2. edits are parsed, ordered and visible -----------------------------------------------------


def test_edited_on_is_a_time_and_late_or_equal_edits_are_stale(stack: LocalStack, new_form: Form) -> None:
    local, e164 = _number()
    form = new_form(mobile_number=local)
    assert stack.ingest(form).status == 202
    _issued(stack, form["id"])

    for bad in ("yesterday", "2021-12-15", "2021-13-45T10:00:00Z"):
        response = stack.ingest(_edit(form, bad, lot_number="X"))
        assert response.status == 422 and [p["field"] for p in response.json()] == ["edited_on"], bad
    future = (datetime.now(UTC) + timedelta(minutes=30)).isoformat()
    response = stack.ingest(_edit(form, future, lot_number="X"))
    assert response.status == 422 and "future" in response.json()[0]["problem"]

    newer = stack.ingest(_edit(form, "2021-12-15T10:00:00Z", lot_number="EDIT10"))
    assert (newer.status, newer.json()) == (202, {"eventId": form["id"], "status": "correction"})
    for stale in (
        "2021-12-15T09:00:00Z",  # older
        "2021-12-15T05:00:00-05:00",  # the same instant, written differently
        "2021-12-15T11:30:00+02:00",  # sorts after as text, but is 09:30 UTC
    ):
        response = stack.ingest(_edit(form, stale, lot_number="STALE"))
        assert (response.status, response.json()) == (200, {"eventId": form["id"], "status": "stale"}), stale
    again = stack.ingest(_edit(form, "2021-12-15T10:00:00Z", lot_number="EDIT10"))
    assert (again.status, again.json()["status"]) == (200, "duplicate")

    chain = _issued(stack, form["id"], versions=2)
    assert _record(chain[-1])["vaccination"]["lot"] == "EDIT10"
    # One ready SMS and one "corrected" SMS: the stale edits changed nothing and sent nothing.
    assert len(_texts_to(stack, e164)) == 2
    assert len(_chain(stack, form["id"])) == 2


def test_an_edit_of_the_number_is_audited_by_field_name_and_tells_the_old_number(
    stack: LocalStack, new_form: Form
) -> None:
    (old_local, old_e164), (new_local, new_e164) = _number(), _number()
    form = new_form(mobile_number=old_local)
    assert stack.ingest(form).status == 202
    (original,) = _issued(stack, form["id"])
    stack.wait_for(lambda: _texts_to(stack, old_e164))

    assert stack.ingest(_edit(form, "2021-12-16T08:00:00Z", mobile_number=new_local)).status == 202
    chain = _issued(stack, form["id"], versions=2)
    old_texts = stack.wait_for(lambda: (t := _texts_to(stack, old_e164)) and len(t) == 2 and t)
    assert "changed" in old_texts[1] and "no longer valid" in old_texts[1]
    assert "Marcia" not in old_texts[1] and "Campbell" not in old_texts[1]  # nothing personal
    assert "http" in old_texts[1]  # where to get the current one
    new_texts = stack.wait_for(lambda: _texts_to(stack, new_e164))
    assert len(new_texts) == 1 and "corrected" in new_texts[0]

    admin = _staff(stack, "admin")
    [edit] = [e for e in _audit(stack, admin, f"hcid={original['hcid']}") if e["action"] == "ingest.edit"]
    assert edit["hcid"] == chain[-1]["hcid"] and edit["role"] == "system"
    assert edit["query"]["fields"] == ["mobile"] and edit["query"]["identity"] is True
    assert old_e164 not in str(edit) and new_e164 not in str(edit) and new_local not in str(edit)


# --- 3. a CommCare edit never undoes an admin correction ------------------------------------------


def test_an_edit_applies_on_top_of_an_admin_correction_and_conflicts_are_counted(
    stack: LocalStack, new_form: Form
) -> None:
    admin = _staff(stack, "admin")
    local, e164 = _number()
    form = new_form(mobile_number=local, last_name="Campbel", lot_number="LOT0")
    assert stack.ingest(form).status == 202
    (original,) = _issued(stack, form["id"])
    response = stack.request(
        "POST",
        f"/v1/admin/certificates/{original['hcid']}/corrections",
        {"familyName": "Campbell", "reason": "surname misspelt"},
        admin,
    )
    assert response.status == 202, response.body
    _issued(stack, form["id"], versions=2)
    conflicts_before = stack.request("GET", "/v1/admin/dashboard", headers=admin).json()["edits"]["conflicts"]

    # The form's edit changes the lot only: the admin's surname stays.
    assert stack.ingest(_edit(form, "2021-12-16T08:00:00Z", lot_number="LOT1")).status == 202
    chain = _issued(stack, form["id"], versions=3)
    person, vaccination = _record(chain[-1])["person"], _record(chain[-1])["vaccination"]
    assert (person["family_name"], vaccination["lot"]) == ("Campbell", "LOT1")

    # An edit of the same field the admin corrected: the form's new value wins, and it is a conflict.
    assert stack.ingest(_edit(form, "2021-12-17T08:00:00Z", last_name="Campbell-Reid", lot_number="LOT1"))
    chain = _issued(stack, form["id"], versions=4)
    person, vaccination = _record(chain[-1])["person"], _record(chain[-1])["vaccination"]
    assert (person["family_name"], vaccination["lot"]) == ("Campbell-Reid", "LOT1")
    entries = _audit(stack, admin, f"hcid={chain[-1]['hcid']}")
    [conflict] = [e for e in entries if e["action"] == "ingest.edit_conflict"]
    assert conflict["query"]["fields"] == ["familyName"]
    dashboard = stack.request("GET", "/v1/admin/dashboard", headers=admin).json()
    assert dashboard["edits"]["conflicts"] == conflicts_before + 1
    # One SMS per version, all to the same number: ready, then three "corrected".
    assert len(_texts_to(stack, e164)) == 4


# --- 4. "who looked me up?" -------------------------------------------------------------------------


def test_search_then_print_then_audit_by_hcid_and_by_number(stack: LocalStack, new_form: Form) -> None:
    local, e164 = _number()
    form = new_form(mobile_number=local)
    assert stack.ingest(form).status == 202
    (cert,) = _issued(stack, form["id"])
    facility = _staff(stack, "facility")
    response = stack.request("GET", f"/v1/facility/certificates?mobile={local}", headers=facility)
    assert [r["hcid"] for r in response.json()["certificates"]] == [cert["hcid"]]
    assert (
        stack.request("GET", f"/v1/facility/certificates/{cert['hcid']}/pdf", headers=facility).status == 200
    )

    admin = _staff(stack, "admin")
    by_hcid = _audit(stack, admin, f"hcid={cert['hcid']}")
    assert [e["action"] for e in by_hcid] == ["staff.print", "staff.search", "ingest.issue"]
    assert by_hcid[1]["resultHcids"] == [cert["hcid"]] and by_hcid[1]["query"] == {"mobile": e164}
    actor = stack.credentials["facility"]["username"]
    assert by_hcid[0]["actor"] == by_hcid[1]["actor"] == actor
    by_number = _audit(stack, admin, f"mobile={local}")
    assert [(e["action"], e["actor"]) for e in by_number if e["role"] == "staff"] == [("staff.search", actor)]


# --- 6. holders are told when their certificate stops being valid ---------------------------------


def test_revocation_texts_the_holder_once_and_a_same_number_correction_sends_one_sms(
    stack: LocalStack, new_form: Form
) -> None:
    admin = _staff(stack, "admin")
    local, e164 = _number()
    form = new_form(mobile_number=local)
    assert stack.ingest(form).status == 202
    (original,) = _issued(stack, form["id"])
    stack.wait_for(lambda: _texts_to(stack, e164))

    # A correction to the same number: its "corrected" SMS is the only message.
    response = stack.request(
        "POST",
        f"/v1/admin/certificates/{original['hcid']}/corrections",
        {"lot": "FK9999", "reason": "lot mistyped"},
        admin,
    )
    assert response.status == 202
    current = _issued(stack, form["id"], versions=2)[-1]
    texts = stack.wait_for(lambda: (t := _texts_to(stack, e164)) and len(t) == 2 and t)
    assert "corrected" in texts[1]

    # Revocation: one SMS, however often the admin repeats it.
    for _ in range(2):
        response = stack.request(
            "POST", f"/v1/admin/certificates/{current['hcid']}/revoke", {"reason": "recorded in error"}, admin
        )
        assert response.status == 200, response.body
    texts = stack.wait_for(lambda: (t := _texts_to(stack, e164)) and len(t) == 3 and t)
    assert "revoked" in texts[2] and "Marcia" not in texts[2]
    stack.wait_for(lambda: [c for c in _chain(stack, form["id"]) if c.get("noticeStatus") == "SENT"])
    assert len(_texts_to(stack, e164)) == 3
    # A CommCare edit of the revoked certificate is not issued, and the audit says so.
    assert stack.ingest(_edit(form, "2021-12-20T08:00:00Z", lot_number="AFTER")).status == 202

    def rejected() -> list[dict[str, Any]]:
        entries = _audit(stack, admin, f"hcid={current['hcid']}")
        return [e for e in entries if e["action"] == "ingest.edit" and e["outcome"] == "conflict"]

    assert "revoked" in stack.wait_for(rejected)[0]["query"]["rejected"]
    assert len(_chain(stack, form["id"])) == 2 and len(_texts_to(stack, e164)) == 3

    # A correction that moves the certificate to another number tells the old one (admin path too).
    (old_local, old_e164), (new_local, new_e164) = _number(), _number()
    moved = new_form(mobile_number=old_local)
    assert stack.ingest(moved).status == 202
    (first,) = _issued(stack, moved["id"])
    response = stack.request(
        "POST",
        f"/v1/admin/certificates/{first['hcid']}/corrections",
        {"mobile": new_local, "reason": "number of the holder, not of the nurse"},
        admin,
    )
    assert response.status == 202
    _issued(stack, moved["id"], versions=2)
    old = stack.wait_for(lambda: (t := _texts_to(stack, old_e164)) and len(t) == 2 and t)
    assert "no longer valid" in old[1]
    assert len(stack.wait_for(lambda: _texts_to(stack, new_e164))) == 1
