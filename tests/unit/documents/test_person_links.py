"""Person link keys: doses join one PDF only through a shared case or the same identifier on both."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.unit.documents.test_document_service import certificate
from vaxcert.documents.people import linked_certificates, same_person
from vaxcert.documents.service import dose_certificates
from vaxcert.errors import InvalidInput
from vaxcert.sources.person_keys import case_key, person_keys, refuse_reserved_source
from vaxcert.sources.vaccination import parse_event
from vaxcert.types.certificate import Certificate


def event(**person: Any) -> dict[str, Any]:
    return {
        "eventId": "e-1",
        "source": person.pop("source", "api"),
        "person": {"familyName": "Campbell", "givenName": "Marcia", "birthDate": "1984-03-07", **person},
        "vaccination": {"vaccine": "comirnaty", "lot": "FK5127", "date": "2021-12-14", "dose": 1},
    }


class Finder:
    def __init__(self, certificates: list[Certificate]):
        self.certificates = certificates
        self.queries: list[str] = []

    def by_person_key(self, key: str) -> list[Certificate]:
        self.queries.append(key)
        return [c for c in self.certificates if key in c.person_keys]


def test_case_keys_are_namespaced_by_channel() -> None:
    assert case_key("commcare", "0d6b") == "case:commcare:0d6b"
    assert case_key("emr", "0d6b") == "case:api:0d6b"
    assert case_key("divoc-migration", "divoc:ABC123") == "case:api:divoc:ABC123"
    assert case_key("emr", None) is None
    keys = person_keys(parse_event(event(caseId="c-9", identifier={"type": "TRN", "value": "112-233 445"})))
    assert keys.case == "case:api:c-9" and keys.identity == "id:trn:112233445"


def test_the_api_cannot_claim_to_be_commcare() -> None:
    with pytest.raises(InvalidInput) as refused:
        refuse_reserved_source(parse_event(event(source="CommCare", caseId="0d6b")))
    assert [p.field for p in refused.value.problems] == ["source"]


def test_name_and_birth_date_alone_never_link() -> None:
    twin_a = certificate("AAAAAAAAAAAAAAAAAAB1", identifier=None)
    twin_b = certificate("AAAAAAAAAAAAAAAAAAB2", dose=2, day=date(2022, 1, 5))
    assert twin_a.record.person.name == twin_b.record.person.name
    assert not same_person(twin_a, twin_b)
    assert linked_certificates(twin_a, Finder([twin_a, twin_b])) == []
    assert linked_certificates(twin_b, Finder([twin_a, twin_b])) == []


def test_doses_link_by_case_and_by_identifier_on_both_transitively() -> None:
    case = {"case_key": "case:commcare:x"}
    dose1 = certificate("AAAAAAAAAAAAAAAAAAC1", identifier=None).model_copy(update=case)
    dose2 = certificate("AAAAAAAAAAAAAAAAAAC2", dose=2, day=date(2022, 1, 5)).model_copy(
        update={"case_key": "case:commcare:x"}
    )
    booster = certificate("AAAAAAAAAAAAAAAAAAC3", dose=2, day=date(2022, 1, 7))  # same TRN, no case
    stranger = certificate("AAAAAAAAAAAAAAAAAAC4", identifier=None, dose=2, day=date(2022, 1, 6))
    finder = Finder([dose1, dose2, booster, stranger])
    linked = linked_certificates(booster, finder)
    assert {c.hcid for c in linked} == {dose1.hcid, dose2.hcid}
    shown = dose_certificates(booster, linked)
    assert {c.hcid for c in shown} == {dose1.hcid, dose2.hcid, booster.hcid}
    assert sorted(finder.queries) == ["case:commcare:x", "id:trn:112233445"]
