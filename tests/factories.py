"""Shared test data: the CommCare example vaccination as a DDCC:VS record.

``example_record(**overrides)`` takes dotted section names for overrides, e.g.
``example_record(person={"given_name": "Zoë"}, vaccination={"dose": 2})``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from vaxcert.catalogue import Coding
from vaxcert.formats.ddcc import CertificateMeta, DdccRecord, Identifier, Person, Vaccination

EXAMPLE_HCID = "7Q2K9M4XHD3R8T6WB1NC"


def example_record(**overrides: dict[str, Any]) -> DdccRecord:
    person: dict[str, Any] = {
        "given_name": "Marcia",
        "family_name": "Campbell",
        "birth_date": date(1984, 3, 7),
        "sex": "female",
        "identifier": Identifier(type="TRN", value="112233445"),
    }
    vaccination: dict[str, Any] = {
        "vaccine": Coding(code="XM0GQ8", display="COVID-19 vaccine, RNA based"),
        "brand": Coding(code="XM8NQ0", display="Comirnaty"),
        "manufacturer": "Biontech Manufacturing GmbH",
        "lot": "FK5127",
        "date": date(2021, 12, 14),
        "dose": 1,
        "total_doses": 2,
        "country": "JAM",
        "centre": "St. Jago Park Health Centre",
        "practitioner": "Brown, Nadine",
        "next_dose": date(2022, 1, 4),
    }
    certificate: dict[str, Any] = {
        "issuer": "Ministry of Health and Wellness, Jamaica",
        "hcid": EXAMPLE_HCID,
        "version": 1,
        "period_start": datetime(2021, 12, 14, tzinfo=UTC),
        "period_end": datetime(2022, 12, 14, tzinfo=UTC),
    }
    person.update(overrides.get("person", {}))
    vaccination.update(overrides.get("vaccination", {}))
    certificate.update(overrides.get("certificate", {}))
    return DdccRecord(
        person=Person(**person),
        vaccination=Vaccination(**vaccination),
        certificate=CertificateMeta(**certificate),
    )
