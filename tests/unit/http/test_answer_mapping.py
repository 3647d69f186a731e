"""The edge writes the domain's typed rows as the contract's JSON (camelCase, nulls vs absent)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tests.factories import example_record
from vaxcert.catalogue import load_catalogue
from vaxcert.citizen.portal import OwnCertificate
from vaxcert.documents.people import summary
from vaxcert.facility.search import SearchResult, result_row
from vaxcert.http.api import json_response
from vaxcert.http.models.citizen import CitizenCertificates
from vaxcert.http.models.facility import SearchResults
from vaxcert.types.certificate import Certificate, CertificateStatus, SmsStatus

ROW = {"hcid", "name", "dob", "vaccine", "dose", "totalDoses", "date", "status"}


def _certificate(legacy_id: str | None = None) -> Certificate:
    issued = datetime(2021, 12, 14, tzinfo=UTC)
    return Certificate(
        hcid="AAAAAAAAAAAAAAAAAAA1",
        uci="URN:UVCI:01:JM:AAAAAAAAAAAAAAAAAAA1",
        event_id="e-1",
        revision="0",
        version=1,
        status=CertificateStatus.VALID,
        record=example_record(),
        vaccine_key="comirnaty",
        mobile="+18765550123",
        qr="HC1:X",
        kid="AAAAAAAAAAA=",
        issued_at=issued,
        expires_at=issued + timedelta(days=365),
        sms_status=SmsStatus.SENT,
        legacy_id=legacy_id,
    )


def _json(model: object) -> dict:
    return json.loads(json_response(200, model).body or "")


def test_search_rows_name_the_contract_fields_and_leave_out_an_absent_legacy_id() -> None:
    catalogue = load_catalogue()
    rows = (result_row(_certificate(), catalogue), result_row(_certificate("891244125"), catalogue))
    body = _json(SearchResults.of(SearchResult(rows, truncated=True)))
    plain, migrated = body["certificates"]
    extra = {"mobileMasked", "identifierMasked", "centre", "version", "supersededBy", "reason"}
    assert set(plain) == ROW | extra and set(migrated) == ROW | extra | {"legacyId"}
    assert body["truncated"] is True and migrated["legacyId"] == "891244125"
    record = _certificate().record
    assert plain["dob"] == record.person.birth_date.isoformat()
    assert plain["date"] == record.vaccination.date.isoformat() and plain["status"] == "VALID"
    assert plain["supersededBy"] is None and plain["mobileMasked"] != "+18765550123"


def test_citizen_rows_carry_both_qr_texts_null_when_absent() -> None:
    own = OwnCertificate(summary(_certificate(), load_catalogue()), "HC1:X", None)
    [row] = _json(CitizenCertificates.of([own]))["certificates"]
    assert set(row) == ROW | {"qr", "shcQr"} and row["qr"] == "HC1:X" and row["shcQr"] is None
