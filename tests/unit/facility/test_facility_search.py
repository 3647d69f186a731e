"""Facility search validation, name normalisation and matching."""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories import example_record
from vaxcert.documents.people import name_matches, normalise_name
from vaxcert.errors import InvalidInput
from vaxcert.facility.search import SearchQuery, parse_search

TODAY = date(2024, 6, 1)


@pytest.mark.parametrize(
    ("raw", "norm"),
    [
        ("Zoë", "zoe"),
        ("O'Brien-Campbell", "obrien campbell"),
        ("O\u2019Connor", "oconnor"),
        ("  DVOŘÁK ", "dvorak"),
        ("Łukasz", "lukasz"),
        ("Straße", "strasse"),
        ("Mc Kenzie", "mc kenzie"),
    ],
)
def test_normalise_name(raw: str, norm: str) -> None:
    assert normalise_name(raw) == norm


def test_name_prefix_matches_family_or_given_name_or_a_part() -> None:
    person = example_record(person={"given_name": "Zoë Marie", "family_name": "O'Brien-Campbell"}).person
    for prefix in ("zo", "zoe m", "mar", "obr", "obrien c", "camp"):
        assert name_matches(person, normalise_name(prefix)), prefix
    for prefix in ("brien", "ampbell", "zz"):
        assert not name_matches(person, normalise_name(prefix)), prefix


def test_mobile_search_in_any_format() -> None:
    assert parse_search({"mobile": "(876) 555-0123"}, TODAY) == SearchQuery(mobile="+18765550123")


def test_dob_and_name() -> None:
    query = parse_search({"dob": "1984-03-07", "name": "  CAMPBÉLL "}, TODAY)
    assert query == SearchQuery(dob=date(1984, 3, 7), name="campbell")
    assert query.describe() == {"dob": "1984-03-07", "name": "campbell"}


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"dob": "1984-03-07"}, "name", "too broad"),
        ({"name": "Campbell"}, "dob", "too broad"),
        ({}, "mobile", "mobile number"),
        (None, "mobile", "mobile number"),
        ({"mobile": "  "}, "mobile", "mobile number"),
        ({"dob": "07/03/1984", "name": "Campbell"}, "dob", "YYYY-MM-DD"),
        ({"dob": "1984-3-7", "name": "Campbell"}, "dob", "YYYY-MM-DD"),
        ({"dob": "2030-01-01", "name": "Campbell"}, "dob", "future"),
        ({"dob": "1984-03-07", "name": "C"}, "name", "at least"),
        ({"dob": "1984-03-07", "name": "--"}, "name", "at least"),
        ({"mobile": "555-0123"}, "mobile", "10-digit"),
    ],
)
def test_refused_queries(params, field: str, words: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_search(params, TODAY)
    assert [(p.field, words in p.problem) for p in refused.value.problems] == [(field, True)]
