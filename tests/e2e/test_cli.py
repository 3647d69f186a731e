"""The operator CLI against a running local stack: backfill, keys, verify."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import LocalStack, stored_certificates

pytestmark = pytest.mark.e2e


def vaxcert(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [sys.executable, "-m", "vaxcert.cli", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_backfill_loads_good_rows_and_reports_bad_ones(stack: LocalStack, tmp_path: Path) -> None:
    run = uuid.uuid4().hex[:8]
    rows = [
        {"eventId": f"bf-{run}-1", "givenName": "Ann", "familyName": "Lee", "birthDate": "1970-01-02",
         "vaccine": "pfizer", "lot": "L1", "date": "2021-06-01", "dose": "1"},
        {"eventId": f"bf-{run}-2", "givenName": "Ann", "familyName": "Lee", "birthDate": "1970-01-02",
         "vaccine": "pfizer", "lot": "L2", "date": "2021-06-22", "dose": "2", "totalDoses": "2"},
        {"eventId": f"bf-{run}-3", "givenName": "Bo", "familyName": "Chin", "birthDate": "1988-05-05",
         "vaccine": "janssen", "lot": "J1", "date": "2021-07-01", "dose": "1", "identifierType": "TRN",
         "identifierValue": "123456789"},
        {"eventId": f"bf-{run}-4", "givenName": "Cy", "familyName": "Ray", "birthDate": "1988-13-05",
         "vaccine": "pfizer", "lot": "L1", "date": "2021-06-01", "dose": "1"},
        {"eventId": f"bf-{run}-5", "givenName": "Di", "familyName": "Ray", "birthDate": "1988-01-05",
         "vaccine": "sputnik", "lot": "S1", "date": "2021-06-01", "dose": "1"},
    ]  # fmt: skip
    file = tmp_path / "history.csv"
    columns = sorted({k for r in rows for k in r})
    with file.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    header = stack.credentials["ingest"]["header"]
    env = {"VAXCERT_INGEST_KEY": stack.credentials["ingest"]["key"]}
    result = vaxcert("backfill", str(file), "--api", stack.api, "--header", header, env=env)
    assert result.returncode == 1, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["rows"], summary["accepted"], summary["rejected"]) == (5, 3, 2)
    with (tmp_path / "history.errors.csv").open() as f:
        errors = list(csv.DictReader(f))
    assert {(e["row"], e["field"]) for e in errors} == {
        ("5", "person.birthDate"),
        ("6", "vaccination.vaccine"),
    }
    assert "5/5" in result.stderr  # the progress line

    def backfilled() -> list[dict]:
        return [c for c in stored_certificates(stack) if c["eventId"].startswith(f"bf-{run}")]

    stack.wait_for(lambda: len(backfilled()) == 3)
    assert sorted(json.loads(c["record"])["vaccination"]["dose"] for c in backfilled()) == [1, 1, 2]

    again = json.loads(vaxcert("backfill", str(file), "--api", stack.api, "--header", header, env=env).stdout)
    assert (again["accepted"], again["duplicate"]) == (0, 3)


def test_keys_list_and_cli_verify_with_published_trust_list(
    stack: LocalStack, tmp_path: Path, new_form
) -> None:
    credentials = tmp_path / "credentials.json"
    credentials.write_text(json.dumps(stack.credentials))
    listed = vaxcert("keys", "list", "--local", str(credentials))
    assert listed.returncode == 0, listed.stderr
    assert "CSCA" in listed.stdout and "DSC" in listed.stdout and "signing" in listed.stdout

    form = new_form(mobile_number="876-555-7001")
    assert stack.ingest(form).status == 202
    (certificate,) = stack.wait_for(
        lambda: [c for c in stored_certificates(stack) if c["eventId"] == form["id"]]
    )
    qr_file = tmp_path / "qr.txt"
    qr_file.write_text(certificate["qr"])
    trust_url = stack.api + "/v1/trust-list"
    checked = vaxcert("verify", "--qr-file", str(qr_file), "--trust-list-url", trust_url, "--json")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert json.loads(checked.stdout)["status"] == "VALID"

    trust_file = tmp_path / "trust.json"
    trust_file.write_text(stack.request("GET", "/v1/trust-list").body.decode())
    qr_file.write_text(certificate["qr"][:-3] + "AAA")
    broken = vaxcert("verify", "--qr-file", str(qr_file), "--trust-list-file", str(trust_file))
    assert broken.returncode == 1
