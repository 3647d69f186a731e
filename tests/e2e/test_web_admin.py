"""The admin page (/admin) in headless Chromium over the local stack: sign in, find, correct, revoke, audit,
dashboard; a facility-staff account refused; and the staff sign-in challenges (MFA set-up, MFA code, new
password) on the admin and facility pages, with the API answers faked by route interception (the local user
pool has no MFA)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.browser import DESKTOP, assert_fits_width, issue_and_wait, screenshot, unique_mobile

if TYPE_CHECKING:
    from playwright.sync_api import Page, Route

    from tests.e2e.conftest import LocalStack

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def _sign_in(page: Page, stack: LocalStack, who: str = "admin") -> None:
    page.goto("/admin")
    page.get_by_label("Username").fill(stack.credentials[who]["username"])
    page.get_by_label("Password").fill(stack.credentials[who]["password"])
    page.get_by_role("button", name="Sign in").click()


def _detail_status(page: Page) -> str:
    return str(page.locator("#detail").get_attribute("data-status"))


def test_admin_finds_corrects_revokes_and_sees_audit_and_dashboard(
    page: Page, stack: LocalStack, new_form: Callable[..., dict[str, Any]]
) -> None:
    local, e164 = unique_mobile()
    [certificate] = issue_and_wait(stack, new_form(mobile_number=local, first_name="Kerry-Ann"), e164)
    old = str(certificate["hcid"])

    page.goto("/admin")
    screenshot(page, "admin-1-sign-in")
    _sign_in(page, stack)
    page.wait_for_selector("#console:not([hidden])")
    assert stack.credentials["admin"]["username"] in page.locator("#signed-in").inner_text()
    assert page.evaluate("document.activeElement.id") == "find-heading"

    # Find by mobile number, open the certificate.
    page.get_by_role("radio", name="Mobile number").check()
    page.get_by_role("textbox", name="Mobile number").fill(local)
    page.get_by_role("button", name="Find").click()
    row = page.locator(f'#find-results tbody tr[data-hcid="{old}"]')
    row.wait_for()
    assert "Kerry-Ann" in row.inner_text()
    row.get_by_role("button", name="Open").click()
    page.wait_for_selector(f'#detail[data-hcid="{old}"]')
    assert _detail_status(page) == "VALID"
    assert page.locator('#detail dd[data-field="Version"]').inner_text() == "1"
    assert page.locator("#history-table tbody tr").count() == 1

    # Correct the name: the form is prefilled, a reason is required.
    page.get_by_role("button", name="Correct…").click()
    assert page.get_by_label("Given name").input_value() == "Kerry-Ann"
    assert page.locator("#c-birthDate").input_value() == "1984-03-07"
    page.get_by_label("Given name").fill("Kerri-Ann")
    page.get_by_role("button", name="Check the correction…").click()
    assert "reason" in page.locator("#c-reason-error").inner_text()
    assert page.evaluate("document.activeElement.id") == "c-reason"
    page.get_by_label("Reason for the correction (required)").fill("given name misspelt at registration")
    screenshot(page, "admin-2-correct-form")
    page.get_by_role("button", name="Check the correction…").click()
    # A confirmation first (nothing issued yet): each changed field, old -> new, and the holder's SMS.
    page.wait_for_selector("#correct-confirm:not([hidden]) #correct-changes")
    assert page.locator("#correct-changes li").all_inner_texts() == ["Given name: Kerry-Ann → Kerri-Ann"]
    assert page.locator("#correct-sms").inner_text().startswith("Hello Kerri-Ann, a corrected")
    assert page.locator("#detail").get_attribute("data-hcid") == old
    page.get_by_role("button", name="Issue corrected certificate").click()
    page.wait_for_function(f"document.getElementById('detail').dataset.hcid !== '{old}'", timeout=40_000)
    new = str(page.locator("#detail").get_attribute("data-hcid"))
    assert new != old
    assert new in page.locator("#notice").inner_text()
    assert _detail_status(page) == "VALID"
    assert page.locator("#detail-heading").inner_text().startswith("Kerri-Ann ")
    assert page.locator('#detail dd[data-field="Version"]').inner_text() == "2"
    history = page.locator("#history-table tbody tr")
    assert history.count() == 2
    assert page.locator(f'#history-table tr[data-hcid="{old}"]').get_attribute("data-status") == "SUPERSEDED"

    # The old one, opened from the history, shows SUPERSEDED and cannot be changed any more.
    page.locator(f'#history-table tr[data-hcid="{old}"]').get_by_role("button", name=old).click()
    page.wait_for_selector(f'#detail[data-hcid="{old}"]')
    assert _detail_status(page) == "SUPERSEDED"
    assert page.get_by_role("button", name="Correct…").is_disabled()
    assert page.get_by_role("button", name="Revoke…").is_disabled()
    assert new in page.locator("#detail-replaced").inner_text()
    screenshot(page, "admin-3-superseded")

    # Revoke the new one by HCID: a confirm dialog with a required reason.
    page.get_by_role("radio", name="Certificate ID (HCID)").check()
    page.get_by_role("textbox", name="Certificate ID (HCID)").fill(new)
    page.get_by_role("button", name="Find").click()
    page.wait_for_selector(f'#detail[data-hcid="{new}"]')
    page.get_by_role("button", name="Revoke…").click()
    dialog = page.get_by_role("dialog", name="Revoke this certificate?")
    assert dialog.is_visible()
    assert page.evaluate("document.activeElement.id") == "revoke-reason"
    page.keyboard.press("Escape")  # cancelled: nothing happens
    assert not dialog.is_visible()
    assert _detail_status(page) == "VALID"
    page.get_by_role("button", name="Revoke…").click()
    dialog.get_by_role("button", name="Revoke certificate").click()
    assert "reason" in page.locator("#revoke-reason-error").inner_text()
    dialog.get_by_label("Reason (required)").fill("vaccination recorded on the wrong person")
    screenshot(page, "admin-4-revoke-dialog")
    dialog.get_by_role("button", name="Revoke certificate").click()
    page.wait_for_selector(f'#detail[data-hcid="{new}"][data-status="REVOKED"]')
    assert "revoked" in page.locator("#notice").inner_text()
    assert "wrong person" in page.locator('#detail dd[data-field="Revocation reason"]').inner_text()
    actions = page.locator("#detail-audit-table tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.action)"
    )
    assert "admin.revoke" in actions
    screenshot(page, "admin-5-revoked")

    # The API agrees.
    token = page.evaluate("JSON.parse(sessionStorage.getItem('vaxcert.admin.session')).token")
    api = stack.request("GET", f"/v1/admin/certificates/{new}", headers={"Authorization": f"Bearer {token}"})
    assert api.json()["certificate"]["status"] == "REVOKED"

    # Audit trail tab: by HCID (the correction) and by actor.
    page.get_by_role("tab", name="Audit trail").click()
    page.locator("#audit-by").select_option("hcid")
    page.get_by_role("textbox", name="Certificate ID (HCID)").fill(old)
    page.get_by_role("button", name="Show entries").click()
    page.wait_for_selector("#audit-table")
    actions = page.locator("#audit-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.action)")
    assert any(a.startswith("admin.correct") for a in actions), actions
    page.locator("#audit-by").select_option("actor")
    page.get_by_role("textbox", name="Staff username or actor").fill(stack.credentials["admin"]["username"])
    page.get_by_role("button", name="Show entries").click()
    page.wait_for_function("document.querySelector('#audit-table caption').textContent.includes('admin')")
    actions = page.locator("#audit-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.action)")
    assert "admin.revoke" in actions and any(a.startswith("admin.correct") for a in actions), actions
    page.set_viewport_size(DESKTOP)
    screenshot(page, "admin-6-audit-desktop")

    # Dashboard: the chart has at least one day with certificates, the counts are there.
    page.get_by_role("tab", name="Dashboard").click()
    page.wait_for_selector("#issued-chart")
    counts = page.locator("#issued-chart .chart__bar").evaluate_all("bars => bars.map(b => +b.dataset.count)")
    assert counts and max(counts) >= 1
    assert page.locator("#issued-chart").get_attribute("role") == "img"
    assert "certificates issued" in page.locator("#issued-chart desc").text_content()  # type: ignore[operator]
    revoked = page.locator('#stats-certificates .stat:has(dt:text-is("Revoked")) .stat__value').inner_text()
    assert int(revoked.replace(",", "")) >= 1
    for label in ("Sent", "Failed", "Waiting", "Dead letters", "Valid", "Superseded"):
        assert page.locator(f'.stat:has(dt:text-is("{label}"))').count() == 1, label
    screenshot(page, "admin-7-dashboard-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(400)  # the chart is redrawn for the new width
    assert_fits_width(page)
    screenshot(page, "admin-8-dashboard-phone")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_selector("#login:not([hidden])")
    assert page.evaluate("sessionStorage.length") == 0


def test_facility_staff_are_refused_with_a_clear_message(page: Page, stack: LocalStack) -> None:
    _sign_in(page, stack, "facility")
    page.wait_for_selector("#error:not(:empty)")
    assert "needs the ministry-admin role" in page.locator("#error").inner_text()
    assert page.locator("#console").is_hidden()
    assert page.evaluate("sessionStorage.length") == 0
    screenshot(page, "admin-9-facility-refused")


def test_correction_conflict_and_validation_messages(page: Page, stack: LocalStack) -> None:
    """409 and 422 from the corrections endpoint (faked: hard to provoke on purpose) read clearly."""
    hcid = "0BE7V6DQ0RWDWRN13N98"
    certificate = {
        "certificate": {
            "hcid": hcid, "name": "Marcia Campbell", "dob": "1984-03-07", "status": "VALID", "version": 1,
            "vaccine": "Comirnaty (Pfizer-BioNTech)", "dose": 1, "totalDoses": 2, "date": "2021-12-14",
            "fields": {"givenName": "Marcia", "familyName": "Campbell", "birthDate": "1984-03-07",
                       "dose": 1, "totalDoses": 2, "vaccine": "comirnaty", "date": "2021-12-14"},
        },
        "history": [], "audit": [],
    }  # fmt: skip
    answers = [
        (
            422,
            {"message": "invalid input", "errors": [{"field": "birthDate", "problem": "is in the future"}]},
        ),
        (409, {"message": "too many corrections of this certificate (limit 5)"}),
    ]

    def fake(route: Route) -> None:
        if route.request.method == "GET":
            route.fulfill(status=200, content_type="application/json", body=json.dumps(certificate))
        else:
            status, body = answers.pop(0)
            route.fulfill(status=status, content_type="application/json", body=json.dumps(body))

    page.route(f"**/v1/admin/certificates/{hcid}*", fake)
    page.route(f"**/v1/admin/certificates/{hcid}/corrections", fake)
    page.route(f"**/v1/admin/certificates/{hcid}/corrections?preview=true", fake)
    _sign_in(page, stack)
    page.get_by_role("textbox", name="Certificate ID (HCID)").fill(hcid)
    page.get_by_role("button", name="Find").click()
    page.wait_for_selector(f'#detail[data-hcid="{hcid}"]')
    page.get_by_role("button", name="Correct…").click()
    page.get_by_role("button", name="Check the correction…").click()
    assert "Nothing was changed" in page.locator("#error").inner_text()

    page.locator("#c-birthDate").fill("2090-01-01")
    page.get_by_label("Reason for the correction (required)").fill("typo")
    page.get_by_role("button", name="Check the correction…").click()
    page.wait_for_selector("#c-birthDate-error:not(:empty)")
    assert page.locator("#c-birthDate-error").inner_text() == "is in the future."
    assert page.locator("#c-birthDate").get_attribute("aria-invalid") == "true"
    assert page.evaluate("document.activeElement.id") == "c-birthDate"

    page.get_by_role("button", name="Check the correction…").click()
    page.wait_for_function("document.getElementById('error').textContent.includes('cannot be corrected')")
    assert "too many corrections" in page.locator("#error").inner_text()
    screenshot(page, "admin-10-correction-409")


# ---------------------------------------------------------------------------- sign-in challenges (MFA)

SESSION = "AYABeFakeCognitoSession" + "x" * 40
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
OTPAUTH = f"otpauth://totp/vaxcert%20JM:admin.demo?secret={SECRET}&issuer=vaxcert%20JM"


class FakeCognito:
    """POST /v1/staff/session and /challenge answered like the deployed (MFA) pool: a scripted sequence."""

    def __init__(self, page: Page, stack: LocalStack, script: list[tuple[int, dict[str, Any]]]) -> None:
        self.script = script
        self.requests: list[dict[str, Any]] = []
        self.stack = stack
        page.route("**/v1/staff/session", self.answer)
        page.route("**/v1/staff/session/challenge", self.answer)

    def answer(self, route: Route) -> None:
        if route.request.method != "POST":  # sign-out (DELETE) goes to the real stack
            route.continue_()
            return
        body = json.loads(route.request.post_data or "{}")
        self.requests.append({"path": route.request.url.split("/v1/")[1], **body})
        status, reply = self.script.pop(0)
        if reply == {"token": "real"}:  # finish with a real token of the local pool
            who = "admin" if body.get("username", "").startswith("admin") else "facility"
            real = self.stack.request(
                "POST",
                "/v1/staff/session",
                {"username": self.stack.credentials[who]["username"],
                 "password": self.stack.credentials[who]["password"]},
            )  # fmt: skip
            reply = real.json()
        route.fulfill(status=status, content_type="application/json", body=json.dumps(reply))


def _challenge(kind: str, **extra: Any) -> tuple[int, dict[str, Any]]:
    messages = {
        "MFA_CODE": "Enter the 6-digit code from your authenticator app.",
        "MFA_SETUP": "Set up an authenticator app to continue.",
        "NEW_PASSWORD": "Choose a new password to continue.",
    }
    return 401, {
        "message": messages[kind],
        "challenge": kind,
        "session": SESSION,
        "username": "admin.demo",
        **extra,
    }


def test_admin_sign_in_new_password_then_mfa_setup(page: Page, stack: LocalStack) -> None:
    fake = FakeCognito(
        page,
        stack,
        [
            _challenge("NEW_PASSWORD"),
            _challenge("MFA_SETUP", secretCode=SECRET, otpauthUri=OTPAUTH),
            (
                401,
                {"message": "Wrong code. Check the authenticator app and try again.", "reason": "wrong_code"},
            ),
            (200, {"token": "real"}),
        ],
    )
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    _sign_in(page, stack)

    # New password: the policy is shown and checked before anything is sent.
    page.wait_for_selector("#challenge-form[data-challenge='NEW_PASSWORD']")
    assert page.evaluate("document.activeElement.id") == "challenge-heading"
    assert page.locator("#login-form").is_hidden()
    policy = page.locator("#password-policy").inner_text()
    for rule in ("12 characters", "upper-case", "lower-case", "number", "symbol"):
        assert rule in policy
    new_password = page.get_by_label("New password", exact=True)
    assert new_password.get_attribute("autocomplete") == "new-password"
    new_password.fill("short1A")
    page.get_by_role("button", name="Set password").click()
    assert "at least 12 characters" in page.locator("#new-password-error").inner_text()
    assert "symbol" in page.locator("#new-password-error").inner_text()
    assert len(fake.requests) == 1  # refused in the page
    new_password.fill("Kingston-Harbour-2024")
    assert page.locator('#password-policy li[data-met="true"]').count() == 5
    page.get_by_label("New password again").fill("Kingston-Harbour-2025")
    page.get_by_role("button", name="Set password").click()
    assert "not the same" in page.locator("#new-password-confirm-error").inner_text()
    page.get_by_label("New password again").fill("Kingston-Harbour-2024")
    screenshot(page, "signin-1-new-password")
    page.get_by_role("button", name="Set password").click()

    # MFA set-up: the secret grouped and copyable, the otpauth link, a one-time-code field.
    page.wait_for_selector("#challenge-form[data-challenge='MFA_SETUP']")
    assert fake.requests[1] == {
        "path": "staff/session/challenge", "username": "admin.demo", "session": SESSION,
        "challenge": "NEW_PASSWORD", "newPassword": "Kingston-Harbour-2024",
    }  # fmt: skip
    assert page.locator("#secret-code").inner_text() == "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP"
    link = page.get_by_role("link", name="open in authenticator app")
    assert link.get_attribute("href") == OTPAUTH
    page.get_by_role("button", name="Copy code").click()
    page.wait_for_selector("#secret-copy-status:not(:empty)")
    assert page.evaluate("navigator.clipboard.readText()") == SECRET
    code = page.get_by_label("6-digit code from the app")
    assert code.get_attribute("autocomplete") == "one-time-code"
    assert code.get_attribute("inputmode") == "numeric"
    assert_fits_width(page)
    screenshot(page, "signin-2-mfa-setup-phone")
    code.fill("12345")
    page.get_by_role("button", name="Verify code").click()
    assert "6 digits" in page.locator("#mfa-code-error").inner_text()
    code.fill("123 456")
    page.get_by_role("button", name="Verify code").click()
    page.wait_for_selector("#mfa-code-error:has-text('Wrong code')")  # the same step, to try again
    assert fake.requests[2]["code"] == "123456" and fake.requests[2]["challenge"] == "MFA_SETUP"
    code.fill("654321")
    page.get_by_role("button", name="Verify code").click()
    page.wait_for_selector("#console:not([hidden])")
    assert fake.requests[3]["code"] == "654321"
    assert page.locator("#challenge").is_hidden()


def test_facility_sign_in_with_mfa_code_and_expired_session(page: Page, stack: LocalStack) -> None:
    fake = FakeCognito(
        page,
        stack,
        [
            _challenge("MFA_CODE"),
            (401, {"message": "This sign-in has expired. Sign in again with your password.",
                   "reason": "session_expired"}),
            _challenge("MFA_CODE"),
            (200, {"token": "real"}),
        ],
    )  # fmt: skip
    page.goto("/facility")
    page.get_by_label("Username").fill("facility.demo")
    page.get_by_label("Password").fill("anything")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("#challenge-form[data-challenge='MFA_CODE']")
    code = page.get_by_label("6-digit code")
    assert code.get_attribute("autocomplete") == "one-time-code"
    screenshot(page, "signin-3-facility-mfa-code")
    code.fill("111111")
    page.get_by_role("button", name="Verify code").click()

    # The challenge expired: back to the password, with the reason.
    page.wait_for_selector("#login-form:not([hidden])")
    assert "expired" in page.locator("#error").inner_text()
    assert page.evaluate("document.activeElement.id") == "password"
    page.get_by_label("Password").fill("anything")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("6-digit code").fill("222222")
    page.get_by_role("button", name="Verify code").click()
    page.wait_for_selector("#desk:not([hidden])")
    assert [r["path"] for r in fake.requests] == [
        "staff/session", "staff/session/challenge", "staff/session", "staff/session/challenge",
    ]  # fmt: skip
    assert fake.requests[3] == {
        "path": "staff/session/challenge", "username": "admin.demo", "session": SESSION,
        "challenge": "MFA_CODE", "code": "222222",
    }  # fmt: skip

    # "Start again" on a challenge returns to the password step.
    page.get_by_role("button", name="Sign out").click()
    fake.script.append(_challenge("MFA_CODE"))
    page.get_by_label("Password").fill("anything")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Start again").click()
    assert page.locator("#login-form").is_visible() and page.locator("#challenge").is_hidden()


def test_admin_keyboard_skip_link_labels_and_tabs(page: Page, stack: LocalStack) -> None:
    page.goto("/admin")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    _sign_in(page, stack)
    page.wait_for_selector("#console:not([hidden])")
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input, textarea, select')]
            .filter(e => e.offsetParent !== null && e.type !== 'hidden')
            .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
            .map(e => e.id || e.name)"""
    )
    assert unlabelled == []
    # Tabs: arrow keys move between them (WAI-ARIA tabs).
    page.get_by_role("tab", name="Certificates").focus()
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.id") == "tab-audit"
    assert page.get_by_role("tab", name="Audit trail").get_attribute("aria-selected") == "true"
    assert page.locator("#panel-audit").is_visible() and page.locator("#panel-certificates").is_hidden()
    page.keyboard.press("End")
    assert page.evaluate("document.activeElement.id") == "tab-keys"
    page.wait_for_selector("#keys-table, #keys .alert")
    page.keyboard.press("ArrowLeft")
    assert page.evaluate("document.activeElement.id") == "tab-dashboard"
    page.wait_for_selector("#issued-chart, #dashboard .alert")
