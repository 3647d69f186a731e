"""`vaxcert migrate divoc`: the streamed pipeline over an export we sign ourselves (no stack here)."""

from __future__ import annotations

import csv
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from bench.divoc_export import Dose, Person, credential, row, sign, signed_row, write_csv, write_jsonl
from vaxcert.catalogue import load_catalogue
from vaxcert.cli import main
from vaxcert.commands._divoc_trust import DivocKeys, TrustError, load_check
from vaxcert.commands.migrate import migrate

DID = "did:jamaica"
KEY = ed25519.Ed25519PrivateKey.generate()
OTHER = ed25519.Ed25519PrivateKey.generate()
ANN = Person("Ann Lee", "1970-01-02", "Female", "8765550101", "PE-ANN")
BO = Person("Bo Chin", "1988-05-05", "Male", "8765550102", "PE-BO")


def export_rows() -> list[dict[str, Any]]:
    good = [
        signed_row(ANN, Dose("100000001", 1, 2, "2021-06-01"), KEY, DID),
        signed_row(ANN, Dose("100000002", 2, 2, "2021-06-22"), KEY, DID),
        signed_row(
            BO, Dose("100000003", 1, 1, "2021-07-01", vaccine="Janssen", icd11_code="XM6QV1"), KEY, DID
        ),
    ]
    tampered = json.loads(signed_row(BO, Dose("100000004", 1, 2, "2021-08-01"), KEY, DID)["certificate"])
    tampered["credentialSubject"]["dob"] = "1988-05-06"
    unknown = signed_row(BO, Dose("100000005", 1, 2, "2021-08-01"), OTHER, "did:elsewhere")
    impostor = signed_row(BO, Dose("100000006", 1, 2, "2021-08-01"), OTHER, DID)  # our DID, not our key
    malformed = {**good[0], "certificateId": "100000007", "certificate": '{"evidence": ['}
    formula = {**good[0], "certificateId": "=1+2", "certificate": "{}"}
    return [
        *good,
        row(BO, Dose("100000004", 1, 2, "2021-08-01"), tampered),
        unknown,
        impostor,
        malformed,
        {**good[1]},  # duplicated certificateId
        formula,
    ]


def keys() -> DivocKeys:
    return DivocKeys({DID: [KEY.public_key()]})


class FakeApi:
    """What POST /v1/vaccinations answers: accepted once per event id, duplicate after."""

    def __init__(self, answers: dict[str, tuple[int, Any]] | None = None):
        self.bodies: list[dict[str, Any]] = []
        self.answers = answers or {}
        self._lock = threading.Lock()

    def post(self, body: dict[str, Any]) -> tuple[int, Any]:
        with self._lock:
            if body["eventId"] in self.answers:
                return self.answers[body["eventId"]]
            seen = any(b["eventId"] == body["eventId"] for b in self.bodies)
            self.bodies.append(body)
        return (200, {"status": "duplicate"}) if seen else (202, {"status": "accepted"})


@pytest.mark.parametrize(("kind", "jobs"), [("csv", 1), ("jsonl", 1), ("csv", 2)])
def test_only_verified_mappable_rows_are_issued_and_each_refusal_is_named(
    tmp_path: Path, kind: str, jobs: int
) -> None:
    path = tmp_path / f"certificates.{kind}"
    (write_csv if kind == "csv" else write_jsonl)(path, export_rows())
    api = FakeApi()
    summary = migrate(path, check=keys(), catalogue=load_catalogue(), client=api, jobs=jobs)
    assert (summary.rows, summary.issued, summary.already_there) == (9, 3, 0)
    assert dict(summary.refused) == {
        "signature-invalid": 2,
        "untrusted-key": 1,
        "malformed": 2,
        "duplicate-certificate-id": 1,
    }
    assert sorted(b["eventId"] for b in api.bodies) == [
        "divoc:100000001",
        "divoc:100000002",
        "divoc:100000003",
    ]
    assert all(b["notify"] is False and b["legacy"]["system"] == "DIVOC" for b in api.bodies)
    first = 2 if kind == "csv" else 1  # CSV rows count from 2 (row 1 is the header)
    with (tmp_path / "certificates.errors.csv").open(newline="") as f:
        errors = list(csv.DictReader(f))
    assert [(int(e["row"]) - first, e["certificateId"], e["reason"]) for e in errors] == [
        (3, "100000004", "signature-invalid"),
        (4, "100000005", "untrusted-key"),
        (5, "100000006", "signature-invalid"),
        (6, "100000007", "malformed"),
        (7, "100000002", "duplicate-certificate-id"),
        (8, "'=1+2", "malformed"),  # spreadsheet-safe: never read as a formula
    ]
    assert f"also on row {first + 1}" in errors[4]["detail"]

    again = migrate(path, check=keys(), catalogue=load_catalogue(), client=api)
    assert (again.issued, again.already_there) == (0, 3)


def test_api_answers_become_counts_or_error_rows(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    write_csv(path, export_rows()[:3])
    api = FakeApi(
        {
            "divoc:100000002": (422, [{"field": "person.birthDate", "problem": "in the future"}]),
            "divoc:100000003": (503, {"message": "try again"}),
        }
    )
    summary = migrate(path, check=keys(), catalogue=load_catalogue(), client=api)
    assert (summary.issued, dict(summary.refused)) == (1, {"rejected-by-api": 1, "api-failure": 1})
    text = (tmp_path / "export.errors.csv").read_text()
    assert "person.birthDate: in the future" in text and "run the file again" in text


def test_dry_run_issues_nothing_and_the_cli_prints_the_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "export.csv"
    write_csv(path, export_rows())
    pem = tmp_path / "divoc.pem"
    pem.write_bytes(
        KEY.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    code = main(["migrate", "divoc", str(path), "--dry-run", "--trust", str(pem), "--kid", DID, "--json"])
    summary = json.loads(capsys.readouterr().out)
    assert code == 1  # some rows were refused
    assert (summary["rows"], summary["ready"], summary["issued"], summary["refusedTotal"]) == (9, 3, 0, 6)
    assert summary["dryRun"] is True and summary["errorsFile"].endswith("export.errors.csv")

    code = main(["migrate", "divoc", str(path), "--dry-run", "--trust", str(pem), "--kid", DID])
    out = capsys.readouterr().out
    assert "ready to import: 3" in out and "untrusted-key: 1" in out


def test_no_trusted_key_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(TrustError, match="trust DIVOC's public key"):
        load_check([], did=None, api=None)
    jwks = tmp_path / "keys.json"
    jwks.write_text(json.dumps({"keys": [{"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}]}))
    with pytest.raises(TrustError, match="no Ed25519 or RSA key"):
        load_check([str(jwks)], did=None, api=None)


def test_signed_credentials_round_trip_through_the_check() -> None:
    document = sign(credential(ANN, Dose("100000009", 1, 2, "2021-06-01")), KEY, DID)
    keys()(document)  # no exception: verified


def test_a_crash_mid_file_and_a_re_run_finish_it(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    write_csv(path, export_rows()[:3])

    class Crashing(FakeApi):
        def post(self, body: dict[str, Any]) -> tuple[int, Any]:
            if len(self.bodies) == 2:
                raise KeyboardInterrupt  # the operator's Ctrl-C, or the machine going down
            return super().post(body)

    api = Crashing()
    with pytest.raises(KeyboardInterrupt):
        migrate(path, check=keys(), catalogue=load_catalogue(), client=api, workers=1)
    assert len(api.bodies) == 2
    resumed = FakeApi()
    resumed.bodies = list(api.bodies)  # what the server already holds
    summary = migrate(path, check=keys(), catalogue=load_catalogue(), client=resumed)
    assert (summary.issued, summary.already_there, sum(summary.refused.values())) == (1, 2, 0)


def test_an_rsa_signed_export_trusted_by_a_jwks_file(tmp_path: Path) -> None:
    """RsaSignature2018 (PS256), the key as a JWKS whose kid is the DID, JSON Lines with the credential
    as an object: how another DIVOC deployment's export may come."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    from vaxcert.trust.keys import jwk_from_public_key

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    did = "did:moh:rsa"
    signed = sign(
        credential(ANN, Dose("200000001", 1, 2, "2021-06-01", vaccine="Covishield", icd11_code="XM9QW8")),
        key,
        did,
    )
    rows = [{**row(ANN, Dose("200000001", 1, 2, "2021-06-01"), signed), "certificate": signed}]
    path = tmp_path / "export.jsonl"
    write_jsonl(path, rows)
    jwks = tmp_path / "keys.json"
    jwks.write_text(json.dumps({"keys": [{**jwk_from_public_key(key.public_key()), "kid": did}]}))
    api = FakeApi()
    summary = migrate(
        path, check=load_check([str(jwks)], did=None, api=None), catalogue=load_catalogue(), client=api
    )
    assert (summary.issued, dict(summary.refused)) == (1, {})
    assert api.bodies[0]["vaccination"]["vaccine"] == "covishield"
