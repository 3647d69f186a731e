"""Every mapping rule from a CommCare form to a VaccinationEvent, and every validation error."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from vaxcert.catalogue import load_catalogue
from vaxcert.errors import InvalidInput
from vaxcert.sources.commcare import event_from_commcare, field_names, load_mapping, parse_mapping
from vaxcert.sources.vaccination import resolve_vaccine

FORM: dict[str, Any] = {
    "id": "form-1",
    "edited_on": None,
    "form": {
        "recipient": {
            "first_name": "Marcia",
            "middle_name": "",
            "last_name": "Campbell",
            "date_of_birth": "1984-03-07",
            "sex": "female",
            "mobile_number": "876-555-0123",
            "id_type": "TRN",
            "id_number": "112233445",
        },
        "vaccination": {
            "vaccine_brand": "comirnaty",
            "lot_number": "FK5127",
            "dose_number": "1",
            "total_doses": "2",
            "vaccination_date": "2021-12-14",
            "next_dose_due": "2022-01-04",
            "facility_code": "JM-STC-0042",
            "facility_name": "St. Jago Park Health Centre",
            "vaccinator_name": "Brown, Nadine",
            "vaccinator_id": "RN-20931",
        },
        "meta": {"instanceID": "form-1"},
    },
}


def form(**changes: Any) -> dict[str, Any]:
    f = copy.deepcopy(FORM)
    for key, value in changes.items():
        section = "recipient" if key in f["form"]["recipient"] else "vaccination"
        if value is None:
            f["form"][section].pop(key, None)
        else:
            f["form"][section][key] = value
    return f


def mapped(f: dict[str, Any]) -> Any:
    mapping = load_mapping()
    return resolve_vaccine(event_from_commcare(f, mapping), load_catalogue(), field_names(mapping))


def problems(f: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(InvalidInput) as info:
        mapped(f)
    return {p.field: p.problem for p in info.value.problems}


def test_example_form_maps_every_field() -> None:
    e = mapped(FORM)
    assert (e.event_id, e.source, e.revision) == ("form-1", "commcare", "0")
    p, v = e.person, e.vaccination
    assert (p.given_name, p.family_name, p.sex, str(p.birth_date)) == (
        "Marcia",
        "Campbell",
        "female",
        "1984-03-07",
    )
    assert p.mobile == "+18765550123"
    assert p.identifier is not None and (p.identifier.type, p.identifier.value) == ("TRN", "112233445")
    assert (v.vaccine, v.lot, v.dose, v.total_doses, str(v.date)) == (
        "comirnaty",
        "FK5127",
        1,
        2,
        "2021-12-14",
    )
    assert (v.centre, v.centre_code) == ("St. Jago Park Health Centre", "JM-STC-0042")
    assert (v.practitioner, v.practitioner_id) == ("Brown, Nadine", "RN-20931")
    assert str(v.next_dose) == "2022-01-04" and v.country == "JAM"


def test_id_falls_back_to_instance_id_and_edit_is_a_revision() -> None:
    f = form()
    del f["id"]
    f["edited_on"] = "2021-12-15T10:00:00Z"
    e = mapped(f)
    assert (e.event_id, e.revision) == ("form-1", "2021-12-15T10:00:00Z")


def test_middle_name_joins_given_names() -> None:
    assert mapped(form(middle_name="Louise")).person.given_name == "Marcia Louise"


@pytest.mark.parametrize(
    ("question", "value"),
    [("middle_name", ["Louise"]), ("middle_name", {"a": 1}), ("id_number", [1]), ("id_type", True)],
)
def test_joined_answers_must_be_text(question: str, value: Any) -> None:
    # Found by fuzzing: these were str()-ed onto the certificate ("Marcia ['Louise']").
    assert problems(form(**{question: value})) == {f"form.recipient.{question}": "must be text"}


@pytest.mark.parametrize(
    ("answer", "sex"), [("F", "female"), ("Male", "male"), ("m", "male"), ("other", "other")]
)
def test_sex_answers_are_mapped(answer: str, sex: str) -> None:
    assert mapped(form(sex=answer)).person.sex == sex


@pytest.mark.parametrize(
    ("answer", "key"),
    [
        ("Pfizer", "comirnaty"),
        ("MODERNA", "spikevax"),
        ("AstraZeneca", "vaxzevria"),
        ("covishield", "covishield"),
        ("J&J", "janssen"),
    ],
)
def test_vaccine_aliases_resolve_to_catalogue_entries(answer: str, key: str) -> None:
    assert mapped(form(vaccine_brand=answer)).vaccination.vaccine == key


def test_total_doses_default_from_catalogue() -> None:
    assert (
        mapped(form(total_doses=None, vaccine_brand="janssen", dose_number="1")).vaccination.total_doses == 1
    )
    assert mapped(form(total_doses=None)).vaccination.total_doses == 2


def test_names_are_trimmed_and_unicode_normalised() -> None:
    e = mapped(form(first_name="  Zoe\u0308  ", last_name="O'Brien   Smith"))
    assert e.person.given_name == "Zoë" and e.person.family_name == "O'Brien Smith"


def test_missing_mobile_is_allowed() -> None:
    assert mapped(form(mobile_number=None)).person.mobile is None


def test_identifier_is_optional() -> None:
    assert mapped(form(id_number=None)).person.identifier is None


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"last_name": None}, "form.recipient.last_name", "required"),
        ({"date_of_birth": "07/03/1984"}, "form.recipient.date_of_birth", "date"),
        ({"date_of_birth": "1984-02-30"}, "form.recipient.date_of_birth", "day value"),
        ({"date_of_birth": "1899-12-31"}, "form.recipient.date_of_birth", "1900"),
        ({"sex": "x"}, "form.recipient.sex", "unknown sex"),
        ({"mobile_number": "555-0123"}, "form.recipient.mobile_number", "10-digit"),
        ({"mobile_number": "212-555-0123"}, "form.recipient.mobile_number", "area code"),
        ({"vaccine_brand": "sputnik-v"}, "form.vaccination.vaccine_brand", "unknown vaccine"),
        ({"lot_number": None}, "form.vaccination.lot_number", "required"),
        ({"dose_number": "first"}, "form.vaccination.dose_number", "integer"),
        ({"dose_number": "0"}, "form.vaccination.dose_number", "greater than or equal to 1"),
        ({"dose_number": "3"}, "form.vaccination.dose_number", "cannot exceed"),
        ({"vaccination_date": "2020-06-01"}, "form.vaccination.vaccination_date", "before COVID-19"),
        ({"next_dose_due": "2021-12-01"}, "form.vaccination.next_dose_due", "after the vaccination date"),
        ({"last_name": "Camp\x07bell"}, "form.recipient.last_name", "control characters"),
        ({"last_name": "C" * 81}, "form.recipient.last_name", "at most 80"),
    ],
)
def test_each_validation_error_names_the_field(changes: dict[str, Any], field: str, words: str) -> None:
    found = problems(form(**changes))
    assert field in found, found
    assert words in found[field]


def test_future_vaccination_date_is_rejected() -> None:
    future = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    assert "in the future" in problems(form(vaccination_date=future))["form.vaccination.vaccination_date"]


def test_birth_after_vaccination_is_rejected() -> None:
    assert (
        "after the vaccination date"
        in problems(form(date_of_birth="2021-12-20"))["form.recipient.date_of_birth"]
    )


def test_dose_beyond_catalogue_default_is_rejected() -> None:
    found = problems(form(total_doses=None, vaccine_brand="janssen", dose_number="2"))
    assert "cannot exceed totalDoses 1" in found["form.vaccination.dose_number"]


@pytest.mark.parametrize("payload", [[], "text", None, {"form": {}}, {"id": 7}, {"id": "a", "edited_on": 5}])
def test_payloads_without_identity_are_rejected(payload: Any) -> None:
    with pytest.raises(InvalidInput) as info:
        event_from_commcare(payload, load_mapping())
    assert info.value.problems


def test_several_problems_are_reported_together() -> None:
    found = problems(form(last_name=None, lot_number=None, mobile_number="12"))
    assert {"form.recipient.last_name", "form.vaccination.lot_number", "form.recipient.mobile_number"} <= set(
        found
    )


def test_mapping_is_configuration(tmp_path: Any) -> None:
    default = load_mapping()
    custom = json.loads(json.dumps({"fields": {k: list(v) for k, v in default.fields.items()}}))
    custom["sexValues"] = default.sex_values
    custom["fields"]["familyName"] = ["form.patient.surname", "form.recipient.last_name"]
    mapping = parse_mapping(custom)
    f = form()
    f["form"]["patient"] = {"surname": "Reid"}
    assert event_from_commcare(f, mapping).person.family_name == "Reid"


def test_mapping_with_unknown_field_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown fields"):
        parse_mapping({"fields": {"shoeSize": ["form.x"]}})


def test_form_id_and_edit_errors_name_the_submission_fields() -> None:
    f = form()
    f["id"] = "Zoë's form"
    f["edited_on"] = "x" * 41
    assert set(problems(f)) == {"id", "edited_on"}
