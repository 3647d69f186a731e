"""Issue 16 in headless Chromium over the local stack, each page checked with axe-core: the facility desk
(namesakes told apart, a typo, dd/mm/yyyy dates, no results, revoked and replaced rows), the admin audit
(recent activity in words, filters, CSV export), the keys page (rotate, withdraw) and the correction
confirmation."""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.a11y import assert_accessible
from tests.e2e.browser import DESKTOP, PHONE, issue_and_wait, screenshot, unique_mobile
from tests.e2e.conftest import local_stack

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from tests.e2e.conftest import LocalStack

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def _unique_dob() -> tuple[str, str]:
    """(ISO, dd/mm/yyyy) of a birthday no other test uses (so a dob + name search sees only ours)."""
    n = time.time_ns() // 1000
    year, month, day = 1940 + n % 60, 1 + (n // 60) % 12, 1 + (n // 720) % 28
    return f"{year}-{month:02d}-{day:02d}", f"{day:02d}/{month:02d}/{year}"


def _token(stack: LocalStack, who: str) -> dict[str, str]:
    creds = stack.credentials[who]
    answer = stack.request(
        "POST", "/v1/staff/session", {"username": creds["username"], "password": creds["password"]}
    )
    assert answer.status == 200, answer.body
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def _facility(page: Page, stack: LocalStack) -> None:
    page.goto("/facility")
    page.get_by_label("Username").fill(stack.credentials["facility"]["username"])
    page.get_by_label("Password").fill(stack.credentials["facility"]["password"])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("#desk:not([hidden])")


def _admin(page: Page, stack: LocalStack) -> None:
    page.goto("/admin")
    page.get_by_label("Username").fill(stack.credentials["admin"]["username"])
    page.get_by_label("Password").fill(stack.credentials["admin"]["password"])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("#console:not([hidden])")


def _search_person(page: Page, dob: str, name: str) -> None:
    page.get_by_role("radio", name="Date of birth and name").check()
    page.get_by_label("Date of birth", exact=True).fill(dob)
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_role("button", name="Search").click()


# ---------------------------------------------------------------------------- facility


def test_facility_namesakes_typo_and_dd_mm_dates(
    page: Page, stack: LocalStack, new_form: Callable[..., dict[str, Any]]
) -> None:
    iso, dmy = _unique_dob()
    mobiles = []
    for n, centre in enumerate(
        ["St. Jago Park Health Centre", "Spanish Town Hospital", "May Pen Health Centre"]
    ):
        local, e164 = unique_mobile()
        form = new_form(first_name="Kimberly", last_name="Williams", date_of_birth=iso, mobile_number=local,
                        id_number=f"10020030{n}", facility_name=centre)  # fmt: skip
        issue_and_wait(stack, form, e164)
        mobiles.append(e164)
    local, e164 = unique_mobile()
    issue_and_wait(
        stack, new_form(first_name="Tanisha", last_name="Reid", date_of_birth=iso, mobile_number=local), e164
    )

    _facility(page, stack)
    # Many results: the date typed as Jamaicans write it, the name with a typo; each row says who it is.
    _search_person(page, dmy, "Wiliams")
    page.wait_for_selector("#results tbody tr")
    rows = page.locator("#results tbody tr")
    assert rows.count() == 3
    details = rows.locator(".row-details").all_inner_texts()
    assert len(set(details)) == 3, details
    for e164_number, text in zip(sorted(mobiles), sorted(details, key=lambda t: t), strict=False):
        assert "•••" in text and e164_number[-4:] in " ".join(details)
        assert e164_number[2:] not in page.content()  # never the whole number
    assert any("Spanish Town Hospital" in d for d in details)
    assert all(re.search(r"TRN •••\d{3}", d) for d in details)
    screenshot(page, "desk-1-namesakes")
    assert_accessible(page)

    # The full name in the other order, with a typo.
    _search_person(page, dmy, "Ried Tanisha")
    page.wait_for_function("document.querySelectorAll('#results tbody tr').length === 1")
    assert "Tanisha Reid" in page.locator("#results tbody tr").inner_text()

    # Nothing found: the search is repeated in words, with the usual fixes.
    _search_person(page, dmy, "Zzyzx")
    page.wait_for_selector("#results .alert")
    summary = page.locator("#results-summary").inner_text()
    assert f"date of birth {dmy} and name “Zzyzx”" in summary
    assert "day first, then month" in summary
    assert_accessible(page)

    # An impossible date is caught on the page; the calendar fills the typed field.
    _search_person(page, "31/02/1990", "Reid")
    assert "day/month/year" in page.locator("#search-dob-error").inner_text()
    page.locator("#search-dob-picker").fill(iso)
    assert page.get_by_label("Date of birth", exact=True).input_value() == dmy
    assert_accessible(page)

    # A warning before the session ends (here: a session with 6 s left warns at half time).
    page.evaluate(
        """() => {
        const key = 'vaxcert.facility.session';
        const value = JSON.parse(sessionStorage.getItem(key));
        value.expiresAt = Date.now() + 6000;
        sessionStorage.setItem(key, JSON.stringify(value));
    }"""
    )
    page.reload()
    page.wait_for_selector("#session-warning:not([hidden])")
    assert "Your session ends in about 1 minute" in page.locator("#session-warning").inner_text()
    assert_accessible(page)
    page.wait_for_selector("#login:not([hidden])")
    assert "session has ended" in page.locator("#notice").inner_text()


def test_facility_revoked_and_replaced_rows(
    page: Page, stack: LocalStack, new_form: Callable[..., dict[str, Any]]
) -> None:
    local, e164 = unique_mobile()
    [first] = issue_and_wait(stack, new_form(mobile_number=local, first_name="Odane"), e164)
    both = issue_and_wait(stack, new_form(mobile_number=local, first_name="Shanique"), e164, 2)
    [second] = [c for c in both if c["hcid"] != first["hcid"]]
    admin = _token(stack, "admin")
    revoked = stack.request(
        "POST",
        f"/v1/admin/certificates/{first['hcid']}/revoke",
        {"reason": "recorded on the wrong person"},
        admin,
    )
    assert revoked.status == 200, revoked.body
    corrected = stack.request(
        "POST",
        f"/v1/admin/certificates/{second['hcid']}/corrections",
        {"lot": "FIX123", "reason": "lot typo"},
        admin,
    )
    assert corrected.status == 202, corrected.body
    new_hcid = corrected.json()["hcid"]
    stack.wait_for(
        lambda: stack.request("GET", f"/v1/admin/certificates/{new_hcid}", headers=admin).status == 200
    )

    _facility(page, stack)
    page.get_by_role("textbox", name="Mobile number").fill(local)
    page.get_by_role("button", name="Search").click()
    row = page.locator(f'#results tr[data-hcid="{first["hcid"]}"]')
    row.wait_for()
    assert row.get_attribute("data-status") == "REVOKED"
    assert "recorded on the wrong person" in row.locator(".row-note").inner_text()
    assert row.get_by_role("button", name=re.compile("^Print$")).count() == 0
    old_row = page.locator(f'#results tr[data-hcid="{second["hcid"]}"]')
    assert old_row.get_attribute("data-status") == "SUPERSEDED"
    assert new_hcid in old_row.locator(".row-note").inner_text()
    assert_accessible(page)

    # The replaced one offers the current certificate instead.
    old_row.get_by_role("button", name=re.compile("^Show current certificate")).click()
    page.wait_for_function(
        "[...document.querySelectorAll('#results tbody tr')].map(r => r.dataset.hcid).join() === "
        f"'{new_hcid}'"
    )
    current = page.locator(f'#results tr[data-hcid="{new_hcid}"]')
    assert current.get_attribute("data-status") == "VALID"
    assert current.get_by_role("button", name=re.compile("^Print ")).count() == 1
    assert "Version 2" in current.locator(".row-details").inner_text()

    # Back to the person's certificates (the PDF viewer last: headless Chromium's is heavy).
    page.get_by_role("radio", name="Mobile number").check()
    page.get_by_role("textbox", name="Mobile number").fill(local)
    page.get_by_role("button", name="Search").click()
    row = page.locator(f'#results tr[data-hcid="{first["hcid"]}"]')
    row.wait_for()
    # Printing a revoked certificate takes an explicit "print anyway" (and is audited as such).
    row.get_by_role("button", name=re.compile("^Print anyway")).click()
    confirm = row.locator(".confirm-box")
    assert "verifiers will reject it" in confirm.inner_text()
    screenshot(page, "desk-2-print-anyway")
    assert_accessible(page)
    with page.expect_response(lambda r: "/pdf" in r.url and first["hcid"] in r.url) as pdf:
        confirm.get_by_role("button", name="Print anyway").click()
    assert pdf.value.status == 200 and "printAnyway=true" in pdf.value.url
    page.wait_for_selector(f'#results tr[data-hcid="{first["hcid"]}"][data-printed="true"]')
    assert row.locator(".print-status").inner_text() == "Sent to printer"


# ---------------------------------------------------------------------------- admin: audit, correction


def test_admin_audit_in_words_filters_and_export(
    page: Page, stack: LocalStack, tmp_path: Path, new_form: Callable[..., dict[str, Any]]
) -> None:
    local, e164 = unique_mobile()
    issue_and_wait(stack, new_form(mobile_number=local), e164)  # for the dashboard below
    stack.wait_for(lambda: any(m.get("to") == e164 for m in stack.sms()) or None)
    staff = _token(stack, "facility")
    assert stack.request("GET", "/v1/facility/certificates?mobile=876-555-0199", headers=staff).status == 200
    _admin(page, stack)
    page.get_by_role("tab", name="Audit trail").click()
    page.get_by_role("button", name="Show entries").click()
    page.wait_for_selector("#audit-table")
    words = page.locator("#audit-table .audit-words").all_inner_texts()
    username = stack.credentials["facility"]["username"]
    assert f"Facility staff {username} searched mobile 876•••0199: 0 results" in words, words
    assert_accessible(page)

    # Filter by action: only staff searches.
    page.get_by_label("Action").select_option("staff.search")
    page.get_by_role("button", name="Show entries").click()
    page.wait_for_function(
        "[...document.querySelectorAll('#audit-table tbody tr')]"
        ".every(r => r.dataset.action === 'staff.search')"
    )
    # By actor, narrowed by dates on the page.
    page.locator("#audit-by").select_option("actor")
    page.get_by_role("textbox", name="Staff username or actor").fill(username)
    page.get_by_label("Action").select_option("")
    page.get_by_role("button", name="Show entries").click()
    page.wait_for_function(
        "document.querySelector('#audit-table caption').textContent.includes('" + username + "')"
    )
    page.set_viewport_size(DESKTOP)
    screenshot(page, "admin-audit-words")
    assert_accessible(page)
    page.set_viewport_size(PHONE)

    # Export the last 7 days as CSV: a spreadsheet-safe file, and the export itself is audited.
    with page.expect_download() as download:
        page.get_by_role("button", name="Download as CSV").click()
    saved = tmp_path / "audit.csv"
    download.value.save_as(saved)
    rows = list(csv.reader(io.StringIO(saved.read_text())))
    assert rows[0][:3] == ["at", "action", "outcome"] and len(rows) > 1
    assert any(r[1] == "staff.search" and "876" in r[7] for r in rows[1:])
    page.wait_for_function("document.getElementById('notice').textContent.includes('downloaded as CSV')")
    audit = stack.request("GET", "/v1/admin/audit?action=admin.audit_export", headers=_token(stack, "admin"))
    assert audit.json()["entries"], "the export is in the audit trail"

    # The dashboard's additions: issuance by centre, vaccine and dose, and the delay to the SMS.
    page.get_by_role("tab", name="Dashboard").click()
    page.wait_for_selector("#by-centre, #dashboard .alert")
    assert page.get_by_role("heading", name="By vaccination centre").is_visible()
    assert "St. Jago Park Health Centre" in page.locator("#by-centre").inner_text()
    assert "Dose 1" in page.locator("#by-dose").inner_text()
    assert "(p50)" in page.locator("#stats-delay").inner_text()
    assert_accessible(page)


def test_admin_correction_confirmation(
    page: Page, stack: LocalStack, new_form: Callable[..., dict[str, Any]]
) -> None:
    local, e164 = unique_mobile()
    [certificate] = issue_and_wait(stack, new_form(mobile_number=local, first_name="Roshane"), e164)
    hcid = str(certificate["hcid"])
    _admin(page, stack)
    page.get_by_role("textbox", name="Certificate ID (HCID)").fill(hcid)
    page.get_by_role("button", name="Find").click()
    page.wait_for_selector(f'#detail[data-hcid="{hcid}"]')
    page.get_by_role("button", name="Correct…").click()
    page.get_by_label("Lot (batch) number").fill("FK9999")
    page.get_by_label("Dose number").fill("2")
    page.get_by_label("Reason for the correction (required)").fill(
        "lot and dose checked against the register"
    )
    page.get_by_role("button", name="Check the correction…").click()
    page.wait_for_selector("#correct-confirm:not([hidden]) #correct-changes")
    changes = page.locator("#correct-changes li").all_inner_texts()
    assert set(changes) == {"Lot (batch) number: FK5127 → FK9999", "Dose number: 1 → 2"}
    sms = page.locator("#correct-sms").inner_text()
    assert sms.startswith("Hello Roshane, a corrected COVID-19 vaccination certificate is ready")
    assert local[-4:] in page.locator("#correct-confirm").inner_text()
    assert page.evaluate("document.activeElement.id") == "correct-confirm-heading"
    screenshot(page, "admin-correction-confirm")
    assert_accessible(page)
    # Nothing was issued: back to the form, the certificate unchanged.
    page.get_by_role("button", name="Back to the form").click()
    assert page.locator("#correct-form").is_visible()
    api = stack.request("GET", f"/v1/admin/certificates/{hcid}", headers=_token(stack, "admin"))
    assert (
        api.json()["certificate"]["status"] == "VALID" and not api.json()["certificate"]["correctionPending"]
    )


# ---------------------------------------------------------------------------- admin: keys (own stack)


@pytest.fixture(scope="module")
def keys_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """Its own stack: rotating and withdrawing keys must not change the shared stack's trust list."""
    with local_stack(tmp_path_factory.mktemp("keys-stack")) as running:
        yield running


def test_admin_keys_rotate_and_withdraw(browser: Browser, keys_stack: LocalStack) -> None:
    # bypass_csp as the shared `context` fixture: string predicates and axe-core's injection need it.
    context = browser.new_context(base_url=keys_stack.api, viewport=DESKTOP, locale="en-JM", bypass_csp=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        _admin(page, keys_stack)
        page.get_by_role("tab", name="Keys").click()
        page.wait_for_selector("#keys-table")
        assert page.locator('#keys-table tr[data-role="CSCA"]').count() == 1
        old = page.locator('#keys-table tr[data-role="DSC"][data-signing="true"]')
        assert old.count() == 1
        old_kid = str(old.get_attribute("data-kid"))
        assert "EU DCC / WHO (HC1)" in old.inner_text()
        assert_accessible(page)

        page.get_by_role("button", name="Rotate the signing key…").click()
        dialog = page.get_by_role("dialog", name="Rotate the signing key?")
        assert "Certificates already issued keep verifying" in dialog.inner_text()
        assert_accessible(page)
        dialog.get_by_role("button", name="Rotate the signing key").click()
        page.wait_for_function("document.querySelectorAll('#keys-table tr[data-role=\"DSC\"]').length === 2")
        new = page.locator('#keys-table tr[data-role="DSC"][data-signing="true"]')
        assert new.get_attribute("data-kid") != old_kid
        assert "keep verifying" in page.locator("#notice").inner_text()

        retired = page.locator(f'#keys-table tr[data-kid="{old_kid}"]')
        retired.get_by_role("button", name=re.compile("^Withdraw key")).click()
        dialog = page.get_by_role("dialog", name="Withdraw this key?")
        assert "Certificates it signed stop verifying" in dialog.inner_text()
        dialog.get_by_role("button", name="Withdraw the key").click()
        assert "reason" in page.locator("#key-reason-error").inner_text()
        dialog.get_by_label("Reason (required)").fill("rotated after the yearly review")
        screenshot(page, "admin-keys-withdraw")
        assert_accessible(page)
        dialog.get_by_role("button", name="Withdraw the key").click()
        page.wait_for_selector(f'#keys-table tr[data-kid="{old_kid}"][data-withdrawn="true"]')
        assert_accessible(page)
        assert not errors, errors
    finally:
        context.close()
