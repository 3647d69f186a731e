"""Issue 15 end to end over the local stack: a DIVOC export we sign with our own key is migrated.

The right certificates exist (one per dose, legacyId kept, no SMS), the errors file names every refused
row (tampered, unknown key, malformed, duplicated certificateId), the citizen sees their doses, staff find
them by the DIVOC certificate id, the legacy DIVOC QR verifies VALID (legacy) and REVOKED once the
ministry revokes the migrated certificate (online and in the signed list), and a re-run adds nothing.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import random
import uuid
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from bench.divoc_export import Dose, Person, credential, row, sign, write_csv
from tests.e2e.conftest import LocalStack, stored_certificates
from tests.e2e.test_cli import vaxcert
from vaxcert.formats.divoc import encode_divoc

pytestmark = pytest.mark.e2e


def _mobile() -> str:
    return f"876{random.randint(200, 999)}{random.randint(0, 9999):04d}"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _staff(stack: LocalStack, role: str) -> dict[str, str]:
    response = stack.request("POST", "/v1/staff/session", dict(stack.credentials[role]))
    assert response.status == 200, response.body
    return _bearer(str(response.json()["token"]))


def _verify(stack: LocalStack, qr: str) -> dict[str, Any]:
    response = stack.request("POST", "/v1/verify", {"qr": qr})
    assert response.status == 200, response.body
    return dict(response.json())


def _citizen(stack: LocalStack, mobile: str) -> dict[str, str]:
    e164 = "+1" + mobile
    assert stack.request("POST", "/v1/citizen/otp", {"mobile": mobile}).status == 202
    sms = stack.wait_for(lambda: [m for m in stack.sms() if m["to"] == e164 and "login code" in m["message"]])
    code = sms[-1]["message"].split("login code is ")[1][:6]
    response = stack.request("POST", "/v1/citizen/session", {"mobile": e164, "otp": code})
    assert response.status == 200, response.body
    return _bearer(str(response.json()["token"]))


def test_divoc_export_is_migrated_verifiable_and_revocable(stack: LocalStack, tmp_path: Path) -> None:
    run = random.randint(100, 999)
    did = f"did:jamaica-{uuid.uuid4().hex[:6]}"  # our own DIVOC issuer for this run
    key, stranger = ed25519.Ed25519PrivateKey.generate(), ed25519.Ed25519PrivateKey.generate()
    marcia = Person(
        f"Marcia Campbell{run}", "1984-03-07", "Female", _mobile(), f"PE{run}M", "did:TRN:112233445"
    )
    devon = Person(f"Devon Brown{run}", "1979-11-30", "Male", _mobile(), f"PE{run}D")
    keisha = Person(f"Keisha Reid{run}", "1995-06-12", "Female", _mobile(), f"PE{run}K")

    def cid(n: int) -> str:
        return f"{run}{n:06d}"

    doses = [
        (marcia, Dose(cid(1), 1, 2, "2021-04-15")),
        (marcia, Dose(cid(2), 2, 2, "2021-05-06")),
        (devon, Dose(cid(3), 1, 1, "2021-07-01", vaccine="Janssen", icd11_code="XM6QV1", batch="J1")),
        (keisha, Dose(cid(4), 1, 2, "2021-08-02", vaccine="AstraZeneca", icd11_code="XM9QW8", batch="AZ1")),
        (keisha, Dose(cid(5), 2, 2, "2021-10-25", vaccine="AstraZeneca", icd11_code="XM9QW8", batch="AZ2")),
    ]
    signed = {d.certificate_id: sign(credential(p, d), key, did) for p, d in doses}
    rows = [row(p, d, signed[d.certificate_id], mobile_column=p is not devon) for p, d in doses]
    # Refused rows: tampered after signing, signed by a key nobody trusts, malformed, a duplicate id.
    tampered = json.loads(json.dumps(signed[cid(1)]))
    tampered["evidence"][0]["certificateId"] = cid(6)
    tampered["evidence"][0]["dose"] = 3
    rows.append(row(marcia, Dose(cid(6), 3, 3, "2021-12-01"), tampered))
    unknown = Dose(cid(7), 1, 2, "2021-09-09")
    rows.append(row(devon, unknown, sign(credential(devon, unknown), stranger, "did:somewhere-else")))
    rows.append({**rows[0], "certificateId": cid(8), "certificate": '{"credentialSubject": {"name": "x"'})
    rows.append({**rows[1]})
    export = tmp_path / "divoc-certificates.csv"
    write_csv(export, rows)

    # Trust our DIVOC key as a ministry would: `vaxcert trust import --framework divoc`.
    credentials = tmp_path / "credentials.json"
    credentials.write_text(json.dumps(stack.credentials))
    pem = tmp_path / "divoc-key.pem"
    pem.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    imported = vaxcert(
        "trust", "import", str(pem), "--framework", "divoc", "--kid", did, "--credentials", str(credentials)
    )
    assert imported.returncode == 0, imported.stdout + imported.stderr
    sms_before = len(stack.sms())

    dry = vaxcert("migrate", "divoc", str(export), "--credentials", str(credentials), "--dry-run", "--json")
    assert json.loads(dry.stdout)["ready"] == 5, dry.stderr
    assert not [c for c in stored_certificates(stack) if c.get("legacyId", "").startswith(str(run))]

    result = vaxcert("migrate", "divoc", str(export), "--credentials", str(credentials), "--json")
    assert result.returncode == 1, result.stderr  # some rows were refused
    summary = json.loads(result.stdout)
    assert (summary["rows"], summary["issued"], summary["alreadyThere"]) == (9, 5, 0)
    assert summary["refused"] == {
        "signature-invalid": 1,
        "untrusted-key": 1,
        "malformed": 1,
        "duplicate-certificate-id": 1,
    }
    with (tmp_path / "divoc-certificates.errors.csv").open(newline="") as f:
        errors = {(e["row"], e["certificateId"], e["reason"]) for e in csv.DictReader(f)}
    assert errors == {
        ("7", cid(6), "signature-invalid"),
        ("8", cid(7), "untrusted-key"),
        ("9", cid(8), "malformed"),
        ("10", cid(2), "duplicate-certificate-id"),
    }

    def migrated() -> list[dict[str, Any]]:
        return [c for c in stored_certificates(stack) if c["eventId"].startswith(f"divoc:{run}")]

    stack.wait_for(lambda: len(migrated()) == 5, timeout=60)
    by_legacy = {c["legacyId"]: c for c in migrated()}
    assert set(by_legacy) == {cid(n) for n in range(1, 6)}
    for legacy_id, certificate in by_legacy.items():
        assert certificate["eventId"] == f"divoc:{legacy_id}"
        assert certificate["smsStatus"] == "NONE"  # no --notify: nobody is texted
    record = json.loads(by_legacy[cid(2)]["record"])
    assert (record["person"]["family_name"], record["vaccination"]["dose"]) == (f"Campbell{run}", 2)
    assert by_legacy[cid(3)]["mobile"] == "+1" + devon.mobile  # from `contact`
    assert len(stack.sms()) == sms_before  # no SMS was sent
    issued = _verify(stack, by_legacy[cid(1)]["qr"])  # a real vaxcert certificate now
    assert (issued["status"], issued["format"], issued["certificate"]["dose"]) == ("VALID", "HC1", 1)

    # The citizen sees both doses with their mobile number.
    citizen = _citizen(stack, marcia.mobile)
    mine = stack.request("GET", "/v1/citizen/certificates", headers=citizen).json()["certificates"]
    assert sorted(c["dose"] for c in mine) == [1, 2]

    # Facility staff and admins find them by the DIVOC certificate id.
    staff = _staff(stack, "facility")
    found = stack.request("GET", f"/v1/facility/certificates?legacyId={cid(4)}", headers=staff)
    assert found.status == 200, found.body
    [hit] = found.json()["certificates"]
    assert (hit["hcid"], hit["legacyId"], hit["dose"]) == (by_legacy[cid(4)]["hcid"], cid(4), 1)
    admin = _staff(stack, "admin")
    found = stack.request("GET", f"/v1/admin/certificates?legacyId={cid(2)}", headers=admin).json()
    assert [c["hcid"] for c in found["certificates"]] == [by_legacy[cid(2)]["hcid"]]
    details = stack.request("GET", f"/v1/admin/certificates/{by_legacy[cid(2)]['hcid']}", headers=admin)
    assert details.json()["certificate"]["legacyId"] == cid(2)

    # The citizen's old DIVOC QR still verifies: VALID, legacy.
    legacy_qr = encode_divoc(signed[cid(2)])
    verdict = _verify(stack, legacy_qr)
    assert (verdict["status"], verdict["format"], verdict.get("legacy")) == ("VALID", "DIVOC", True)
    assert _verify(stack, encode_divoc(tampered))["status"] == "SIGNATURE_INVALID"

    # The ministry revokes the migrated certificate: the DIVOC QR is refused online at once ...
    hcid = by_legacy[cid(2)]["hcid"]
    revoked = stack.request(
        "POST", f"/v1/admin/certificates/{hcid}/revoke", {"reason": "recorded on the wrong person"}, admin
    )
    assert revoked.status == 200, revoked.body
    assert _verify(stack, legacy_qr)["status"] == "REVOKED"
    assert _verify(stack, encode_divoc(signed[cid(1)]))["status"] == "VALID"  # dose 1 is untouched

    # ... and by offline verifiers: the signed revocation list carries the DIVOC id's hash.
    legacy_hash = base64.b64encode(hashlib.sha256(cid(2).encode()).digest()[:16]).decode()

    def listed() -> dict[str, Any] | None:
        got = stack.request("GET", "/v1/revocation-list")
        return got.json() if got.status == 200 and legacy_hash in got.json().get("divocHashes", []) else None

    document = stack.wait_for(listed, timeout=45, interval=1)
    assert cid(2) not in json.dumps(document)  # hashes only
    qr_file, list_file = tmp_path / "legacy.txt", tmp_path / "revocation.json"
    qr_file.write_text(legacy_qr)
    list_file.write_text(json.dumps(document))
    trust_url = stack.api + "/v1/trust-list"
    offline = vaxcert(
        "verify", "--qr-file", str(qr_file), "--trust-list-url", trust_url,
        "--revocation-list-file", str(list_file), "--json",
    )  # fmt: skip
    assert json.loads(offline.stdout)["status"] == "REVOKED", offline.stdout + offline.stderr

    # Running the same file again imports nothing new, and says so.
    again = vaxcert("migrate", "divoc", str(export), "--credentials", str(credentials))
    assert "issued:        0" in again.stdout and "already there: 5" in again.stdout, again.stdout
    again_json = json.loads(
        vaxcert("migrate", "divoc", str(export), "--credentials", str(credentials), "--json").stdout
    )
    assert (again_json["issued"], again_json["alreadyThere"]) == (0, 5)
    assert len(migrated()) == 5


def test_the_deployments_divoc_key_is_trusted_for_migration_from_day_one(tmp_path: Path) -> None:
    """`vaxcert:divocPublicKey` (DIVOC_PUBLIC_KEY, a JWK with its DID) and nothing imported: the migration
    reads the key from the published trust list, and the legacy QR verifies."""
    from tests.e2e.conftest import local_stack
    from vaxcert.trust.keys import jwk_from_public_key

    key = ed25519.Ed25519PrivateKey.generate()
    did = "did:jamaica"
    jwk = {**jwk_from_public_key(key.public_key()), "kid": did}
    person = Person("Andre Thomas", "1990-09-09", "Male", _mobile(), "PE-ANDRE")
    dose = Dose("987654321", 1, 2, "2021-09-01", vaccine="Moderna", icd11_code="XM0GQ8")
    signed = sign(credential(person, dose), key, did)
    export = tmp_path / "certificates.csv"
    write_csv(export, [row(person, dose, signed)])
    env = {"DIVOC_PUBLIC_KEY": json.dumps(jwk)}
    (tmp_path / "stack").mkdir()
    with local_stack(tmp_path / "stack", extra_env=env) as stack:
        credentials = tmp_path / "credentials.json"
        credentials.write_text(json.dumps(stack.credentials))
        result = vaxcert("migrate", "divoc", str(export), "--credentials", str(credentials), "--json")
        assert result.returncode == 0, result.stdout + result.stderr
        assert json.loads(result.stdout)["issued"] == 1
        stack.wait_for(lambda: [c for c in stored_certificates(stack) if c.get("legacyId") == "987654321"])
        verdict = _verify(stack, encode_divoc(signed))
        assert (verdict["status"], verdict["legacy"]) == ("VALID", True)
