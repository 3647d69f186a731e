"""The web verifier in headless Chromium (no BarcodeDetector) under the pages' real CSP: a fake camera
playing a certificate QR and uploaded phone-like photos (a screen photographed at an angle, rotated, soft) end
in the right verdict online and offline; HC1, WHO, SHC and DIVOC signatures are checked in the page with our
own keys (and tampered variants); verdicts read as people expect (amber unknown issuer, prompts, damaged QR).

One Chromium for the module (its fake camera plays the HC1 certificate issued first); each test has a fresh
profile. Our SHC issuer's and DIVOC keys are imported with `vaxcert trust import` (JWKS files) into the stack,
so the page gets them from the real `GET /v1/trust-list`."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding

from tests.conformance_data import conformance_path
from tests.e2e.browser import CHROMIUM_ARGS, PHONE, chromium_path, issue_and_wait, screenshot, unique_mobile
from tests.e2e.verifier_vectors import (
    DivocIssuer,
    ShcIssuer,
    camera_y4m,
    divoc_qr,
    ec_jwk,
    jamaica_credential,
    phone_photo,
    qr_image,
    resign_hc1,
    shc_chunks,
    tampered_shc,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, FilePayload, Page, Playwright

    from tests.e2e.conftest import LocalStack

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

RESULT = "#result[data-status]:not([data-status=''])"


@pytest.fixture(scope="module")
def certificate(stack: LocalStack, new_form_module: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    local, e164 = unique_mobile()
    form = new_form_module(mobile_number=local, first_name="Kemar", last_name="Blackwood")
    return issue_and_wait(stack, form, e164)[0]


@pytest.fixture(scope="module")
def new_form_module() -> Callable[..., dict[str, Any]]:
    import copy
    import uuid

    from tests.conftest import EXAMPLE_FORM, require_shared

    example = json.loads(require_shared(EXAMPLE_FORM).read_text())

    def make(**changes: Any) -> dict[str, Any]:
        form = copy.deepcopy(example)
        form["id"] = form["form"]["meta"]["instanceID"] = str(uuid.uuid4())
        for key, value in changes.items():
            section = "recipient" if key in form["form"]["recipient"] else "vaccination"
            form["form"][section][key] = value
        return form

    return make


class Vectors:
    def __init__(self) -> None:
        from cryptography.hazmat.primitives import serialization

        from tests.signing import self_signed_dsc
        from vaxcert.formats.hc1 import kid_for_certificate

        # WHO DDCC:VS (flat DDCC in the HC1 envelope): the shared WHO QR's content re-signed by a DSC of ours.
        now = datetime.now(UTC)
        who_key, who_der = self_signed_dsc(
            country="XW", not_before=now - timedelta(days=1), not_after=now + timedelta(days=365)
        )
        assert isinstance(who_key, ec.EllipticCurvePrivateKey)
        self.who_pem = x509.load_der_x509_certificate(who_der).public_bytes(serialization.Encoding.PEM)
        who = conformance_path("ddcc-validator", "qr", "WHOQR1Contents.txt").read_text().strip()
        self.who = resign_hc1(who, who_key, kid_for_certificate(who_der), {"valid_until": "2099-12-31"})
        self.who_expired = resign_hc1(who, who_key, kid_for_certificate(who_der))  # valid_until 2022-07-08
        # HC1 under a bare key from a JWKS (no certificate): kid as the EU gateway names it.
        self.hc1_key = ec.generate_private_key(ec.SECP256R1())
        self.hc1_kid = os.urandom(8)
        self.hc1_jwk = ec_jwk(self.hc1_key, base64.b64encode(self.hc1_kid).decode())
        self.shc = ShcIssuer()
        self.divoc_ed25519 = DivocIssuer("ed25519", did="did:vaxcert-test:ed25519")
        self.divoc_rsa = DivocIssuer("rsa", did="did:vaxcert-test:rsa")
        # A key bound to a credential issuer (trust import --issuer) vouches for no other issuer's.
        self.divoc_bound = DivocIssuer("ed25519", did="did:vaxcert-test:bound")
        self.bound_issuer = "https://moh.example.test"
        self.divoc_signed = self.divoc_ed25519.sign(jamaica_credential("Tanisha Reid"))
        self.divoc = divoc_qr(self.divoc_signed)


def _vaxcert(*args: str) -> str:
    run = subprocess.run(
        [sys.executable, "-m", "vaxcert.cli", *args], capture_output=True, text=True, timeout=120, check=False
    )
    assert run.returncode == 0, run.stderr
    return run.stdout


@pytest.fixture(scope="module")
def vectors(stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> Vectors:
    """Our SHC issuer and DIVOC keys, imported as a ministry would (`vaxcert trust import` of JWKS files), so
    the page gets them from the stack's real `GET /v1/trust-list`."""
    found = Vectors()
    folder = tmp_path_factory.mktemp("trust")
    credentials = folder / "credentials.json"
    credentials.write_text(json.dumps(stack.credentials))
    shc = folder / "shc-jwks.json"
    shc.write_text(json.dumps({"keys": [found.shc.trust_entry()["jwk"]]}))
    _vaxcert("trust", "import", str(shc), "--framework", "shc", "--issuer", found.shc.iss, "--country", "US",
             "--local", str(credentials))  # fmt: skip
    divoc = folder / "divoc-jwks.json"
    keys = [found.divoc_ed25519.trust_entry()["jwk"], found.divoc_rsa.trust_entry()["jwk"]]
    divoc.write_text(json.dumps({"keys": keys}))
    _vaxcert(
        "trust", "import", str(divoc), "--framework", "divoc", "--country", "JM", "--local", str(credentials)
    )
    who = folder / "who-dsc.pem"
    who.write_bytes(found.who_pem)
    _vaxcert("trust", "import", str(who), "--country", "XW", "--local", str(credentials))
    hc1 = folder / "hc1-jwks.json"
    hc1.write_text(json.dumps({"keys": [found.hc1_jwk]}))
    _vaxcert(
        "trust", "import", str(hc1), "--framework", "hc1", "--country", "XH", "--local", str(credentials)
    )
    bound = folder / "divoc-bound-jwks.json"
    bound.write_text(json.dumps({"keys": [found.divoc_bound.trust_entry()["jwk"]]}))
    _vaxcert("trust", "import", str(bound), "--framework", "divoc", "--issuer", found.bound_issuer,
             "--country", "JM", "--local", str(credentials))  # fmt: skip
    wanted = {found.shc.kid, found.divoc_ed25519.did, found.divoc_rsa.did, found.hc1_jwk["kid"]}
    wanted.add(found.divoc_bound.did)

    def published() -> bool:
        listed = stack.request("GET", "/v1/trust-list").json()["certificates"]
        return wanted <= {c["kid"] for c in listed}

    stack.wait_for(published, timeout=60)
    return found


@pytest.fixture(scope="module")
def scan_browser(
    playwright: Playwright, certificate: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Browser]:
    """Chromium whose camera shows the issued certificate's QR (a .y4m file), camera permission granted."""
    chromium = chromium_path()
    video = camera_y4m(str(certificate["qr"]), tmp_path_factory.mktemp("camera") / "hc1.y4m")
    args = [
        *CHROMIUM_ARGS,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    instance = playwright.chromium.launch(executable_path=chromium, args=args)
    yield instance
    instance.close()


@pytest.fixture
def scan_context(scan_browser: Browser, stack: LocalStack, vectors: Vectors) -> Iterator[BrowserContext]:
    """A fresh phone profile under the real CSP (no bypass), on the stack's origin."""
    ctx = scan_browser.new_context(
        base_url=stack.api, viewport=PHONE, locale="en-JM", service_workers="allow", permissions=["camera"]
    )
    ctx.set_default_timeout(20_000)
    yield ctx
    ctx.close()


@pytest.fixture
def tab(scan_context: BrowserContext) -> Iterator[Page]:
    errors: list[str] = []
    page = scan_context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    assert not errors, f"uncaught errors in the page: {errors}"


def _open(page: Page) -> None:
    page.goto("/verify")
    page.wait_for_selector("html[data-verifier-ready='true']", state="attached")


def _clear(page: Page) -> None:
    page.evaluate("document.getElementById('result').dataset.status = ''")


def _status(page: Page) -> str:
    page.wait_for_selector(RESULT, state="attached")
    return str(page.locator("#result").get_attribute("data-status"))


def _paste(page: Page, qr: str) -> str:
    _clear(page)
    page.fill("#qr-text", qr)
    page.get_by_role("button", name="Verify", exact=True).click()
    return _status(page)


def _jpeg(name: str, data: bytes) -> FilePayload:
    return {"name": name, "mimeType": "image/jpeg", "buffer": data}


def _upload(page: Page, name: str, jpeg: bytes) -> str:
    _clear(page)
    page.set_input_files("#upload", files=_jpeg(name, jpeg))
    return _status(page)


def _field(page: Page, label: str) -> str:
    return page.locator(f'#result dd[data-field="{label}"]').inner_text()


def _go_offline(context: BrowserContext, page: Page) -> None:
    """Wait until the service worker controls the page (everything precached), then cut the network."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("navigator.serviceWorker.controller !== null"):
        page.reload()
        page.wait_for_selector("html[data-verifier-ready='true']", state="attached")
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    context.set_offline(True)
    response = page.reload()
    assert response is not None and response.from_service_worker
    page.wait_for_selector("html[data-verifier-ready='true']", state="attached")
    assert page.evaluate("fetch('/v1/trust-list').then(() => 'reached', () => 'offline')") == "offline"


def _go_online(context: BrowserContext) -> None:
    context.set_offline(False)


@pytest.fixture(scope="module")
def photos(certificate: dict[str, Any], vectors: Vectors) -> dict[str, bytes]:
    jamaica = conformance_path("ddcc-validator", "qr", "DIVOCJamaicaContents.txt").read_text().strip()
    return {
        "hc1": phone_photo(str(certificate["qr"]), angle=-14, blur=1.3),
        "divoc": phone_photo(vectors.divoc, angle=11, blur=1.1),
        "jamaica": phone_photo(jamaica, angle=8, blur=1.0, seed=3),
    }


def test_qr_versions_are_the_real_ones(certificate: dict[str, Any], vectors: Vectors) -> None:
    """The pictures hold QR codes of the sizes verifiers meet: our HC1 ~18, DIVOC's zip 31-34."""
    jamaica = conformance_path("ddcc-validator", "qr", "DIVOCJamaicaContents.txt").read_text().strip()
    assert 15 <= qr_image(str(certificate["qr"]))[1] <= 21
    assert 31 <= qr_image(jamaica)[1] <= 34
    assert 31 <= qr_image(vectors.divoc)[1] <= 34


def test_the_vendored_reader_runs_under_the_pages_csp(tab: Page, stack: LocalStack) -> None:
    response = tab.goto("/verify")
    assert response is not None
    csp = response.headers["content-security-policy"]
    assert "script-src 'self' 'wasm-unsafe-eval'" in csp and "unsafe-eval'" not in csp.replace(
        "wasm-unsafe", ""
    )
    tab.wait_for_selector("html[data-verifier-ready='true']", state="attached")
    assert tab.evaluate("'BarcodeDetector' in window") is False
    tab.wait_for_selector("html[data-qr-reader='zxing-wasm']", state="attached")
    assert tab.locator("#start-camera").is_visible()
    # Nothing is loaded from another origin (no CDN for the wasm).
    requests: list[str] = []
    tab.on("request", lambda r: requests.append(r.url))
    tab.reload()
    tab.wait_for_selector("html[data-qr-reader='zxing-wasm']", state="attached")
    assert requests and all(url.startswith(stack.api) for url in requests), requests


def test_camera_scan_online_then_offline(
    scan_context: BrowserContext, tab: Page, certificate: dict[str, Any]
) -> None:
    _open(tab)
    tab.click("#start-camera")
    assert _status(tab) == "VALID"
    assert _field(tab, "Name") == "Kemar Blackwood"
    assert tab.locator("#camera-box").is_hidden()  # the camera stops once a code is read
    screenshot(tab, "verifier-camera-valid")

    _go_offline(scan_context, tab)
    try:
        assert tab.locator("#network-status").inner_text().startswith("Offline")
        _clear(tab)
        tab.click("#start-camera")
        assert _status(tab) == "VALID"
        assert _field(tab, "Certificate ID") == certificate["hcid"]
    finally:
        _go_online(scan_context)


def test_photo_uploads_online_then_offline(
    scan_context: BrowserContext, tab: Page, photos: dict[str, bytes]
) -> None:
    _open(tab)
    assert _upload(tab, "hc1.jpg", photos["hc1"]) == "VALID"
    assert _field(tab, "Name") == "Kemar Blackwood"
    assert _upload(tab, "divoc.jpg", photos["divoc"]) == "VALID"
    assert _field(tab, "Name") == "Tanisha Reid"
    assert _field(tab, "Country") == "Jamaica"
    assert _field(tab, "Format").startswith("DIVOC")
    screenshot(tab, "verifier-photo-divoc-valid")
    # Jamaica's real legacy QR (signed with a key we do not hold): amber, with what it says.
    assert _upload(tab, "jamaica.jpg", photos["jamaica"]) == "UNKNOWN_ISSUER"
    assert tab.locator("#verdict-title").inner_text() == "CANNOT CHECK THIS ISSUER"
    assert _field(tab, "Name") == "test user"
    assert _field(tab, "Date of birth") == "5 January 1998"
    screenshot(tab, "verifier-photo-divoc-unknown-issuer")

    _go_offline(scan_context, tab)
    try:
        assert _upload(tab, "hc1.jpg", photos["hc1"]) == "VALID"
        assert _upload(tab, "divoc.jpg", photos["divoc"]) == "VALID"
        assert _field(tab, "Name") == "Tanisha Reid"
        assert _upload(tab, "jamaica.jpg", photos["jamaica"]) == "UNKNOWN_ISSUER"
    finally:
        _go_online(scan_context)


def test_a_picture_without_a_qr_code_says_so(tab: Page) -> None:
    import io

    from PIL import Image

    blank = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 190, 180)).save(blank, format="JPEG")
    _open(tab)
    tab.set_input_files("#upload", files=_jpeg("x.jpg", blank.getvalue()))
    tab.wait_for_selector("#upload-hint:has-text('No QR code was found')")
    assert tab.locator("#result").get_attribute("data-status") == ""


def test_every_format_offline_with_our_keys_and_tampered_variants(
    scan_context: BrowserContext, tab: Page, stack: LocalStack, vectors: Vectors, certificate: dict[str, Any]
) -> None:
    """Offline: SHC (single and two-part), DIVOC Ed25519 and RSA verify; changed content does not; the API's
    /v1/verify gives the same status for each."""
    forged = json.loads(json.dumps(vectors.divoc_signed))
    forged["credentialSubject"]["name"] = "Mallory"
    moved = json.loads(json.dumps(vectors.divoc_signed))
    moved["evidence"][0]["dose"] = 3
    # An Ed25519 proof presented under the RSA key's DID: that key does not verify it.
    swapped = json.loads(json.dumps(vectors.divoc_signed))
    swapped["proof"]["verificationMethod"] = vectors.divoc_rsa.did
    who = conformance_path("ddcc-validator", "qr", "WHOQR1Contents.txt").read_text().strip()
    of_issuer = {**jamaica_credential("Andre Williams"), "issuer": vectors.bound_issuer}
    andre, max_salt = jamaica_credential("Andre Williams"), padding.PSS.MAX_LENGTH
    cases = {
        "shc": (vectors.shc.qr(), "VALID"),
        "shc tampered": (tampered_shc(vectors.shc), "SIGNATURE_INVALID"),
        "shc stranger": (ShcIssuer("https://elsewhere.example.test").qr(), "UNKNOWN_ISSUER"),
        "divoc ed25519": (vectors.divoc, "VALID"),
        "divoc rsa": (divoc_qr(vectors.divoc_rsa.sign(jamaica_credential("Andre Williams"))), "VALID"),
        "divoc rsa, maximum salt": (divoc_qr(vectors.divoc_rsa.sign(andre, salt_length=max_salt)), "VALID"),
        "divoc name changed": (divoc_qr(forged), "SIGNATURE_INVALID"),
        "divoc dose changed": (divoc_qr(moved), "SIGNATURE_INVALID"),
        "divoc other key": (divoc_qr(swapped), "SIGNATURE_INVALID"),
        "divoc bound key, its issuer": (divoc_qr(vectors.divoc_bound.sign(of_issuer)), "VALID"),
        "divoc bound key, another issuer": (
            divoc_qr(vectors.divoc_bound.sign(jamaica_credential("Andre Williams"))),
            "UNKNOWN_ISSUER",
        ),
        "who without keys": (who, "UNKNOWN_ISSUER"),
        "who with our key": (vectors.who, "VALID"),
        "who past its valid_until": (vectors.who_expired, "EXPIRED"),
    }

    def api(qr: str) -> str:
        return str(stack.request("POST", "/v1/verify", {"qr": qr}).json()["status"])

    stack.wait_for(lambda: api(vectors.divoc) == "VALID" and api(vectors.shc.qr()) == "VALID", timeout=60)
    assert {name: api(qr) for name, (qr, _) in cases.items()} == {n: e for n, (_, e) in cases.items()}
    # An HC1 key imported from a JWKS without a certificate: published in the trust list, so the page uses
    # it (the API's engine reads hc1 entries as certificates only, so it is not compared here).
    cases.update(
        {
            "hc1 under a jwks key": (
                resign_hc1(str(certificate["qr"]), vectors.hc1_key, vectors.hc1_kid),
                "VALID",
            ),
            "hc1 jwks key, other signer": (
                resign_hc1(str(certificate["qr"]), ec.generate_private_key(ec.SECP256R1()), vectors.hc1_kid),
                "SIGNATURE_INVALID",
            ),
        }
    )

    _open(tab)
    _go_offline(scan_context, tab)
    try:
        assert {name: _paste(tab, qr) for name, (qr, _) in cases.items()} == {
            n: e for n, (_, e) in cases.items()
        }
        assert _paste(tab, vectors.shc.qr()) == "VALID"
        assert _field(tab, "Name") == "Marcia Campbell"
        assert _field(tab, "Dose") == "2"
        assert _field(tab, "Format") == "SMART Health Card"
        assert _paste(tab, "\n".join(shc_chunks(vectors.shc.jws(vectors.shc.payload()), 2))) == "VALID"
        assert _paste(tab, tampered_shc(vectors.shc)) == "SIGNATURE_INVALID"
        assert tab.locator('#result dd[data-field="Name"]').count() == 0  # nothing unverified shown
        assert _paste(tab, cases["shc stranger"][0]) == "UNKNOWN_ISSUER"
        assert _field(tab, "Name") == "Marcia Campbell"  # shown, marked not verified
        assert _paste(tab, cases["divoc rsa"][0]) == "VALID"
        assert _field(tab, "Name") == "Andre Williams"
        assert _paste(tab, who) == "UNKNOWN_ISSUER"
        assert tab.locator("#result").get_attribute("data-format") == "WHO"
        assert _field(tab, "Name") == "Eddie Murphy"
        assert _paste(tab, vectors.who) == "VALID"
        assert _field(tab, "Date of birth") == "19 September 1986"

        icao = conformance_path("ddcc-validator", "qr", "ICAOAUQR1Contents.txt").read_text().strip()
        assert _paste(tab, icao) == "NEEDS_CONNECTION"
        assert "connect to the internet" in tab.locator("#result").inner_text().lower()
        assert tab.locator('#result dl[data-verified="false"] dd[data-field="Name"]').inner_text() == (
            "CITIZEN JANE SUE"
        )
        assert _field(tab, "Country") == "Australia"
    finally:
        _go_online(scan_context)


def test_icao_is_checked_through_the_api_when_online(tab: Page, stack: LocalStack) -> None:
    icao = conformance_path("ddcc-validator", "qr", "ICAOAUQR1Contents.txt").read_text().strip()
    expected = stack.request("POST", "/v1/verify", {"qr": icao}).json()["status"]
    _open(tab)
    assert _paste(tab, icao) == expected
    assert "Checked by the verification service" in tab.locator("#result").inner_text()
    if expected == "UNKNOWN_ISSUER":  # no Australian CSCA trusted here: what the seal says, not verified
        assert tab.locator('#result dl[data-verified="false"] dd[data-field="Name"]').count() == 1


def test_verdicts_people_read_correctly(tab: Page) -> None:
    _open(tab)
    # An empty box is a prompt, not a verdict.
    assert _paste(tab, "   ") == "EMPTY"
    assert tab.locator("#verdict-title").count() == 0
    assert "scan the QR code" in tab.locator("#result").inner_text()
    # One part of a two-part SMART Health Card: what is missing, not a verdict.
    issuer = ShcIssuer()
    first = shc_chunks(issuer.jws(issuer.payload()), 2)[0]
    assert _paste(tab, first) == "INCOMPLETE"
    assert tab.locator("#verdict-title").count() == 0
    assert "part 2 is missing" in tab.locator("#result").inner_text()
    # A damaged QR, in plain words.
    assert _paste(tab, "HC1:NCF%RN%TSMAHN-H") == "MALFORMED"
    assert tab.locator(".verdict__cause").inner_text() == "The QR code is damaged"
    assert "Scan it again" in tab.locator("#result-reason").inner_text()
    # A superseded certificate (the service's reason) reads "Replaced by a newer certificate".
    shown = tab.evaluate(
        """async () => {
          const { displayStatus, STATUS_TEXT } = await import('/verifier/verdicts.js');
          const why = 'certificate has been superseded by a corrected version';
          const s = displayStatus({ status: 'REVOKED', reason: why });
          const r = displayStatus({ status: 'REVOKED', reason: 'certificate has been revoked' });
          return [STATUS_TEXT[s].cause, STATUS_TEXT[r].cause];
        }"""
    )
    assert shown == ["Replaced by a newer certificate", "No longer valid"]


def test_vendored_wasm_is_the_one_the_reader_expects() -> None:
    import hashlib

    vendor = Path(__file__).resolve().parents[2] / "web" / "verifier" / "vendor"
    wasm = (vendor / "zxing-wasm" / "zxing_reader.wasm").read_bytes()
    assert hashlib.sha256(wasm).hexdigest() in (vendor / "barcode-detector" / "zxing-exported.js").read_text()
    for name in ("barcode-detector", "zxing-wasm", "jsonld"):
        assert (vendor / name / "LICENSE").is_file()
    sw = (vendor.parents[1] / "sw.js").read_text()
    for path in sorted(
        p
        for p in vendor.parent.rglob("*")
        if p.is_file() and p.suffix in {".js", ".wasm", ".json", ".jsonld"}
    ):
        assert f'"/{path.relative_to(vendor.parents[1])}"' in sw, f"{path} is not precached by sw.js"


def test_divoc_canonical_form_in_the_page_is_pyld_s(tab: Page) -> None:
    """The page's URDNA2015 (jsonld.js + bundled contexts) gives exactly pyld's N-Quads, which the server and
    real DIVOC signatures use, for every shared real DIVOC credential and its proof options."""
    from tests.e2e.verifier_vectors import canonicalise

    documents = []
    for name in ("DIVOCJamaicaUnpacked.json", "DIVOCIndonesiaUnpacked.json", "DIVOCQR1Unpacked.json"):
        document = json.loads(conformance_path("ddcc-validator", "qr", name).read_text())
        proof = {k: v for k, v in document.pop("proof").items() if k != "jws"}
        documents += [document, {**proof, "@context": "https://w3id.org/security/v2"}]
    _open(tab)
    in_page = tab.evaluate(
        """async (documents) => {
          const { canonicalise } = await import('/verifier/divoc.js');
          const out = [];
          for (const d of documents) out.push(await canonicalise(d));
          return out;
        }""",
        documents,
    )
    expected = [canonicalise(d) for d in documents]
    assert all(q.count("\n") > 3 for q in expected)
    assert in_page == expected


def test_a_card_in_two_qr_codes_is_read_part_by_part(tab: Page, vectors: Vectors) -> None:
    """A chunked SMART Health Card: each photo read says which part is missing; the last one verifies."""
    import io

    parts = shc_chunks(vectors.shc.jws(vectors.shc.payload(given="Dwayne")), 2)
    pictures = []
    for part in parts:
        out = io.BytesIO()
        qr_image(part, scale=6)[0].save(out, format="JPEG", quality=90)
        pictures.append(out.getvalue())
    _open(tab)
    tab.set_input_files("#upload", files=_jpeg("part2.jpg", pictures[1]))
    tab.wait_for_selector("#upload-hint:has-text('Part 2 of 2 read')")
    assert "part 1" in tab.locator("#upload-hint").inner_text()
    assert tab.locator("#result").get_attribute("data-status") == ""
    assert _upload(tab, "part1.jpg", pictures[0]) == "VALID"
    assert _field(tab, "Name") == "Dwayne Campbell"


def test_a_migrated_divoc_certificate_revoked_in_the_signed_list(tab: Page, vectors: Vectors) -> None:
    """The signed revocation list's `divocHashes` (SHA-256 of a migrated DIVOC certificateId, first 16 bytes)
    make the page answer REVOKED for that DIVOC QR offline; another DIVOC certificate stays VALID; an unsigned
    copy of the hashes beside the JWS is ignored."""
    import hashlib

    from tests.e2e.verifier_vectors import b64url, raw_ecdsa
    from tests.signing import self_signed_dsc

    now = datetime.now(UTC).replace(microsecond=0)
    key, der = self_signed_dsc(
        country="JM", not_before=now - timedelta(days=1), not_after=now + timedelta(days=30)
    )
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    kid = base64.b64encode(hashlib.sha256(der).digest()[:8]).decode()
    revoked_id = str(vectors.divoc_signed["evidence"][0]["certificateId"])

    def digest(value: str) -> str:
        return base64.b64encode(hashlib.sha256(value.encode()).digest()[:16]).decode()

    def signed_list(divoc_hashes: list[str]) -> dict[str, Any]:
        payload = {
            "version": 1,
            "issuer": "JM",
            "issuedAt": now.isoformat().replace("+00:00", "Z"),
            "expiresAt": (now + timedelta(days=1)).isoformat().replace("+00:00", "Z"),
            "hashType": "UCI",
            "hashes": [],
            "divocHashes": divoc_hashes,
            "kid": kid,
        }
        header = b64url(
            json.dumps({"alg": "ES256", "kid": kid, "typ": "vaxcert-revocation-list+json"}).encode()
        )
        body = b64url(json.dumps(payload).encode())
        signature = raw_ecdsa(key.sign(f"{header}.{body}".encode(), ec.ECDSA(hashes.SHA256())))
        return {**payload, "jws": f"{header}.{body}.{b64url(signature)}"}

    trust = {
        "certificates": [
            {
                "kid": kid,
                "country": "JM",
                "certificateType": "CSCA",
                "rawData": base64.b64encode(der).decode(),
            },
            {**vectors.divoc_ed25519.trust_entry()},
        ]
    }
    other = json.loads(json.dumps(vectors.divoc_signed))
    other["evidence"][0]["certificateId"] = "555000111"
    other_qr = divoc_qr(vectors.divoc_ed25519.sign({k: v for k, v in other.items() if k != "proof"}))
    forged_beside = {**signed_list([]), "divocHashes": [digest(str(other["evidence"][0]["certificateId"]))]}
    _open(tab)
    statuses = tab.evaluate(
        """async ([trustDocument, list, forged, revokedQr, otherQr]) => {
          const { prepareTrust, verifyQr } = await import('/verifier/verify.js');
          const { prepareRevocationList } = await import('/verifier/revocation.js');
          const trust = await prepareTrust(trustDocument);
          const revocation = await prepareRevocationList(list, trustDocument);
          const unsigned = await prepareRevocationList(forged, trustDocument);
          const check = async (qr, r) => (await verifyQr(qr, trust, { revocation: r })).status;
          return [
            revocation.error || null, await check(revokedQr, revocation), await check(otherQr, revocation),
            await check(otherQr, unsigned), await check(revokedQr, null),
          ];
        }""",
        [trust, signed_list([digest(revoked_id)]), forged_beside, vectors.divoc, other_qr],
    )
    assert statuses == [None, "REVOKED", "VALID", "VALID", "VALID"]


def test_the_shared_who_qr_set_is_unknown_issuer_in_the_page(tab: Page) -> None:
    """Every QR of WHO's ddcc-validator set, without its issuer's key: UNKNOWN_ISSUER in its own format in the
    page too (ICAO: needs a connection), never MALFORMED; the name the QR holds is shown, not verified."""
    folder = conformance_path("ddcc-validator", "qr")
    contents = {p.name: p.read_text().strip() for p in sorted(folder.glob("*Contents.txt"))}
    assert len(contents) >= 15
    _open(tab)
    results = tab.evaluate(
        """async (contents) => {
          const { prepareTrust, verifyQr } = await import('/verifier/verify.js');
          const trust = await prepareTrust({ certificates: [] });
          const out = {};
          for (const [name, qr] of Object.entries(contents)) {
            const r = await verifyQr(qr, trust);
            out[name] = [r.status, r.format, r.certificate ? r.certificate.name : null, r.reason];
          }
          return out;
        }""",
        contents,
    )
    for name, (status, fmt, holder, reason) in results.items():
        prefix = name.removesuffix("Contents.txt")
        if prefix.startswith("ICAO"):
            assert (status, fmt) == ("NEEDS_CONNECTION", "ICAO"), (name, reason)
            continue
        expected = {"EU": ("HC1",), "WHO": ("WHO", "HC1"), "SHC": ("SHC",), "DIVOC": ("DIVOC",)}
        kind = next(k for k in expected if prefix.startswith(k))
        assert status == "UNKNOWN_ISSUER" and fmt in expected[kind], (name, status, fmt, reason)
        assert holder, (name, "no decoded name to show")


def test_a_real_smart_health_card_verifies_in_the_page_with_its_issuer_key(tab: Page) -> None:
    """WHO's SHCQR1 is the SHC specification's example card: with the key the specification publishes (as the
    trust list carries it) the page says VALID; one flipped signature bit is SIGNATURE_INVALID."""
    from tests.e2e.verifier_vectors import b64url, shc_qr
    from tests.unit.test_dgc_conformance import SHC_SPEC_ISSUER, SHC_SPEC_JWK

    qr = conformance_path("ddcc-validator", "qr", "SHCQR1Contents.txt").read_text().strip()
    digits = qr.removeprefix("shc:/")
    header, payload, signature = "".join(
        chr(int(digits[i : i + 2]) + 45) for i in range(0, len(digits), 2)
    ).split(".")
    raw = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    flipped = shc_qr(f"{header}.{payload}.{b64url(bytes([raw[0] ^ 1]) + raw[1:])}")
    entry = {
        "kid": SHC_SPEC_JWK["kid"],
        "country": "US",
        "certificateType": "DSC",
        "framework": "shc",
        "issuer": SHC_SPEC_ISSUER,
        "notBefore": None,
        "notAfter": None,
        "jwk": SHC_SPEC_JWK,
    }
    _open(tab)
    results = tab.evaluate(
        """async ([trustDocument, qrs]) => {
          const { prepareTrust, verifyQr } = await import('/verifier/verify.js');
          const trust = await prepareTrust(trustDocument);
          const out = [];
          for (const qr of qrs) {
            const r = await verifyQr(qr, trust);
            out.push([r.status, r.issuer, r.certificate && r.certificate.name]);
          }
          return out;
        }""",
        [{"certificates": [entry]}, [qr, flipped]],
    )
    assert results[0] == ["VALID", SHC_SPEC_ISSUER, "John B. Anyperson"]
    assert results[1][0] == "SIGNATURE_INVALID"


def test_a_browser_without_ed25519_asks_the_service_for_divoc(
    scan_context: BrowserContext, tab: Page, vectors: Vectors
) -> None:
    """Older Safari/Chrome have no WebCrypto Ed25519: a trusted DIVOC key they cannot use is not an 'unknown
    issuer'. Online the service checks it; offline the page says it needs a connection."""
    scan_context.add_init_script(
        """(() => {
          const original = crypto.subtle.importKey.bind(crypto.subtle);
          crypto.subtle.importKey = (format, data, algorithm, ...rest) => {
            const name = typeof algorithm === "string" ? algorithm : algorithm && algorithm.name;
            const refused = new DOMException("Unrecognized name", "NotSupportedError");
            if (name === "Ed25519") return Promise.reject(refused);
            return original(format, data, algorithm, ...rest);
          };
        })();"""
    )
    _open(tab)
    assert _paste(tab, vectors.divoc) == "VALID"
    assert "Checked by the verification service" in tab.locator("#result").inner_text()
    assert _paste(tab, divoc_qr(vectors.divoc_rsa.sign(jamaica_credential("Andre Williams")))) == "VALID"
    # RSA: checked on the device.
    assert "Checked by the verification service" not in tab.locator("#result").inner_text()
    _go_offline(scan_context, tab)
    try:
        assert _paste(tab, vectors.divoc) == "NEEDS_CONNECTION"
        assert "cannot check this issuer's kind of signature" in tab.locator("#result").inner_text()
        shown = tab.locator('#result dl[data-verified="false"] dd[data-field="Name"]').inner_text()
        assert shown == "Tanisha Reid"
    finally:
        _go_online(scan_context)


def test_a_browser_without_decompression_streams_asks_the_service(
    scan_context: BrowserContext, tab: Page, certificate: dict[str, Any], vectors: Vectors
) -> None:
    """iPhones before iOS 16.4 have no DecompressionStream: a QR is then not 'damaged' but checked by the
    service when online, and 'needs a connection' offline."""
    scan_context.add_init_script("delete globalThis.DecompressionStream;")
    _open(tab)
    assert tab.evaluate("typeof DecompressionStream") == "undefined"
    assert _paste(tab, str(certificate["qr"])) == "VALID"
    assert "Checked by the verification service" in tab.locator("#result").inner_text()
    assert _paste(tab, vectors.shc.qr()) == "VALID"
    _go_offline(scan_context, tab)
    try:
        assert _paste(tab, str(certificate["qr"])) == "NEEDS_CONNECTION"
        assert "cannot decompress" in tab.locator("#result").inner_text()
    finally:
        _go_online(scan_context)


def test_where_the_browsers_own_detector_misses_a_dense_code_zxing_reads_it(
    scan_context: BrowserContext, tab: Page, photos: dict[str, bytes]
) -> None:
    """A browser with BarcodeDetector (Chrome on Android) uses it; when it finds nothing in a photo (some miss
    DIVOC's version 31-34 codes), the vendored reader looks too (simulated: a detector that finds nothing)."""
    scan_context.add_init_script(
        """window.BarcodeDetector = class {
          static async getSupportedFormats() { return ["qr_code"]; }
          async detect() { window.nativeCalls = (window.nativeCalls || 0) + 1; return []; }
        };"""
    )
    _open(tab)
    tab.wait_for_selector("html[data-qr-reader='native']", state="attached")
    assert _upload(tab, "divoc.jpg", photos["divoc"]) == "VALID"
    assert _field(tab, "Name") == "Tanisha Reid"
    assert tab.evaluate("window.nativeCalls") >= 1


def test_icao_seals_are_checked_in_the_page_when_their_csca_is_trusted(tab: Page, stack: LocalStack) -> None:
    """ICAO VDS-NC seals from our own EC and RSA CSCAs (tests/vectors.py) verify in the page; a changed
    seal is SIGNATURE_INVALID; a signer the trusted CSCA did not issue, or a seal of a state without a
    trusted CSCA here, is left to the service (NEEDS_CONNECTION on the device). The engine agrees."""
    from tests import vectors as v

    entries = [e for e in v.trust_list_entries() if e.get("framework") == "icao"]
    australia = conformance_path("ddcc-validator", "qr", "ICAOAUQR1Contents.txt").read_text().strip()
    seals = [
        v.icao_seal("EC"),
        v.icao_seal("RSA"),
        v.tampered_icao("EC"),
        v.icao_seal_with_foreign_signer(),
        australia,
        v.icao_seal_non_strict_signer(),  # as Japan's: ecdsa-with-SHA256 written with NULL parameters
    ]
    _open(tab)
    results = tab.evaluate(
        """async ([trustDocument, seals]) => {
          const { prepareTrust, verifyQr } = await import('/verifier/verify.js');
          const trust = await prepareTrust(trustDocument);
          const out = [];
          for (const qr of seals) {
            const r = await verifyQr(qr, trust);
            out.push([r.status, r.format, r.certificate && r.certificate.name]);
          }
          return out;
        }""",
        [{"certificates": entries}, seals],
    )
    assert results == [
        ["VALID", "ICAO", "CAMPBELL MARCIA"],
        ["VALID", "ICAO", "CAMPBELL MARCIA"],
        ["SIGNATURE_INVALID", "ICAO", None],
        ["NEEDS_CONNECTION", "ICAO", "CAMPBELL MARCIA"],
        ["NEEDS_CONNECTION", "ICAO", "CITIZEN JANE SUE"],
        ["VALID", "ICAO", "CAMPBELL MARCIA"],
    ]
    # The engine, with the same CSCAs, on the seals the page settled.
    from vaxcert.verification import verify_qr

    settled = [0, 1, 2, 5]
    engine = [verify_qr(seals[i], v.trust_store(), at=datetime.now(UTC)).status for i in settled]
    assert engine == [results[i][0] for i in settled]
