"""Corrections: request parsing, applying changes with the intake rules, edit revisions."""

from __future__ import annotations

from typing import Any

import pytest

from vaxcert.catalogue import load_catalogue
from vaxcert.errors import InvalidInput
from vaxcert.lifecycle.corrections import (
    apply_correction,
    correction_revision,
    parse_correction,
)
from vaxcert.sources.vaccination import VaccinationEvent
from vaxcert.sources.vaccination import is_source_edit as is_commcare_edit

CATALOGUE = load_catalogue(None)


def event(**vaccination: Any) -> VaccinationEvent:
    return VaccinationEvent.model_validate(
        {
            "eventId": "form-1",
            "source": "commcare",
            "person": {
                "givenName": "Marcia",
                "familyName": "Campbell",
                "birthDate": "1984-03-07",
                "sex": "female",
                "identifier": {"type": "TRN", "value": "112233445"},
                "mobile": "+18765550123",
            },
            "vaccination": {"vaccine": "comirnaty", "lot": "FK5127", "date": "2021-12-14", "dose": 1,
                            "totalDoses": 2, **vaccination},
        }
    )  # fmt: skip


def fields(exc: pytest.ExceptionInfo[InvalidInput]) -> list[str]:
    return [p.field for p in exc.value.problems]


def test_parse_needs_a_reason_and_a_known_field() -> None:
    assert parse_correction({"familyName": "Reid", "reason": " typo "}).reason == "typo"
    with pytest.raises(InvalidInput) as missing:
        parse_correction({"familyName": "Reid"})
    assert fields(missing) == ["reason"]
    with pytest.raises(InvalidInput) as unknown:
        parse_correction({"eventId": "x", "reason": "r"})
    assert fields(unknown) == ["eventId"]
    with pytest.raises(InvalidInput) as empty:
        parse_correction({"reason": "r"})
    assert fields(empty) == ["body"]
    with pytest.raises(InvalidInput):
        parse_correction(["familyName"])


def test_apply_changes_name_and_keeps_the_rest() -> None:
    corrected = apply_correction(
        event(), {"familyName": "Campbell-Reid"}, revision="admin-v2-X", catalogue=CATALOGUE
    )
    assert corrected.person.family_name == "Campbell-Reid"
    assert corrected.revision == "admin-v2-X" and corrected.event_id == "form-1"
    assert corrected.vaccination == event().vaccination


def test_a_dose_number_can_be_corrected() -> None:
    assert apply_correction(event(), {"dose": 2}, revision="r", catalogue=CATALOGUE).vaccination.dose == 2


def test_changing_the_vaccine_takes_its_series_length_unless_given() -> None:
    janssen = apply_correction(event(), {"vaccine": "janssen"}, revision="r", catalogue=CATALOGUE)
    assert (janssen.vaccination.vaccine, janssen.vaccination.total_doses) == ("janssen", 1)


def test_identifier_and_mobile_can_be_removed() -> None:
    corrected = apply_correction(
        event(), {"identifier": None, "mobile": None}, revision="r", catalogue=CATALOGUE
    )
    assert corrected.person.identifier is None and corrected.person.mobile is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"birthDate": "2999-01-01"}, "birthDate"),
        ({"birthDate": "2022-01-01"}, "birthDate"),  # after the vaccination
        ({"dose": 3}, "dose"),
        ({"dose": 0}, "dose"),
        ({"date": "2019-01-01"}, "date"),
        ({"vaccine": "sputnik"}, "vaccine"),
        ({"mobile": "12345"}, "mobile"),
        ({"sex": "f"}, "sex"),
        ({"familyName": ""}, "familyName"),
        ({"identifier": {"type": "TRN"}}, "identifier.value"),
        ({"familyName": "Campbell"}, "body"),  # nothing changes
    ],
)
def test_invalid_corrections_name_the_request_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        apply_correction(event(), changes, revision="r", catalogue=CATALOGUE)
    assert field in fields(exc), exc.value.problems


def test_revisions() -> None:
    assert correction_revision(2, "ABC") == "admin-v2-ABC"
    assert not is_commcare_edit("0") and not is_commcare_edit("admin-v2-ABC")
    assert is_commcare_edit("2021-12-15T09:00:00.000000Z")


def test_reissue_needs_no_change() -> None:
    request = parse_correction({"reissue": True, "reason": "key withdrawn"})
    assert request.reissue and request.changes == {}
    same = apply_correction(event(), {}, revision="r", catalogue=CATALOGUE, reissue=True)
    assert same.person == event().person and same.revision == "r"
    with pytest.raises(InvalidInput) as bad:
        parse_correction({"reissue": "yes", "reason": "r"})
    assert "reissue" in fields(bad)
