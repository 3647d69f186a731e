"""Browser fixtures (headless Debian Chromium driven by Python Playwright) and helpers for the web page tests.

Never `playwright install`: the Chromium of the OS package is used. Screenshots go to
test-artifacts/screenshots/ (gitignored).
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import ROOT

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Playwright, ViewportSize

    from tests.e2e.conftest import LocalStack

SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}


def chromium_path() -> str:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Chromium is not installed (apt-get install -y chromium)")
    return chromium


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """One Playwright per test process: its sync API runs an event loop that a second one cannot share."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright Python package is not installed")
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    instance = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
    yield instance
    instance.close()


@pytest.fixture
def context(browser: Browser, stack: LocalStack) -> Iterator[BrowserContext]:
    """A fresh profile per test (no cached lists, no service worker), phone-sized, on the stack's origin.

    bypass_csp: Playwright evaluates string predicates (wait_for_function) with eval, which the pages' CSP
    forbids; tests/e2e/test_web_verifier_scan.py runs the verifier under the real CSP."""
    ctx = browser.new_context(
        base_url=stack.api, viewport=PHONE, locale="en-JM", service_workers="allow", bypass_csp=True
    )
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    errors: list[str] = []
    tab = context.new_page()
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    assert not errors, f"uncaught errors in the page: {errors}"


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def moto_endpoint(stack: LocalStack) -> str:
    """The stack's moto server, from the line it prints at start ("Moto (AWS)  http://127.0.0.1:PORT")."""

    def find() -> str | None:
        found = re.search(r"Moto \(AWS\)\s+(http://127\.0\.0\.1:\d+)", stack.log_file.read_text())
        return found.group(1) if found else None

    return str(stack.wait_for(find))


def _certificates_table(stack: LocalStack) -> Any:
    import boto3

    resource = boto3.resource(
        "dynamodb",
        endpoint_url=moto_endpoint(stack),
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    names = [t.name for t in resource.tables.all() if "certificates" in t.name.lower()]
    assert names, "no certificates table in the local stack"
    return resource.Table(names[0])


def certificates_for_mobile(stack: LocalStack, e164: str) -> list[dict[str, Any]]:
    """Certificate items (hcid, qr, status, ...) of one mobile number, read straight from moto's DynamoDB."""
    from boto3.dynamodb.conditions import Attr

    table = _certificates_table(stack)
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"FilterExpression": Attr("mobile").eq(e164)}
    while True:
        page = table.scan(**kwargs)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def issue_and_wait(
    stack: LocalStack, form: dict[str, Any], e164: str, count: int = 1
) -> list[dict[str, Any]]:
    """Ingest a CommCare form and wait until the queue worker has issued the certificate(s)."""
    response = stack.ingest(form)
    assert response.status in (200, 201, 202), response.body

    def issued() -> list[dict[str, Any]] | None:
        found = certificates_for_mobile(stack, e164)
        return found if len(found) >= count else None

    return list(stack.wait_for(issued))


def unique_mobile() -> tuple[str, str]:
    """(the form's local format, E.164) of a number no other test uses."""
    digits = f"{time.time_ns() // 1000 % 8_000_000 + 2_000_000:07d}"  # exchange codes start with 2-9
    return f"876-{digits[:3]}-{digits[3:]}", f"+1876{digits}"


def assert_fits_width(page: Page) -> None:
    """Nothing wider than the viewport (no sideways scrolling on a phone)."""
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"page is {overflow}px wider than the viewport"
