"""Done-when of issue 6 over a real local stack: issue -> correct -> revoke -> signed list -> rotate keys.

Runs its own stack (key rotation changes the trust list other tests read) with a 1 s signer cache, so
a certificate issued right after `vaxcert keys rotate` already uses the new key.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import LocalStack, local_stack, stored_certificates
from tests.e2e.test_cli import vaxcert

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def lifecycle_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SIGNER_CACHE_S", "1")
        with local_stack(tmp_path_factory.mktemp("lifecycle-stack")) as running:
            yield running


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _admin(stack: LocalStack) -> dict[str, str]:
    response = stack.request("POST", "/v1/staff/session", dict(stack.credentials["admin"]))
    assert response.status == 200, response.body
    return _bearer(response.json()["token"])


def _chain(stack: LocalStack, event_id: str) -> list[dict[str, Any]]:
    return sorted(
        (c for c in stored_certificates(stack) if c["eventId"] == event_id), key=lambda c: int(c["version"])
    )


def _verify(stack: LocalStack, qr: str) -> dict[str, Any]:
    response = stack.request("POST", "/v1/verify", {"qr": qr})
    assert response.status == 200
    return response.json()


def test_issue_correct_revoke_list_and_rotate(lifecycle_stack: LocalStack, new_form, tmp_path: Path) -> None:
    stack = lifecycle_stack
    admin = _admin(stack)
    local = f"876-555-{random.randint(2000, 9999)}"
    e164 = "+1" + local.replace("-", "")
    form = new_form(mobile_number=local)

    # Issue (and one more certificate, which the key rotation below must leave VALID).
    keeper = new_form(mobile_number=f"876-555-{random.randint(2000, 9999)}", first_name="Keisha")
    assert stack.ingest(keeper).status == 202
    assert stack.ingest(form).status == 202
    (original,) = stack.wait_for(lambda: [c for c in _chain(stack, form["id"]) if c["smsStatus"] == "SENT"])
    assert len([m for m in stack.sms() if m["to"] == e164]) == 1

    # Correct the name.
    response = stack.request(
        "POST",
        f"/v1/admin/certificates/{original['hcid']}/corrections",
        {"familyName": "Campbell-Reid", "reason": "surname misspelt"},
        admin,
    )
    assert response.status == 202, response.body
    corrected_hcid = response.json()["hcid"]
    assert response.json()["supersedes"] == original["hcid"]
    chain = stack.wait_for(
        lambda: (c := _chain(stack, form["id"])) and len(c) == 2 and c[0]["status"] == "SUPERSEDED" and c
    )
    old, new = chain
    assert new["hcid"] == corrected_hcid and int(new["version"]) == 2
    old_result = _verify(stack, old["qr"])
    assert old_result["status"] == "REVOKED"
    new_result = _verify(stack, new["qr"])
    assert new_result["status"] == "VALID" and new_result["certificate"]["name"] == "Marcia Campbell-Reid"
    stack.wait_for(lambda: _chain(stack, form["id"])[1]["smsStatus"] == "SENT")
    sms_after = [m for m in stack.sms() if m["to"] == e164]
    assert len(sms_after) == 2 and "corrected" in sms_after[-1]["message"]

    details = stack.request("GET", f"/v1/admin/certificates/{new['hcid']}", headers=admin).json()
    assert [v["hcid"] for v in details["history"]] == [old["hcid"], new["hcid"]]
    assert "superseded" in old_result["reason"]
    assert details["history"][0]["reason"] == f"superseded by {new['hcid']}"

    # Revoke the new one: the API ...
    response = stack.request(
        "POST",
        f"/v1/admin/certificates/{new['hcid']}/revoke",
        {"reason": "recorded on the wrong person"},
        admin,
    )
    assert response.status == 200 and response.json()["status"] == "REVOKED"
    assert _verify(stack, new["qr"])["status"] == "REVOKED"

    # ... the signed revocation list (served within the verify function's 30 s read cache) ...
    new_hash = base64.b64encode(hashlib.sha256(new["uci"].encode()).digest()[:16]).decode()
    old_hash = base64.b64encode(hashlib.sha256(old["uci"].encode()).digest()[:16]).decode()

    def listed() -> dict[str, Any] | None:
        got = stack.request("GET", "/v1/revocation-list")
        return got.json() if got.status == 200 and new_hash in got.json()["hashes"] else None

    document = stack.wait_for(listed, timeout=45, interval=1)
    assert old_hash in document["hashes"]
    text = json.dumps(document)
    for personal in ("Marcia", "Campbell", "1984-03-07", local[-4:], "112233445", new["hcid"], old["hcid"]):
        assert personal not in text
    list_file = tmp_path / "revocation.json"
    list_file.write_text(json.dumps(document))
    trust_url = stack.api + "/v1/trust-list"
    checked = vaxcert("revocation", "verify", str(list_file), "--trust-url", trust_url)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.startswith("VALID")
    tampered = {
        **document,
        "jws": document["jws"][:-6] + ("AAAAAA" if document["jws"][-6:] != "AAAAAA" else "BBBBBB"),
    }
    list_file.write_text(json.dumps(tampered))
    assert vaxcert("revocation", "verify", str(list_file), "--trust-url", trust_url).returncode == 1

    # ... and the CLI, offline from the signed list.
    qr_file = tmp_path / "qr.txt"
    qr_file.write_text(new["qr"])
    revocation_url = stack.api + "/v1/revocation-list"
    offline = vaxcert(
        "verify", "--qr-file", str(qr_file), "--trust-list-url", trust_url,
        "--revocation-list-url", revocation_url, "--json",
    )  # fmt: skip
    assert offline.returncode == 1, offline.stdout + offline.stderr
    assert json.loads(offline.stdout)["status"] == "REVOKED"

    # Rotate keys: new certificates use the new DSC, old ones keep verifying, two DSCs are trusted.
    credentials = tmp_path / "credentials.json"
    credentials.write_text(json.dumps(stack.credentials))
    rotated = vaxcert("keys", "rotate", "--local", str(credentials))
    assert rotated.returncode == 0, rotated.stdout + rotated.stderr
    new_kid = rotated.stdout.split("kid=")[1].split()[0]
    trust = stack.request("GET", "/v1/trust-list").json()["certificates"]
    hc1 = [c for c in trust if c.get("framework", "hc1") == "hc1"]
    assert sorted(c["certificateType"] for c in hc1) == ["CSCA", "DSC", "DSC"]
    # Both DSCs' keys also sign SMART Health Cards, listed under our iss for offline verifiers.
    assert len([c for c in trust if c.get("framework") == "shc" and c["issuer"].startswith(stack.api)]) == 2
    later = new_form(mobile_number=f"876-555-{random.randint(2000, 9999)}")
    assert stack.ingest(later).status == 202
    after_rotation = stack.wait_for(lambda: _chain(stack, later["id"]), timeout=30)[0]
    assert after_rotation["kid"] == new_kid and after_rotation["kid"] != original["kid"]
    # The verify function re-reads the trust list for an unknown kid (at most every 5 s).
    stack.wait_for(lambda: _verify(stack, after_rotation["qr"])["status"] == "VALID", timeout=15, interval=1)
    (kept,) = _chain(stack, keeper["id"])
    assert kept["kid"] == original["kid"] and _verify(stack, kept["qr"])["status"] == "VALID"

    # The list is now signed with the new DSC and still verifies; withdrawing the old DSC is refused
    # for the signing one and makes old certificates UNKNOWN_ISSUER.
    published = vaxcert("revocation", "publish", "--local", str(credentials))
    assert published.returncode == 0, published.stderr
    refused = vaxcert("keys", "withdraw", new_kid, "--local", str(credentials))
    assert refused.returncode == 1 and "rotate first" in refused.stderr
    # Withdrawing the old DSC takes it out of the published trust list (verifiers then answer
    # UNKNOWN_ISSUER for what it signed; the verify API within its 60 s trust cache).
    withdrawn = vaxcert("keys", "withdraw", original["kid"], "--local", str(credentials))
    assert withdrawn.returncode == 0, withdrawn.stderr
    kids = [c["kid"] for c in stack.request("GET", "/v1/trust-list").json()["certificates"]]
    assert original["kid"] not in kids and new_kid in kids
