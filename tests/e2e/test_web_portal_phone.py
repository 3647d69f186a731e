"""The certificate on the citizen's phone (issue 14 section 3, issue 16 section 5) in headless Chromium.

Phone-sized: the QR on screen decodes (zxing-cpp, from a screenshot) to the certificate's HC1 and, switched,
to its SMART Health Card; full screen; the latest dose marked; "Keep on this phone" shows the certificate
with the network cut and no session; "Add to health wallet" downloads the .smart-health-card file; the code
step says "Sending…", how many tries are left, and after a minute what to check.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import zxingcpp
from PIL import Image

from tests.e2e.browser import assert_fits_width, issue_and_wait, screenshot, unique_mobile
from tests.e2e.test_web_portal import _request_code, _sign_in

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Locator, Page

    from tests.e2e.conftest import LocalStack

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def _decoded(target: Locator | Page) -> list[str]:
    """QR codes read by zxing-cpp from a screenshot of the element (or the visible page)."""
    image = Image.open(io.BytesIO(target.screenshot())).convert("L")
    return [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]


def _shc_text(jws: str) -> str:
    return "shc:/" + "".join(f"{ord(c) - 45:02d}" for c in jws)


def _issue(
    stack: LocalStack, new_form: Callable[..., dict[str, Any]], **fields: Any
) -> tuple[str, str, dict[str, Any]]:
    local, e164 = unique_mobile()
    [certificate] = issue_and_wait(stack, new_form(mobile_number=local, **fields), e164)
    return local, e164, certificate


def test_phone_shows_the_qr_that_scans_to_the_hc1_then_the_health_card(
    page: Page, stack: LocalStack, new_form: Callable[..., dict[str, Any]]
) -> None:
    local, e164 = unique_mobile()
    issue_and_wait(stack, new_form(mobile_number=local, first_name="Shanice", dose_number="1"), e164)
    dose_2 = {"dose_number": "2", "vaccination_date": "2022-01-05", "next_dose_due": ""}
    second = new_form(mobile_number=local, first_name="Shanice", **dose_2)
    certificates = issue_and_wait(stack, second, e164, count=2)
    dose2 = next(c for c in certificates if json.loads(c["record"])["vaccination"]["dose"] == 2)
    _sign_in(page, stack, local, e164)
    assert_fits_width(page)

    card = page.locator(f'.cert-card[data-hcid="{dose2["hcid"]}"]')
    # The latest dose is marked; the other one is not.
    assert "latest dose" in card.inner_text().lower()
    assert page.locator(".cert-card--latest").count() == 1
    # Holder's name and dose beside the QR.
    caption = card.locator(".qr-caption").inner_text()
    assert "Shanice" in caption and "Dose 2 of 2" in caption
    qr = card.locator(".qr-figure svg")
    assert qr.bounding_box()["width"] >= 250  # type: ignore[index]  # large on a 390 px screen
    screenshot(page, "portal-phone-1-qr", full_page=False)
    assert _decoded(qr) == [dose2["qr"]]

    # The switch to the SMART Health Card.
    card.get_by_role("button", name="SMART Health Card").click()
    assert card.get_by_role("button", name="SMART Health Card").get_attribute("aria-pressed") == "true"
    assert _decoded(card.locator(".qr-figure svg")) == [_shc_text(dose2["shc"])]
    screenshot(page, "portal-phone-2-shc", full_page=False)

    # Full screen for a counter: the code fills the screen, with the name and dose.
    card.get_by_role("button", name="Full screen").click()
    dialog = page.locator("#qr-dialog")
    dialog.wait_for(state="visible")
    assert "Shanice" in dialog.inner_text() and "Dose 2 of 2" in dialog.inner_text()
    assert dialog.locator("svg").bounding_box()["width"] >= 340  # type: ignore[index]
    assert _decoded(dialog.locator("svg")) == [_shc_text(dose2["shc"])]
    screenshot(page, "portal-phone-3-full-screen", full_page=False)
    page.get_by_role("button", name="Close").click()
    dialog.wait_for(state="hidden")


def test_superseded_and_revoked_are_collapsed_and_marked(
    page: Page, stack: LocalStack, new_form: Callable[..., dict[str, Any]]
) -> None:
    local, e164, certificate = _issue(stack, new_form, first_name="Omari")
    admin = stack.staff_token("admin")
    revoked = stack.request(
        "POST",
        f"/v1/admin/certificates/{certificate['hcid']}/revoke",
        {"reason": "entered twice"},
        {"Authorization": f"Bearer {admin}"},
    )
    assert revoked.status == 200, revoked.body
    _sign_in(page, stack, local, e164)
    card = page.locator(f'.cert-card[data-hcid="{certificate["hcid"]}"]')
    assert "cert-card--inactive" in (card.get_attribute("class") or "")
    assert card.locator("details").get_attribute("open") is None  # collapsed
    assert "revoked" in card.inner_text().lower()
    assert card.locator(".qr-figure").count() == 0  # no QR to show at a counter
    card.locator("summary").click()
    assert "no longer valid" in card.inner_text()


def test_kept_on_this_phone_shows_offline_without_a_session(
    context: BrowserContext, page: Page, stack: LocalStack, new_form: Callable[..., dict[str, Any]]
) -> None:
    local, e164, certificate = _issue(stack, new_form, first_name="Tashana")
    _sign_in(page, stack, local, e164)
    # The service worker controls the page (it precached the portal).
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    card = page.locator(f'.cert-card[data-hcid="{certificate["hcid"]}"]')
    card.get_by_role("button", name="Keep on this phone").click()
    assert "Kept on this phone" in card.inner_text()
    stored = page.evaluate("JSON.parse(localStorage.getItem('vaxcert.kept.v1'))")
    kept = stored["certificates"][certificate["hcid"]]
    assert kept["qr"] == certificate["qr"] and kept["shcQr"] == _shc_text(certificate["shc"])
    # Not the token, not the PDF, not the mobile number.
    text = json.dumps(stored)
    token = page.evaluate("JSON.parse(sessionStorage.getItem('vaxcert.citizen.session')).token")
    assert token not in text and e164[-7:] not in text and "pdf" not in text.lower()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_selector("#step-mobile:not([hidden])")
    context.set_offline(True)
    try:
        response = page.reload()
        assert response is not None and response.from_service_worker
        page.wait_for_selector("#kept:not([hidden])")
        assert page.evaluate("sessionStorage.length") == 0
        reach = "fetch('/v1/citizen/certificates').then(() => 'reached', () => 'offline')"
        assert page.evaluate(reach) == "offline"
        kept_card = page.locator(f'.kept-card[data-hcid="{certificate["hcid"]}"]')
        assert "Tashana" in kept_card.inner_text()
        assert "Saved on this phone on" in kept_card.inner_text()
        assert _decoded(kept_card.locator(".qr-figure svg")) == [certificate["qr"]]
        screenshot(page, "portal-phone-4-kept-offline", full_page=False)
        kept_card.get_by_role("button", name="Remove from this phone").click()
        page.wait_for_selector("#kept[hidden]", state="attached")
        assert page.evaluate("localStorage.getItem('vaxcert.kept.v1')") is None
    finally:
        context.set_offline(False)


def test_add_to_health_wallet_downloads_the_smart_health_card_file(
    page: Page, stack: LocalStack, new_form: Callable[..., dict[str, Any]], tmp_path: Path
) -> None:
    local, e164, certificate = _issue(stack, new_form, first_name="Dwayne")
    _sign_in(page, stack, local, e164)
    card = page.locator(f'.cert-card[data-hcid="{certificate["hcid"]}"]')
    with page.expect_download() as download_info:
        card.get_by_role("button", name="Add to health wallet").click()
    download = download_info.value
    assert download.suggested_filename == f"{certificate['hcid']}.smart-health-card"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert json.loads(saved.read_text()) == {"verifiableCredential": [certificate["shc"]]}


def test_code_step_sending_tries_left_and_help_after_a_minute(page: Page) -> None:
    page.clock.install()
    pending: list[Any] = []
    page.route("**/v1/citizen/otp", lambda route: pending.append(route))
    page.goto("/")
    local, _ = unique_mobile()
    page.get_by_role("textbox", name="Mobile number").fill(local)
    button = page.locator("#mobile-form button[type=submit]")
    button.click()
    page.wait_for_function(
        "document.querySelector('#mobile-form button[type=submit]').textContent === 'Sending…'"
    )
    assert button.is_disabled()
    page.wait_for_function("true")  # let the route handler run
    assert pending, "the code request was not sent"
    pending[0].fulfill(status=202, content_type="application/json", body='{"message": "sent"}')
    page.wait_for_selector("#step-code:not([hidden])")
    assert button.inner_text() == "Send me a code"

    # A wrong code says how many tries are left (the `triesLeft` field of the 401 body).
    page.route(
        "**/v1/citizen/session",
        lambda route: route.fulfill(
            status=401,
            content_type="application/json",
            body='{"message": "wrong code", "reason": "wrong", "triesLeft": 2}',
        ),
    )
    page.get_by_label("6-digit code").fill("123456")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_selector("#otp-error:not(:empty)")
    assert "2 tries left" in page.locator("#otp-error").inner_text()

    # No code after a minute: what to check and where to get help.
    assert page.locator("#code-help").is_hidden()
    page.clock.fast_forward(61_000)
    page.wait_for_selector("#code-help:not([hidden])")
    assert "vaccination site" in page.locator("#code-help").inner_text()
    screenshot(page, "portal-phone-5-code-help", full_page=False)


def test_tries_left_absent_keeps_the_plain_message(page: Page) -> None:
    local, _ = unique_mobile()
    _request_code(page, local)
    page.route(
        "**/v1/citizen/session",
        lambda route: route.fulfill(
            status=401, content_type="application/json", body='{"message": "wrong", "reason": "wrong"}'
        ),
    )
    page.get_by_label("6-digit code").fill("123456")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_selector("#otp-error:not(:empty)")
    assert page.locator("#otp-error").inner_text() == "That code is not right. Check the SMS and try again."


def test_a_certificate_without_a_card_shows_its_hc1_only(
    page: Page, stack: LocalStack, new_form: Callable[..., dict[str, Any]]
) -> None:
    """Certificates issued before SMART Health Cards (shcQr null): no switch, no wallet button."""
    local, e164, certificate = _issue(stack, new_form, first_name="Nadia")

    def without_cards(route: Any) -> None:
        response = route.fetch()
        data = response.json()
        for row in data["certificates"]:
            row["shcQr"] = None
        route.fulfill(response=response, json=data)

    page.route("**/v1/citizen/certificates", without_cards)
    _sign_in(page, stack, local, e164)
    card = page.locator(f'.cert-card[data-hcid="{certificate["hcid"]}"]')
    assert card.get_by_role("button", name="SMART Health Card").count() == 0
    assert card.get_by_role("button", name="Add to health wallet").count() == 0
    assert _decoded(card.locator(".qr-figure svg")) == [certificate["qr"]]


def test_print_view_shows_the_holder_and_both_qr_codes(
    page: Page, stack: LocalStack, new_form: Callable[..., dict[str, Any]]
) -> None:
    local, e164, certificate = _issue(stack, new_form, first_name="Kerry-Ann")
    page.add_init_script("window.print = () => { window.printed = (window.printed || 0) + 1; };")
    _sign_in(page, stack, local, e164)
    page.locator(f'.cert-card[data-hcid="{certificate["hcid"]}"]').get_by_role("button", name="Print").click()
    assert page.evaluate("window.printed") == 1
    page.emulate_media(media="print")
    sheet = page.locator("#print-view")
    assert sheet.is_visible() and page.locator("#step-list").is_hidden()
    assert "Kerry-Ann" in sheet.inner_text() and certificate["hcid"] in sheet.inner_text()
    screenshot(page, "portal-phone-6-print-view")
    found = set(_decoded(page))
    assert {certificate["qr"], _shc_text(certificate["shc"])} <= found
    page.emulate_media(media="screen")


def test_the_offline_verifier_page_checks_our_health_card(
    context: BrowserContext, page: Page, stack: LocalStack, new_form: Callable[..., dict[str, Any]]
) -> None:
    """Our card's key is in /v1/trust-list under our iss: /verify checks the card on the device."""
    from tests.e2e.test_web_verifier import _open, _verify

    _, _, certificate = _issue(stack, new_form, first_name="Jodi-Ann")
    _open(page)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("navigator.serviceWorker.controller !== null || (location.reload(), false)")
    context.set_offline(True)
    try:
        page.reload()
        page.wait_for_function("document.documentElement.dataset.verifierReady === 'true'")
        assert _verify(page, _shc_text(certificate["shc"])) == "VALID"
        assert "Jodi-Ann" in page.locator("#result").inner_text()
    finally:
        context.set_offline(False)
