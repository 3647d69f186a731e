"""`make run` as a user sees it: a fresh local stack with demo data, then the example CommCare form
issued end to end, checked with plain libraries (no project code in the cryptographic check)."""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import cbor2
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from tests.conftest import CONFORMANCE, EXAMPLE_FORM, require_shared
from tests.e2e.conftest import LocalStack, local_stack, stored_certificates

pytestmark = pytest.mark.e2e
B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with local_stack(tmp_path_factory.mktemp("fresh-stack"), demo=True) as running:
        yield running


@pytest.fixture(scope="module")
def issued(fresh: LocalStack) -> dict[str, Any]:
    """The example form posted once, then 5 more times (3 of them concurrently)."""
    form = json.loads(require_shared(EXAMPLE_FORM).read_text())
    first = fresh.ingest(form)
    assert (first.status, first.json()) == (202, {"eventId": form["id"], "status": "accepted"})
    fresh.wait_for(lambda: [c for c in stored_certificates(fresh) if c["eventId"] == form["id"]])
    fresh.wait_for(lambda: fresh.sms())
    again = [fresh.ingest(form), fresh.ingest(form)]
    with ThreadPoolExecutor(3) as pool:
        again += list(pool.map(lambda _: fresh.ingest(form), range(3)))
    return {"form": form, "again": again}


def b45decode(text: str) -> bytes:
    out = bytearray()
    for i in range(0, len(text), 3):
        chunk = [B45.index(c) for c in text[i : i + 3]]
        value = sum(v * 45**k for k, v in enumerate(chunk))
        out += value.to_bytes(2 if len(chunk) == 3 else 1, "big")
    return bytes(out)


def test_health_credentials_and_empty_sms_log(fresh: LocalStack) -> None:
    assert fresh.request("GET", "/health").json() == {"status": "ok"}
    creds = fresh.credentials
    assert creds["api"] == fresh.api
    assert creds["ingest"]["header"] and len(creds["ingest"]["key"]) >= 32
    for role in ("facility", "admin"):
        assert creds[role]["username"] and len(creds[role]["password"]) >= 12
    assert fresh.request("GET", "/").status == 200


def test_demo_data_is_issued_without_sms(fresh: LocalStack) -> None:
    demo = fresh.wait_for(lambda: [c for c in stored_certificates(fresh) if c["eventId"].startswith("demo-")])
    fresh.wait_for(
        lambda: len([c for c in stored_certificates(fresh) if c["eventId"].startswith("demo-")]) == 3
    )
    assert all(c["qr"].startswith("HC1:") for c in demo)


def test_example_form_gives_one_certificate_and_one_sms(fresh: LocalStack, issued: dict[str, Any]) -> None:
    assert all((r.status, r.json()["status"]) == (200, "duplicate") for r in issued["again"])
    mine = [c for c in stored_certificates(fresh) if c["eventId"] == issued["form"]["id"]]
    assert len(mine) == 1
    sms = [m for m in fresh.sms() if m["to"] == "+18765550123"]
    assert len(sms) == 1
    assert "Marcia" in sms[0]["message"] and fresh.api in sms[0]["message"]
    assert sms[0]["sentAt"].endswith("+00:00")


def test_hc1_signature_verifies_with_published_dsc(fresh: LocalStack, issued: dict[str, Any]) -> None:
    (certificate,) = [c for c in stored_certificates(fresh) if c["eventId"] == issued["form"]["id"]]
    cose = cbor2.loads(zlib.decompress(b45decode(certificate["qr"].removeprefix("HC1:"))))
    if isinstance(cose, cbor2.CBORTag):
        assert cose.tag == 18
        cose = cose.value
    protected_bytes, _unprotected, payload, signature = cose
    protected = cbor2.loads(protected_bytes)
    assert protected[1] == -7  # ES256
    kid = base64.b64encode(protected[4]).decode()

    trust = fresh.request("GET", "/v1/trust-list").json()["certificates"]
    (dsc_entry,) = [c for c in trust if c["kid"] == kid]
    assert dsc_entry["certificateType"] == "DSC" and dsc_entry["country"] == "JM"
    assert any(c["certificateType"] == "CSCA" for c in trust)
    dsc = x509.load_der_x509_certificate(base64.b64decode(dsc_entry["rawData"]))
    to_be_signed = cbor2.dumps(["Signature1", protected_bytes, b"", payload])
    der_signature = encode_dss_signature(int.from_bytes(signature[:32]), int.from_bytes(signature[32:]))
    public_key = dsc.public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    public_key.verify(der_signature, to_be_signed, ec.ECDSA(hashes.SHA256()))

    claims = cbor2.loads(payload)
    assert claims[1] == "JM" and claims[4] > claims[6]
    eu = claims[-260][1]
    assert eu["nam"]["fn"] == "Campbell" and eu["dob"] == "1984-03-07"
    assert eu["v"][0]["ci"].startswith("URN:UVCI:01:JM:" + certificate["hcid"])


def test_hc1_payload_validates_against_eu_dcc_schema(fresh: LocalStack, issued: dict[str, Any]) -> None:
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    schema_dir = require_shared(CONFORMANCE / "eu-dcc-schema")
    resources = []
    for path in schema_dir.glob("*.schema.json"):
        document = json.loads(path.read_text())
        resources.append((document["$id"], Resource.from_contents(document)))
    registry = Registry().with_resources(resources)
    schema = json.loads((schema_dir / "DCC.schema.json").read_text())
    (certificate,) = [c for c in stored_certificates(fresh) if c["eventId"] == issued["form"]["id"]]
    cose = cbor2.loads(zlib.decompress(b45decode(certificate["qr"].removeprefix("HC1:"))))
    cose = cose.value if isinstance(cose, cbor2.CBORTag) else cose
    eu = cbor2.loads(cose[2])[-260][1]
    errors = list(Draft202012Validator(schema, registry=registry).iter_errors(eu))
    assert not errors, [e.message for e in errors]


def test_verify_api_valid_tampered_and_garbage(fresh: LocalStack, issued: dict[str, Any]) -> None:
    (certificate,) = [c for c in stored_certificates(fresh) if c["eventId"] == issued["form"]["id"]]
    qr = certificate["qr"]
    result = fresh.request("POST", "/v1/verify", {"qr": qr}).json()
    assert (result["valid"], result["status"], result["format"], result["issuer"]) == (
        True,
        "VALID",
        "HC1",
        "JM",
    )
    assert result["certificate"]["hcid"] == certificate["hcid"]
    assert result["certificate"]["dose"] == 1 and result["certificate"]["totalDoses"] == 2

    position = len(qr) // 2
    tampered = qr[:position] + ("A" if qr[position] != "A" else "B") + qr[position + 1 :]
    result = fresh.request("POST", "/v1/verify", {"qr": tampered}).json()
    assert result["valid"] is False and result["status"] in ("SIGNATURE_INVALID", "MALFORMED")

    garbage = fresh.request("POST", "/v1/verify", {"qr": "hello world"})
    assert garbage.status == 200 and garbage.json()["status"] == "MALFORMED"
    missing = fresh.request("POST", "/v1/verify", {"text": qr})
    assert missing.status == 422 and missing.json()["errors"][0]["field"] == "qr"


def test_health_waits_for_the_credentials_file(tmp_path_factory: pytest.TempPathFactory) -> None:
    """`make run &` then poll /health: by the time it says ok, .local/credentials.json is complete."""
    import os
    import subprocess
    import sys
    import time
    import urllib.request

    from local_stack.launcher import free_port
    from tests.conftest import ROOT

    state = tmp_path_factory.mktemp("health-stack")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "local_stack", "--port", str(port), "--state-dir", str(state)],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert process.poll() is None, "the local stack exited"
            time.sleep(0.05)
        else:
            raise AssertionError("never healthy")
        credentials = json.loads((state / "credentials.json").read_text())
        assert credentials["api"] == f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        assert process.wait(timeout=15) == 0


def test_a_stop_that_drags_is_cut_short_with_the_stuck_threads_named() -> None:
    """Whoever sends SIGTERM never waits past the grace period, and the log says what held it up."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    stuck = (
        "import threading, time\n"
        "from local_stack.__main__ import _exit_anyway_after\n"
        "def held_up_here(): time.sleep(60)\n"
        "_exit_anyway_after(0.5)\n"
        "held_up_here()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", stuck], cwd=ROOT, capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0
    assert "held_up_here" in done.stdout and "still stopping after" in done.stdout
