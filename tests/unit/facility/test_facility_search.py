"""Facility search validation, name normalisation and matching."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.factories import example_record
from vaxcert.catalogue import load_catalogue
from vaxcert.documents.people import (
    EXACT,
    PREFIX,
    TYPO,
    name_match_rank,
    name_matches,
    normalise_name,
    one_edit_apart,
)
from vaxcert.errors import InvalidInput
from vaxcert.facility.masks import mask_identifier, mask_mobile
from vaxcert.facility.search import SearchQuery, SearchTerms
from vaxcert.facility.search import parse_search as _parse_search
from vaxcert.formats.ddcc import Identifier
from vaxcert.types.certificate import Certificate, CertificateStatus, SmsStatus

TODAY = date(2024, 6, 1)


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
        mobile=None,
        qr="HC1:X",
        kid="AAAAAAAAAAA=",
        issued_at=issued,
        expires_at=issued + timedelta(days=365),
        sms_status=SmsStatus.NONE,
        legacy_id=legacy_id,
    )


def parse_search(params: dict[str, str] | None, today: date) -> SearchQuery:
    """The query of the API's query parameters (as the request model hands them over)."""
    p = params or {}
    return _parse_search(
        SearchTerms(
            mobile=p.get("mobile", ""),
            dob=p.get("dob", ""),
            name=p.get("name", ""),
            hcid=p.get("hcid", ""),
            legacy_id=p.get("legacyId", ""),
        ),
        today,
    )


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
    for prefix in ("zo", "zoe m", "mar", "obr", "obrien c", "camp", "O'Brien-Campbell"):
        assert name_matches(person, normalise_name(prefix)), prefix
    # A part missing its first letter is one typo away (4+ letters); shorter fragments are not.
    assert name_match_rank(person, "brien") == TYPO
    for prefix in ("rien", "ampb", "zz", "bri", "mar zoe zoe"):
        assert not name_matches(person, normalise_name(prefix)), prefix


@pytest.mark.parametrize(
    ("given", "family", "typed", "rank"),
    [
        ("Tanisha", "Reid", "Tanisha Reid", EXACT),
        ("Tanisha", "Reid", "reid TANISHA", EXACT),
        ("Tanisha", "Reid", "Ried", TYPO),
        ("Tanisha", "Reid", "Tanisha Ried", TYPO),
        ("Kimberly", "Williams", "Wiliams", TYPO),
        ("Kimberly", "Williams", "Willaims", TYPO),
        ("Kimberly", "Williams", "Wilxiams", TYPO),
        ("Kimberly", "Williams", "Willliams", TYPO),
        ("Kimberly", "Williams", "Kim Will", PREFIX),
        ("Zoë", "O'Brien", "zoe obrien", EXACT),
        ("Ann-Marie", "McKenzie", "Mc Kenzie", EXACT),
        ("Ann-Marie", "McKenzie", "Ann Marie", EXACT),
        ("Ann-Marie", "McKenzie", "annmarie", EXACT),
    ],
)
def test_forgiving_name_ranks(given: str, family: str, typed: str, rank: int) -> None:
    person = example_record(person={"given_name": given, "family_name": family}).person
    assert name_match_rank(person, normalise_name(typed)) == rank


@pytest.mark.parametrize(
    ("typed"),
    ["Rid", "Raid Tanisha Reid", "Wlims", "Reeed", "Ried Ried", "Tanisha Reid Reid"],
)
def test_names_too_far_off_do_not_match(typed: str) -> None:
    person = example_record(person={"given_name": "Tanisha", "family_name": "Reid"}).person
    # Two typos, a three-letter typo, more words than name parts: no match.
    assert name_match_rank(person, normalise_name(typed)) is None, typed


@pytest.mark.parametrize(
    ("a", "b", "near"),
    [
        ("reid", "ried", True),
        ("abc", "abd", True),
        ("abcd", "abd", True),
        ("ab", "ba", True),
        ("abcd", "badc", False),
        ("abcd", "ab", False),
        ("abcd", "abdd", True),
        ("abcde", "acbed", False),
    ],
)
def test_one_edit_apart(a: str, b: str, near: bool) -> None:
    assert one_edit_apart(a, b) is near and one_edit_apart(b, a) is near


def test_search_by_hcid_and_legacy_id_ignores_spaces_and_case() -> None:
    query = parse_search({"hcid": " 0123 4567 89ab cdef ghjk "}, TODAY)
    assert query == SearchQuery(hcid="0123456789ABCDEFGHJK")
    assert query.describe() == {"hcid": "0123456789ABCDEFGHJK"}
    assert parse_search({"legacyId": " 123 456 789 "}, TODAY) == SearchQuery(legacy_id="123456789")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"hcid": "not-an-id"}, "hcid"),
        ({"hcid": "0123456789ABCDEFGHJ"}, "hcid"),
        ({"legacyId": "12;3"}, "legacyId"),
    ],
)
def test_bad_ids_are_refused(params, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_search(params, TODAY)
    assert [p.field for p in refused.value.problems] == [field]


def test_masks_show_what_tells_people_apart_and_nothing_more() -> None:
    assert mask_mobile("+18765551234") == "876\u2022\u2022\u20221234"
    assert mask_mobile(None) is None
    assert mask_identifier(Identifier(type="TRN", value="123 456 789")) == "TRN \u2022\u2022\u2022789"
    assert mask_identifier(Identifier(type="PPN", value="AB")) == "PPN \u2022\u2022\u2022"
    assert mask_identifier(None) is None


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


def test_search_by_divoc_certificate_id_of_a_migrated_certificate() -> None:
    from datetime import date as _date

    from vaxcert.errors import InvalidInput
    from vaxcert.facility.search import find, result_row

    query = parse_search({"legacyId": " 891244125 "}, _date(2026, 1, 1))
    assert query.legacy_id == "891244125" and query.describe() == {"legacyId": "891244125"}

    class Finder:
        def by_legacy_id(self, legacy_id: str) -> list[Certificate]:
            return [_certificate(legacy_id=legacy_id)]

    [found] = find(query, Finder())  # type: ignore[arg-type]
    assert result_row(found, load_catalogue()).legacy_id == "891244125"
    assert result_row(_certificate(), load_catalogue()).legacy_id is None
    try:
        parse_search({"legacyId": "89;1"}, _date(2026, 1, 1))
    except InvalidInput as exc:
        assert exc.problems[0].field == "legacyId"
    else:
        raise AssertionError("a malformed legacyId must be refused")
