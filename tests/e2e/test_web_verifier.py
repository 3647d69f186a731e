"""The offline web verifier (/verify) in headless Chromium: valid, tampered, unknown issuer, offline after the
first load, and the in-page JS modules against the EU dgc-testdata vectors."""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import cbor2
import pytest

from tests.conformance_data import conformance_path
from tests.e2e.browser import DESKTOP, assert_fits_width, issue_and_wait, screenshot, unique_mobile
from vaxcert.formats import base45

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

    from tests.e2e.conftest import LocalStack

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

SIGNATURE_CHECKED = {"VALID", "REVOKED", "EXPIRED", "NOT_YET_VALID"}


def _issue(stack: LocalStack, new_form: Callable[..., dict[str, Any]], **changes: Any) -> dict[str, Any]:
    local, e164 = unique_mobile()
    return issue_and_wait(stack, new_form(mobile_number=local, **changes), e164)[0]


def _open(page: Page) -> None:
    page.goto("/verify")
    page.wait_for_function("document.documentElement.dataset.verifierReady === 'true'")


def _verify(page: Page, qr: str) -> str:
    page.evaluate("document.getElementById('result').dataset.status = ''")
    page.fill("#qr-text", qr)
    page.get_by_role("button", name="Verify", exact=True).click()
    page.wait_for_function("document.getElementById('result').dataset.status !== ''")
    return str(page.locator("#result").get_attribute("data-status"))


def _field(page: Page, label: str) -> str:
    return page.locator(f'#result dd[data-field="{label}"]').inner_text()


def _hc1_parts(qr: str) -> list[Any]:
    sign1 = cbor2.loads(zlib.decompress(base45.decode(qr[4:])))
    return list(sign1.value if isinstance(sign1, cbor2.CBORTag) else sign1)


def _hc1_from_parts(parts: list[Any]) -> str:
    return "HC1:" + base45.encode(zlib.compress(cbor2.dumps(cbor2.CBORTag(18, parts)), 9))


def test_valid_certificate_shows_valid_with_minimal_data(
    page: Page, stack: LocalStack, new_form: Callable[..., dict[str, Any]]
) -> None:
    certificate = _issue(stack, new_form, first_name="Shanique", last_name="Ellis-Brown", dose_number="2")
    _open(page)
    assert "Trust list updated less than a minute ago" in page.locator("#trust-age").inner_text()
    assert page.locator("#result").get_attribute("aria-live") == "polite"
    assert page.get_attribute("html", "lang") == "en"

    assert _verify(page, certificate["qr"]) == "VALID"
    assert page.locator("#verdict-title").inner_text() == "VALID"
    assert _field(page, "Name") == "Shanique Ellis-Brown"
    assert _field(page, "Dose") == "2 of 2"
    assert _field(page, "Date of birth") == "7 March 1984"
    assert _field(page, "Certificate ID") == certificate["hcid"]
    assert _field(page, "Country") == "Jamaica"  # countries by name, not code
    assert "Comirnaty" in _field(page, "Vaccine")
    assert "Trust list updated" in page.locator("#result").inner_text()
    assert_fits_width(page)
    screenshot(page, "verifier-valid-phone")
    page.set_viewport_size(DESKTOP)
    screenshot(page, "verifier-valid-desktop")


def test_tampered_certificates_are_not_valid(
    page: Page, stack: LocalStack, new_form: Callable[..., dict[str, Any]]
) -> None:
    qr = str(_issue(stack, new_form)["qr"])
    _open(page)

    # One character changed in the Base45 text: the zlib checksum or the signature catches it.
    position = len(qr) // 2
    changed = "A" if qr[position] != "A" else "B"
    tampered = qr[:position] + changed + qr[position + 1 :]
    assert _verify(page, tampered) in {"SIGNATURE_INVALID", "MALFORMED"}
    assert page.locator("#verdict-title").inner_text() == "NOT VALID"
    assert page.locator('#result dd[data-field="Name"]').count() == 0  # no unverified data shown

    # The name changed inside a well-formed certificate, signature kept: the signature check catches it.
    parts = _hc1_parts(qr)
    claims = cbor2.loads(parts[2])
    claims[-260][1]["nam"]["gn"] = "Mallory"
    parts[2] = cbor2.dumps(claims)
    assert _verify(page, _hc1_from_parts(parts)) == "SIGNATURE_INVALID"
    assert "Signature invalid" in page.locator("#result").inner_text()
    screenshot(page, "verifier-signature-invalid")

    assert _verify(page, "HC1:this is not base45!") == "MALFORMED"
    assert _verify(page, "hello") == "MALFORMED"
    assert "not a recognised vaccination certificate" in page.locator("#result-reason").inner_text().lower()


def test_certificate_from_an_unknown_issuer(
    page: Page, stack: LocalStack, new_form: Callable[..., dict[str, Any]]
) -> None:
    from tests.signing import es256_signer, self_signed_dsc
    from vaxcert.formats.hc1 import encode_hc1, kid_for_certificate

    qr = str(_issue(stack, new_form)["qr"])
    hcert = cbor2.loads(_hc1_parts(qr)[2])[-260]
    key, der = self_signed_dsc(country="XK")
    now = datetime.now(UTC)
    foreign = encode_hc1(
        hcert,
        issuer_country="XK",
        issued_at=now,
        expires_at=now + timedelta(days=365),
        kid=kid_for_certificate(der),
        sign=es256_signer(key),  # type: ignore[arg-type]
    )
    _open(page)
    assert _verify(page, foreign) == "UNKNOWN_ISSUER"
    # Amber "cannot check", not a red NOT VALID: what the QR says is shown, marked as not verified.
    assert page.locator("#verdict-title").inner_text() == "CANNOT CHECK THIS ISSUER"
    assert "result--caution" in str(page.locator("#result").get_attribute("class"))
    assert "not verified" in page.locator("#result").inner_text()
    assert page.locator('#result dl[data-verified="false"] dd[data-field="Name"]').count() == 1
    screenshot(page, "verifier-unknown-issuer")


def test_works_offline_after_the_first_load(
    context: BrowserContext, page: Page, stack: LocalStack, new_form: Callable[..., dict[str, Any]]
) -> None:
    qr = str(_issue(stack, new_form, first_name="Devon")["qr"])
    _open(page)
    # The service worker has installed (precached the page, scripts and styles) and controls the page.
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("navigator.serviceWorker.controller !== null || (location.reload(), false)")

    context.set_offline(True)
    try:
        response = page.reload()
        assert response is not None and response.from_service_worker
        page.wait_for_function("document.documentElement.dataset.verifierReady === 'true'")
        assert page.evaluate("fetch('/v1/trust-list').then(() => 'reached', () => 'offline')") == "offline"
        assert page.locator("#network-status").inner_text().startswith("Offline")
        assert "Trust list updated" in page.locator("#trust-age").inner_text()
        assert _verify(page, qr) == "VALID"
        assert _field(page, "Name").startswith("Devon ")
        screenshot(page, "verifier-offline-valid")
        # A fresh tab in the same profile, still offline: served by the service worker.
        second = context.new_page()
        second.goto("/verify")
        second.wait_for_function("document.documentElement.dataset.verifierReady === 'true'")
        assert _verify(second, qr) == "VALID"
        second.close()
    finally:
        context.set_offline(False)


def test_without_a_revocation_list_it_says_so(page: Page, stack: LocalStack) -> None:
    # A deployment whose list is not published yet (before `vaxcert keys init`): the server says 404.
    page.route(
        "**/v1/revocation-list",
        lambda route: route.fulfill(
            status=404, content_type="application/json", body='{"message":"no revocation list"}'
        ),
    )
    _open(page)
    assert "No revocation list" in page.locator("#revocation-age").inner_text()


def _uci_hash(uci: str) -> str:
    return base64.b64encode(hashlib.sha256(uci.encode()).digest()[:16]).decode()


def _revoke(stack: LocalStack, hcid: str) -> dict[str, Any]:
    """Revoke through the admin API and wait until the published revocation list has the UCI's hash."""
    admin = stack.credentials["admin"]
    signed_in = stack.request(
        "POST", "/v1/staff/session", {"username": admin["username"], "password": admin["password"]}
    )
    token = signed_in.json()["token"]
    revoked = stack.request(
        "POST",
        f"/v1/admin/certificates/{hcid}/revoke",
        {"reason": "verifier test"},
        {"Authorization": f"Bearer {token}"},
    )
    assert revoked.status == 200, revoked.body
    return revoked.json()


def _published_with(stack: LocalStack, *ucis: str) -> dict[str, Any]:
    def listed() -> dict[str, Any] | None:
        response = stack.request("GET", "/v1/revocation-list")
        document = response.json() if response.status == 200 else None
        hashes = set(document["hashes"]) if document else set()
        return document if all(_uci_hash(u) in hashes for u in ucis) else None

    return dict(stack.wait_for(listed, timeout=90))


def _jws_parts(document: dict[str, Any]) -> tuple[dict[str, Any], str, str]:
    header, payload, signature = str(document["jws"]).split(".")
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))), header, signature


def test_revoked_certificate_shows_revoked_with_the_network_cut(
    context: BrowserContext, page: Page, stack: LocalStack, new_form: Callable[..., dict[str, Any]]
) -> None:
    """Issue -> revoke through the admin API -> load /verify (the signed list is checked and saved) -> cut the
    network -> REVOKED, from the list saved on the device."""
    revoked, kept = _issue(stack, new_form, first_name="Odane"), _issue(stack, new_form)
    _revoke(stack, str(revoked["hcid"]))
    document = _published_with(stack, str(revoked["uci"]))
    assert _uci_hash(str(kept["uci"])) not in document["hashes"]

    _open(page)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("navigator.serviceWorker.controller !== null || (location.reload(), false)")
    page.wait_for_function("document.documentElement.dataset.verifierReady === 'true'")
    assert "Revocation list updated less than a minute ago" in page.locator("#revocation-age").inner_text()

    context.set_offline(True)
    try:
        response = page.reload()
        assert response is not None and response.from_service_worker
        page.wait_for_function("document.documentElement.dataset.verifierReady === 'true'")
        assert (
            page.evaluate("fetch('/v1/revocation-list').then(() => 'reached', () => 'offline')") == "offline"
        )
        assert page.locator("#network-status").inner_text().startswith("Offline")
        ages = page.locator("#revocation-age").inner_text()
        assert "Revocation list updated" in ages and "revoked)" in ages, ages
        assert _verify(page, str(revoked["qr"])) == "REVOKED"
        assert page.locator("#verdict-title").inner_text() == "REVOKED"
        assert "revoked by its issuer" in page.locator("#result-reason").inner_text()
        assert _field(page, "Name").startswith("Odane ")
        assert "Revocation list updated" in page.locator("#result").inner_text()
        screenshot(page, "verifier-revoked-offline")
        assert _verify(page, str(kept["qr"])) == "VALID"
    finally:
        context.set_offline(False)


def test_forged_revocation_lists_are_not_believed(
    page: Page, stack: LocalStack, new_form: Callable[..., dict[str, Any]]
) -> None:
    """Only the signed payload counts: hashes added beside the JWS are ignored, and a list whose signed
    content was changed is refused (and not saved)."""
    revoked, kept = _issue(stack, new_form), _issue(stack, new_form)
    _revoke(stack, str(revoked["hcid"]))
    document = _published_with(stack, str(revoked["uci"]))
    kept_hash = _uci_hash(str(kept["uci"]))

    served: list[dict[str, Any]] = []
    page.route(
        "**/v1/revocation-list",
        lambda route: route.fulfill(status=200, content_type="application/json", body=json.dumps(served[-1])),
    )

    # 1. An extra hash in the unsigned copy: ignored, the list itself is fine.
    served.append({**document, "hashes": [*document["hashes"], kept_hash]})
    _open(page)
    assert "Revocation list updated" in page.locator("#revocation-age").inner_text()
    assert _verify(page, str(kept["qr"])) == "VALID"
    assert _verify(page, str(revoked["qr"])) == "REVOKED"

    # 2. The signed payload changed (the signature no longer matches): refused, the saved list stays.
    payload, header, signature = _jws_parts(document)
    payload["hashes"] = [*payload["hashes"], kept_hash]
    forged = (
        base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).rstrip(b"=").decode()
    )
    served.append({**document, "jws": f"{header}.{forged}.{signature}"})
    page.get_by_role("button", name="Update lists now").click()
    page.wait_for_selector("#lists-message:has-text('refused')")
    assert "signature does not match" in page.locator("#lists-message").inner_text()
    assert _verify(page, str(kept["qr"])) == "VALID"
    assert _verify(page, str(revoked["qr"])) == "REVOKED"

    # 3. On a device with nothing saved, a forged list means revocation is not checked, and it says so.
    page.evaluate("localStorage.clear()")
    _open(page)
    assert "No revocation list on this device yet" in page.locator("#revocation-age").inner_text()
    assert _verify(page, str(kept["qr"])) == "VALID"
    assert "revocation not checked" in page.locator("#result").inner_text()


def test_no_trust_list_on_a_first_offline_visit(context: BrowserContext, page: Page) -> None:
    page.route("**/v1/trust-list", lambda route: route.abort("internetdisconnected"))
    _open(page)
    assert "No trust list on this device" in page.locator("#trust-age").inner_text()
    assert "Could not update the trust list" in page.locator("#lists-message").inner_text()
    assert _verify(page, "HC1:ANYTHING") == "NO_TRUST_LIST"
    assert "Connect to the internet" in page.locator("#result").inner_text()


def _dgc_cases() -> list[dict[str, Any]]:
    root = conformance_path("dgc-testdata")
    cases = []
    for path in sorted(root.glob("*/2DCode/raw/*.json")):
        try:
            case = json.loads(path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError):
            continue
        expected = case.get("EXPECTEDRESULTS", {})
        if "EXPECTEDVERIFY" not in expected:
            continue
        context = case.get("TESTCTX", {})
        cases.append(
            {
                "name": str(path.relative_to(root)),
                "qr": case.get("PREFIX") or "",
                "certificate": context.get("CERTIFICATE") or "",
                "clock": context.get("VALIDATIONCLOCK") or None,
                "verify": expected["EXPECTEDVERIFY"],
                "expiration": expected.get("EXPECTEDEXPIRATIONCHECK"),
            }
        )
    return cases


RUN_VECTORS = """async (cases) => {
  const { prepareTrustList, verifyHc1 } = await import("/verifier/hc1.js");
  const out = [];
  for (const c of cases) {
    let certificates = [];
    try { if (c.certificate) { atob(c.certificate); certificates = [{ rawData: c.certificate }]; } } catch {}
    const trust = await prepareTrustList({ certificates });
    const now = c.clock ? new Date(c.clock) : new Date();
    const result = await verifyHc1(c.qr, trust, { now });
    out.push({ name: c.name, status: result.status, reason: result.reason });
  }
  return out;
}"""


def test_js_modules_agree_with_the_eu_dgc_testdata(page: Page) -> None:
    """The same JS modules the page uses, run in the page, over every dgc-testdata case with EXPECTEDVERIFY
    (TESTCTX.CERTIFICATE the only trusted DSC, VALIDATIONCLOCK the time)."""
    cases = _dgc_cases()
    _open(page)
    results = {r["name"]: r for r in page.evaluate(RUN_VECTORS, cases)}
    disagreements = []
    expiry_checked = expiry_agreed = 0
    for case in cases:
        got = results[case["name"]]
        if (got["status"] in SIGNATURE_CHECKED) != case["verify"]:
            disagreements.append(
                f"{case['name']}: expected verify {case['verify']}, got {got['status']}: {got['reason']}"
            )
        if case["expiration"] is not None and case["verify"]:
            expiry_checked += 1
            expiry_agreed += (got["status"] not in {"EXPIRED", "NOT_YET_VALID"}) == case["expiration"]
    matched = len(cases) - len(disagreements)
    print(f"\nJS verifier EXPECTEDVERIFY: {matched}/{len(cases)} agree")
    print(f"JS verifier EXPECTEDEXPIRATIONCHECK: {expiry_agreed}/{expiry_checked} agree")
    print("\n".join(disagreements))
    assert len(cases) > 400
    assert matched / len(cases) >= 0.98, disagreements
    negatives = [c for c in cases if c["verify"] is False]
    assert negatives and all(results[c["name"]]["status"] not in SIGNATURE_CHECKED for c in negatives)
