"""A source's edit applies its own changes on top of the current (possibly corrected) content."""

from __future__ import annotations

from typing import Any

import pytest

from vaxcert.errors import InvalidInput
from vaxcert.issuance.edits import apply_edit, changed_fields, touches_identity
from vaxcert.sources.vaccination import VaccinationEvent


def event(revision: str = "0", **fields: Any) -> VaccinationEvent:
    person = {
        "familyName": "Campbell",
        "givenName": "Marcia",
        "birthDate": "1984-03-07",
        "mobile": "8765550123",
    }
    vaccination = {"vaccine": "comirnaty", "lot": "L1", "date": "2021-12-14", "dose": 1, "totalDoses": 2}
    for k, v in fields.items():
        (person if k in person or k in ("sex", "identifier", "caseId") else vaccination)[k] = v
    return VaccinationEvent.model_validate(
        {"eventId": "form-1", "source": "commcare", "revision": revision, "person": person,
         "vaccination": vaccination}
    )  # fmt: skip


EDIT = "2021-12-15T09:00:00Z"


def test_without_a_correction_the_edit_is_the_new_form() -> None:
    form = event()
    edited = event(EDIT, lot="L2", familyName="Campbell-Brown")
    applied = apply_edit(form, edited, form)
    assert applied.event == edited
    assert applied.changed == ("familyName", "lot") and applied.conflicts == ()


def test_an_admin_correction_survives_an_edit_of_other_fields() -> None:
    form = event()
    corrected = event("admin-v2-X", familyName="Campbel", dose=2)  # the admin's values
    edited = event(EDIT, lot="L2")
    applied = apply_edit(form, edited, corrected)
    got = applied.event
    assert (got.person.family_name, got.vaccination.dose, got.vaccination.lot) == ("Campbel", 2, "L2")
    assert got.revision == EDIT and applied.conflicts == ()


def test_the_same_field_changed_by_both_takes_the_form_and_is_a_conflict() -> None:
    form = event()
    corrected = event("admin-v2-X", familyName="Campbel")
    edited = event(EDIT, familyName="Campbell-Brown", lot="L2")
    applied = apply_edit(form, edited, corrected)
    assert applied.event.person.family_name == "Campbell-Brown"
    assert applied.conflicts == ("familyName",)
    # The form changing to the admin's own value is agreement, not a conflict.
    agreed = apply_edit(form, event(EDIT, familyName="Campbel"), corrected)
    assert agreed.conflicts == () and agreed.event.person.family_name == "Campbel"


def test_an_edit_removing_an_optional_field_removes_it() -> None:
    form = event(identifier={"type": "TRN", "value": "112233445"})
    applied = apply_edit(form, event(EDIT), form)
    assert applied.event.person.identifier is None and applied.changed == ("identifier",)


def test_an_edit_that_cannot_fit_the_correction_is_refused() -> None:
    form = event()
    corrected = event("admin-v2-X", totalDoses=1)
    with pytest.raises(InvalidInput):
        apply_edit(form, event(EDIT, dose=2), corrected)


def test_changed_field_names_never_values() -> None:
    fields = changed_fields(event(), event(EDIT, mobile="8765550999", lot="L9"))
    assert fields == ("mobile", "lot") and touches_identity(fields)
    assert not touches_identity(("lot", "centre"))
