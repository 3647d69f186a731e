"""The citizen portal (/) and the facility print page (/facility) in headless Chromium (local stack)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.browser import DESKTOP, assert_fits_width, issue_and_wait, screenshot, unique_mobile

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.e2e.conftest import LocalStack

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def _family(
    stack: LocalStack, new_form: Callable[..., dict[str, Any]]
) -> tuple[str, str, list[dict[str, Any]]]:
    """Two people sharing one new mobile number, each with one certificate."""
    local, e164 = unique_mobile()
    stack.ingest(
        new_form(mobile_number=local, first_name="Tamika", last_name="Reid", date_of_birth="1990-05-17")
    )
    certificates = issue_and_wait(
        stack,
        new_form(mobile_number=local, first_name="Andre", last_name="Reid", date_of_birth="2005-11-02"),
        e164,
        count=2,
    )
    return local, e164, certificates


def _login_code(stack: LocalStack, e164: str, seen: int = 0) -> str:
    def codes() -> list[str]:
        found = []
        for sms in stack.sms():
            match = re.search(r"login code is (\d{6})", sms["message"])
            if sms["to"] == e164 and match:
                found.append(match.group(1))
        return found

    return str(stack.wait_for(lambda: len(codes()) > seen and codes())[-1])


def _request_code(page: Page, local: str) -> None:
    page.goto("/")
    page.get_by_role("textbox", name="Mobile number").fill(local)
    page.get_by_role("button", name="Send me a code").click()
    page.wait_for_selector("#step-code:not([hidden])")


def _sign_in(page: Page, stack: LocalStack, local: str, e164: str) -> None:
    _request_code(page, local)
    page.get_by_label("6-digit code").fill(_login_code(stack, e164))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_selector("#step-list:not([hidden])")


def test_citizen_flow_code_list_preview_download_sign_out(
    page: Page, stack: LocalStack, new_form: Callable[..., dict[str, Any]], tmp_path: Path
) -> None:
    local, e164, certificates = _family(stack, new_form)
    page.goto("/")
    assert page.get_attribute("html", "lang") == "en"
    screenshot(page, "portal-1-mobile")

    # Client-side check of the number.
    page.get_by_role("textbox", name="Mobile number").fill("12345")
    page.get_by_role("button", name="Send me a code").click()
    assert "10-digit Jamaican mobile number" in page.locator("#mobile-error").inner_text()
    assert page.get_by_role("textbox", name="Mobile number").get_attribute("aria-invalid") == "true"

    _request_code(page, local)
    otp = page.get_by_label("6-digit code")
    assert otp.get_attribute("autocomplete") == "one-time-code"
    assert otp.get_attribute("inputmode") == "numeric"
    assert "876•••" in page.locator("#code-sent").inner_text()
    code = _login_code(stack, e164)

    # A wrong code: a clear error on the field, and the real code still works afterwards.
    otp.fill("000000" if code != "000000" else "111111")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_selector("#otp-error:not(:empty)")
    assert "not right" in page.locator("#otp-error").inner_text()
    screenshot(page, "portal-2-wrong-code")

    otp.fill(code)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_selector("#step-list:not([hidden])")
    cards = page.locator(".cert-card")
    assert cards.count() == 2
    text = page.locator("#certificates").inner_text()
    assert "Tamika Reid" in text and "Andre Reid" in text
    assert "dose 1 of 2" in text.lower() and "valid" in text.lower()
    assert page.evaluate("Object.keys(localStorage).filter(k => k.includes('citizen')).length") == 0
    assert_fits_width(page)
    screenshot(page, "portal-3-list")

    # Preview: the PDF comes back and is shown in an iframe.
    card = page.locator(".cert-card", has_text="Tamika Reid")
    hcid = card.get_attribute("data-hcid")
    assert hcid in {c["hcid"] for c in certificates}
    with page.expect_response(lambda r: r.url.endswith(f"/v1/citizen/certificates/{hcid}/pdf")) as response:
        card.get_by_role("button", name="Preview").click()
    assert response.value.status == 200
    assert response.value.headers["content-type"].startswith("application/pdf")
    page.wait_for_selector(f'.cert-card[data-hcid="{hcid}"] iframe[data-loaded="true"]')
    assert card.locator("iframe").get_attribute("src", timeout=1000).startswith("blob:")  # type: ignore[union-attr]
    page.set_viewport_size(DESKTOP)
    screenshot(page, "portal-4-preview-desktop")

    # Download.
    with page.expect_download() as download_info:
        card.get_by_role("button", name="Download PDF").click()
    download = download_info.value
    assert download.suggested_filename == f"vaccination-certificate-{hcid}.pdf"
    saved = tmp_path / "certificate.pdf"
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_selector("#step-mobile:not([hidden])")
    assert "signed out" in page.locator("#notice").inner_text()
    assert page.evaluate("sessionStorage.length") == 0


def test_citizen_expired_code_message(page: Page, stack: LocalStack) -> None:
    local, _ = unique_mobile()
    _request_code(page, local)
    page.route(
        "**/v1/citizen/session",
        lambda route: route.fulfill(
            status=401,
            content_type="application/json",
            body='{"message": "code expired, send a new one", "reason": "expired"}',
        ),
    )
    page.get_by_label("6-digit code").fill("123456")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_selector("#otp-error:not(:empty)")
    assert page.locator("#otp-error").inner_text() == "Code expired, send a new one."
    assert page.get_by_role("button", name="Send a new code").is_visible()


def test_citizen_rate_limit_message(page: Page) -> None:
    page.route(
        "**/v1/citizen/otp",
        lambda route: route.fulfill(
            status=429,
            headers={"Retry-After": "600"},
            content_type="application/json",
            body='{"message": "too many requests, try again later"}',
        ),
    )
    page.goto("/")
    page.get_by_role("textbox", name="Mobile number").fill("876-555-0101")
    page.get_by_role("button", name="Send me a code").click()
    page.wait_for_selector("#error:not(:empty)")
    assert "Try again in 10 minutes" in page.locator("#error").inner_text()


def test_citizen_expired_session_returns_to_sign_in(
    page: Page, stack: LocalStack, new_form: Callable[..., dict[str, Any]]
) -> None:
    local, e164 = unique_mobile()
    issue_and_wait(stack, new_form(mobile_number=local), e164)
    _sign_in(page, stack, local, e164)

    # The server no longer accepts the token (expired or revoked): the next call sends the user back.
    page.evaluate(
        """() => {
        const key = 'vaxcert.citizen.session';
        const value = JSON.parse(sessionStorage.getItem(key));
        value.token = value.token.slice(0, -4) + 'AAAA';
        sessionStorage.setItem(key, JSON.stringify(value));
    }"""
    )
    page.locator(".cert-card").first.get_by_role("button", name="Preview").click()
    page.wait_for_selector("#step-mobile:not([hidden])")
    assert "session has ended" in page.locator("#notice").inner_text()
    assert page.evaluate("sessionStorage.length") == 0
    screenshot(page, "portal-5-session-ended")

    # A token past its expiry is dropped on the next load.
    _sign_in(page, stack, local, e164)
    page.evaluate(
        """() => {
        const key = 'vaxcert.citizen.session';
        const value = JSON.parse(sessionStorage.getItem(key));
        value.expiresAt = Date.now() - 1000;
        sessionStorage.setItem(key, JSON.stringify(value));
    }"""
    )
    page.reload()
    page.wait_for_selector("#step-mobile:not([hidden])")
    assert page.locator("#step-list").is_hidden()


def _staff_sign_in(page: Page, stack: LocalStack) -> None:
    page.goto("/facility")
    page.get_by_label("Username").fill(stack.credentials["facility"]["username"])
    page.get_by_label("Password").fill(stack.credentials["facility"]["password"])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("#desk:not([hidden])")


def test_facility_sign_in_search_and_print(
    page: Page, stack: LocalStack, new_form: Callable[..., dict[str, Any]]
) -> None:
    local, _, certificates = _family(stack, new_form)
    page.goto("/facility")
    screenshot(page, "facility-1-sign-in")
    page.get_by_label("Username").fill(stack.credentials["facility"]["username"])
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("#error:not(:empty)")
    assert page.locator("#error").inner_text() == "Wrong username or password."

    _staff_sign_in(page, stack)
    assert stack.credentials["facility"]["username"] in page.locator("#signed-in").inner_text()

    # By mobile number: both people on the number.
    page.get_by_role("textbox", name="Mobile number").fill(local)
    page.get_by_role("button", name="Search").click()
    page.wait_for_selector("#results table")
    assert page.locator("#results tbody tr").count() == 2
    assert page.locator("#results-summary").inner_text() == "2 certificates found"
    assert_fits_width(page)
    screenshot(page, "facility-2-results-phone")

    # By date of birth and name (accent- and case-insensitive prefix).
    page.get_by_role("radio", name="Date of birth and name").check()
    page.get_by_label("Date of birth", exact=True).fill("2005-11-02")
    page.get_by_label("Name", exact=True).fill("andré")
    page.get_by_role("button", name="Search").click()
    page.wait_for_selector("#results tbody tr")
    rows = page.locator("#results tbody tr")
    andre = next(c for c in certificates if c["dob"] == "2005-11-02")
    assert rows.count() >= 1
    row = page.locator(f'#results tbody tr[data-hcid="{andre["hcid"]}"]')
    assert "Andre Reid" in row.inner_text()

    # Print: the PDF is fetched with the token, loaded in the iframe, the print dialog asked for.
    with page.expect_response(
        lambda r: r.url.endswith(f"/v1/facility/certificates/{andre['hcid']}/pdf")
    ) as pdf:
        row.get_by_role("button", name=re.compile("^Print")).click()
    assert pdf.value.status == 200
    assert pdf.value.headers["content-type"].startswith("application/pdf")
    page.wait_for_selector('#print-frame[data-loaded="true"]')
    page.wait_for_selector(f'#results tr[data-hcid="{andre["hcid"]}"][data-printed="true"]')
    assert row.locator(".print-status").inner_text() == "Sent to printer"
    page.set_viewport_size(DESKTOP)
    screenshot(page, "facility-3-printed-desktop")


def test_facility_search_errors_and_expired_session(page: Page, stack: LocalStack) -> None:
    _staff_sign_in(page, stack)
    page.get_by_role("radio", name="Date of birth and name").check()
    page.get_by_label("Date of birth", exact=True).fill("1990-05-17")
    page.get_by_role("button", name="Search").click()
    assert "at least 2 letters" in page.locator("#search-name-error").inner_text()  # dob alone: refused

    # The server side refuses too (the page's own check bypassed).
    token = page.evaluate("JSON.parse(sessionStorage.getItem('vaxcert.facility.session')).token")
    refused = stack.request(
        "GET", "/v1/facility/certificates?dob=1990-05-17", headers={"Authorization": f"Bearer {token}"}
    )
    assert refused.status in (400, 422)

    page.evaluate(
        """() => {
        const key = 'vaxcert.facility.session';
        const value = JSON.parse(sessionStorage.getItem(key));
        value.token = 'expired.' + value.token.slice(8);
        sessionStorage.setItem(key, JSON.stringify(value));
    }"""
    )
    page.get_by_label("Name", exact=True).fill("Reid")
    page.get_by_role("button", name="Search").click()
    page.wait_for_selector("#login:not([hidden])")
    assert "session has ended" in page.locator("#notice").inner_text()


@pytest.mark.parametrize("path", ["/", "/verify", "/facility"])
def test_keyboard_skip_link_and_labelled_controls(page: Page, path: str) -> None:
    page.goto(path)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # Every visible form control has a label (its accessible name is not empty).
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input, textarea, select')]
            .filter(e => e.offsetParent !== null && e.type !== 'hidden')
            .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
            .map(e => e.id || e.name)"""
    )
    assert unlabelled == []
