"""A DIVOC certificate-table export of our own making: the migration's tests and benchmark read it.

Each row is what DIVOC's `certificate` table holds (certificateId, the signed W3C credential as a JSON
string, mobile, preEnrollmentCode, osid, name, contact, programId, osCreatedAt), with credentials shaped
like Jamaica's (ddcc-validator's DIVOCJamaicaUnpacked.json) and signed as DIVOC signs them
(vaxcert.formats.divoc: URDNA2015, detached JWS) with a key given by the caller.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from vaxcert.formats.divoc import DivocPrivateKey, sign_divoc_credential

COLUMNS = (
    "osid",
    "certificateId",
    "preEnrollmentCode",
    "name",
    "mobile",
    "contact",
    "certificate",
    "programId",
    "osCreatedAt",
    "meta",
)


@dataclass(frozen=True)
class Person:
    name: str
    dob: str
    gender: str
    mobile: str  # as DIVOC stored it: 10 digits
    pre_enrollment_code: str
    identity: str = ""  # e.g. did:Passport:A1234567


@dataclass(frozen=True)
class Dose:
    certificate_id: str
    dose: int
    total_doses: int
    date: str
    vaccine: str = "Pfizer"
    icd11_code: str = "XM0GQ8"
    batch: str = "FK5127"
    facility: str = "St. Jago Park Health Centre"
    verifier: str = "Brown, Nadine"


def credential(person: Person, dose: Dose, *, issuer: str = "https://www.moh.gov.jm") -> dict[str, Any]:
    """The unsigned ProofOfVaccinationCredential DIVOC 1.24 (Jamaica) issues for one dose."""
    return {
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            "https://cowin.gov.in/credentials/vaccination/v2",
        ],
        "type": ["VerifiableCredential", "ProofOfVaccinationCredential"],
        "credentialSubject": {
            "type": "Person",
            "id": person.identity,
            "refId": person.pre_enrollment_code,
            "name": person.name,
            "gender": person.gender,
            "dob": person.dob,
        },
        "issuer": issuer,
        "issuanceDate": f"{dose.date}T18:41:49.791Z",
        "evidence": [
            {
                "id": f"https://cowin.gov.in/vaccine/{dose.certificate_id}",
                "certificateId": dose.certificate_id,
                "type": ["Vaccination"],
                "batch": dose.batch,
                "vaccine": dose.vaccine,
                "manufacturer": "XYZ Company",
                "icd11Code": dose.icd11_code,
                "prophylaxis": "COVID-19 vaccine, mRNA based vaccine",
                "date": dose.date,
                "effectiveStart": dose.date,
                "effectiveUntil": "2031-04-15",
                "dose": dose.dose,
                "totalDoses": dose.total_doses,
                "verifier": {"name": dose.verifier},
                "facility": {"name": dose.facility, "address": {"addressCountry": "IND"}},
            }
        ],
        "nonTransferable": "true",
    }


def sign(document: dict[str, Any], key: DivocPrivateKey, did: str) -> dict[str, Any]:
    return sign_divoc_credential(document, key, did, created=datetime(2021, 12, 17, 18, 41, 49, tzinfo=UTC))


def row(person: Person, dose: Dose, signed: dict[str, Any], *, mobile_column: bool = True) -> dict[str, str]:
    """One row of DIVOC's certificate table for a signed credential."""
    return {
        "osid": f"1-{dose.certificate_id}",
        "certificateId": dose.certificate_id,
        "preEnrollmentCode": person.pre_enrollment_code,
        "name": person.name,
        "mobile": person.mobile if mobile_column else "",
        "contact": json.dumps([f"tel:{person.mobile}"]),
        "certificate": json.dumps(signed, separators=(",", ":")),
        "programId": "",
        "osCreatedAt": signed.get("issuanceDate", ""),
        "meta": "{}",
    }


def signed_row(person: Person, dose: Dose, key: DivocPrivateKey, did: str) -> dict[str, str]:
    return row(person, dose, sign(credential(person, dose), key, did))


def write_csv(path: Path, rows: Iterable[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, separators=(",", ":")) + "\n")
