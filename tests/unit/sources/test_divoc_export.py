"""DIVOC certificate-table rows -> the /v1/vaccinations body of a migration (no signatures here)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from vaxcert.catalogue import load_catalogue
from vaxcert.sources.divoc import Refusal, event_body, parse_row
from vaxcert.sources.vaccination import parse_event, resolve_vaccine


def credential(**evidence: Any) -> dict[str, Any]:
    """Shaped like Jamaica's DIVOC certificates (ddcc-validator's DIVOCJamaicaUnpacked.json)."""
    dose = {
        "id": "https://cowin.gov.in/vaccine/891244125",
        "certificateId": "891244125",
        "type": ["Vaccination"],
        "batch": "JM4561",
        "vaccine": "Pfizer",
        "manufacturer": "XYZ Company",
        "icd11Code": "XM0GQ8",
        "prophylaxis": "COVID-19 vaccine, mRNA based vaccine",
        "date": "2021-04-15T10:12:00.000Z",
        "effectiveStart": "2021-04-15",
        "effectiveUntil": "2022-04-15",
        "dose": 2,
        "totalDoses": 2,
        "verifier": {"name": "Sanderson, Brandon"},
        "facility": {"name": "St, Jago Park Health Centre", "address": {"addressCountry": "IND"}},
    }
    dose.update(evidence)
    return {
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            "https://cowin.gov.in/credentials/vaccination/v2",
        ],
        "type": ["VerifiableCredential", "ProofOfVaccinationCredential"],
        "credentialSubject": {
            "type": "Person",
            "id": "did:Passport:A1234567",
            "refId": "9874S1445691",
            "name": "Marcia Ann Campbell",
            "gender": "Female",
            "dob": "1984-03-07",
        },
        "issuer": "https://www.moh.gov.jm",
        "issuanceDate": "2021-12-17T18:41:49.791Z",
        "evidence": [dose],
        "nonTransferable": "true",
        "proof": {"type": "Ed25519Signature2018", "jws": "x..y", "verificationMethod": "did:jamaica"},
    }


def row(**changes: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "certificateId": "891244125",
        "certificate": json.dumps(credential()),
        "mobile": "8765550123",
        "preEnrollmentCode": "9874S1445691",
        "osid": "1-abc",
        "programId": "",
    }
    out.update(changes)
    return out


CATALOGUE = load_catalogue()


def test_a_jamaican_row_maps_to_a_valid_migration_event() -> None:
    body = event_body(parse_row(row()), CATALOGUE)
    assert body["eventId"] == "divoc:891244125"
    assert body["source"] == "divoc" and body["notify"] is False
    assert body["legacy"] == {
        "system": "DIVOC",
        "certificateId": "891244125",
        "issuedAt": "2021-12-17T18:41:49.791Z",
        "effectiveUntil": "2022-04-15",
    }
    person, vaccination = body["person"], body["vaccination"]
    assert (person["givenName"], person["familyName"], person["birthDate"]) == (
        "Marcia Ann",
        "Campbell",
        "1984-03-07",
    )
    assert person["sex"] == "female" and person["mobile"] == "+18765550123"
    assert person["identifier"] == {"type": "PASSPORT", "value": "A1234567"}
    assert vaccination == {
        "vaccine": "comirnaty",
        "lot": "JM4561",
        "date": "2021-04-15",
        "dose": 2,
        "totalDoses": 2,
        "centre": "St, Jago Park Health Centre",
        "practitioner": "Sanderson, Brandon",
    }
    body["person"].pop("caseId", None)  # the person link key: only where the API has it
    event = resolve_vaccine(parse_event(body), CATALOGUE)
    assert event.legacy is not None and event.legacy.certificate_id == "891244125"
    assert event.notify is False


@pytest.mark.parametrize(
    ("name", "key"),
    [("AstraZeneca", "vaxzevria"), ("Covishield", "covishield"), ("COVISHIELD", "covishield")],
)
def test_divoc_vaccine_names_go_through_the_catalogue_aliases(name: str, key: str) -> None:
    vc = credential(vaccine=name, icd11Code="XM9QW8")
    body = event_body(parse_row(row(certificate=json.dumps(vc))), CATALOGUE)
    assert body["vaccination"]["vaccine"] == key


def test_an_unknown_vaccine_or_a_contradicting_code_is_refused_not_guessed() -> None:
    for vc in (
        credential(vaccine="Sputnik V", icd11Code=""),
        credential(vaccine="Pfizer", icd11Code="XM9QW8"),
    ):
        with pytest.raises(Refusal) as caught:
            event_body(parse_row(row(certificate=json.dumps(vc))), CATALOGUE)
        assert caught.value.reason == "unmappable-vaccine"
    # A brand code alone is a mapping, not a guess.
    vc = credential(vaccine="", icd11Code="XM8NQ0")
    assert event_body(parse_row(row(certificate=json.dumps(vc))), CATALOGUE)["vaccination"]["vaccine"] == (
        "comirnaty"
    )


def test_mobile_comes_from_mobile_else_contact() -> None:
    parsed = parse_row(row(mobile="", contact='["email:a@b.jm", "tel:+18765550199"]'))
    assert event_body(parsed, CATALOGUE)["person"]["mobile"] == "+18765550199"
    assert "mobile" not in event_body(parse_row(row(mobile="", contact="")), CATALOGUE)["person"]
    parsed = parse_row(row(mobile="", contact='{"mailto:a@b.jm",tel:+18765550177}'))  # psql's text[]
    assert event_body(parsed, CATALOGUE)["person"]["mobile"] == "+18765550177"
    with pytest.raises(Refusal) as caught:
        event_body(parse_row(row(mobile="12345")), CATALOGUE)
    assert caught.value.reason == "invalid-value" and caught.value.detail.startswith("mobile:")


def test_doses_are_linked_by_the_pre_enrollment_code() -> None:
    body = event_body(parse_row(row()), CATALOGUE, link_key=True)
    assert body["person"]["caseId"] == "divoc:9874S1445691"
    # Without the column, DIVOC's own copy in the credential (refId).
    body = event_body(parse_row(row(preEnrollmentCode="")), CATALOGUE, link_key=True)
    assert body["person"]["caseId"] == "divoc:9874S1445691"
    vc = credential()
    vc["credentialSubject"]["refId"] = ""
    with pytest.raises(Refusal) as caught:
        event_body(parse_row(row(preEnrollmentCode="", certificate=json.dumps(vc))), CATALOGUE)
    assert caught.value.reason == "missing-value"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"certificateId": ""}, "missing-value"),
        ({"certificateId": "89 12"}, "malformed"),
        ({"certificate": ""}, "missing-value"),
        ({"certificate": '{"credentialSubject": '}, "malformed"),
        ({"certificate": "[1, 2]"}, "malformed"),
        ({"certificate": json.dumps({"credentialSubject": {}})}, "malformed"),  # no proof
        ({"contact": "tel:+18765550123"}, "malformed"),
    ],
)
def test_rows_that_do_not_parse_are_refused(changes: dict[str, Any], reason: str) -> None:
    with pytest.raises(Refusal) as caught:
        parse_row(row(**changes))
    assert caught.value.reason == reason


def test_a_row_whose_id_differs_from_the_signed_one_is_refused() -> None:
    with pytest.raises(Refusal) as caught:
        event_body(parse_row(row(certificateId="111111111")), CATALOGUE)
    assert caught.value.reason == "certificate-id-mismatch"


@pytest.mark.parametrize("missing", ["batch", "date", "dose"])
def test_required_evidence_values(missing: str) -> None:
    vc = credential(**{missing: ""})
    with pytest.raises(Refusal) as caught:
        event_body(parse_row(row(certificate=json.dumps(vc))), CATALOGUE)
    assert caught.value.reason == "missing-value" and missing in caught.value.detail


def test_json_lines_rows_may_hold_the_credential_as_an_object() -> None:
    raw = row(certificate=credential(), certificateId=891244125)
    body = event_body(parse_row(raw), CATALOGUE)
    assert body["eventId"] == "divoc:891244125"
    unchanged = copy.deepcopy(raw)
    assert raw == unchanged  # parsing never edits the row (the signature covers it)


def test_the_icd11_parent_code_contradicts_no_vaccine() -> None:
    vc = credential(vaccine="AstraZeneca", icd11Code="XM68M6")
    assert event_body(parse_row(row(certificate=json.dumps(vc))), CATALOGUE)["vaccination"]["vaccine"] == (
        "vaxzevria"
    )


def test_a_deeply_nested_certificate_is_malformed_not_a_crash() -> None:
    with pytest.raises(Refusal) as caught:
        parse_row(row(certificate="[" * 100_000))
    assert caught.value.reason == "malformed"


def test_jamaicas_real_divoc_credential_maps() -> None:
    """The credential of a real Jamaican DIVOC QR (ddcc-validator): its shape maps as it is."""
    from tests.conftest import CONFORMANCE, require_shared

    real = json.loads(require_shared(CONFORMANCE / "ddcc-validator/qr/DIVOCJamaicaUnpacked.json").read_text())
    raw = {
        "certificateId": "891244125",
        "certificate": json.dumps(real),
        "mobile": "",
        "preEnrollmentCode": "",
    }
    body = event_body(parse_row(raw), CATALOGUE, link_key=True)
    assert body["person"] == {
        "givenName": "test",
        "familyName": "user",
        "birthDate": "1998-01-05",
        "sex": "male",
        "caseId": "divoc:9874S1445691",  # refId: DIVOC's person key inside the credential
    }
    assert body["vaccination"]["vaccine"] == "comirnaty" and body["vaccination"]["dose"] == 2
    body["person"].pop("caseId")
    resolve_vaccine(parse_event(body), CATALOGUE)
