"""Person fields refuse invisible and spoofing characters; accents and combining marks stay valid."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vaxcert.errors import InvalidInput
from vaxcert.sources.vaccination import REFUSED_CATEGORIES, parse_event

# Characters of every refused category (surrogates cannot travel in JSON text, but can in a str).
refused = st.characters(categories=("Cc", "Cf", "Co", "Cs", "Zl", "Zp"))
latin = st.characters(min_codepoint=ord("a"), max_codepoint=ord("z"))
# Letters and marks people's names really use: Latin with accents, combining marks, other scripts.
name_letters = st.sampled_from("abcdefghijklmnopqrstuvwxyzéèêëàâäçñöüøåæœłđßÆÉ\u0301\u0308'")


# Cyrillic and Greek letters that look like Latin ones (a e o p c x M B T, o a A B E M).
LOOK_ALIKES = "\u0430\u0435\u043e\u0440\u0441\u0445\u041c\u0412\u0422\u03bf\u03b1\u0391\u0392\u0395\u039c"


def test_the_refused_categories_are_the_issues_list() -> None:
    assert {"Cc", "Cf", "Co", "Cs", "Zl", "Zp"} == REFUSED_CATEGORIES


def body(**person: Any) -> dict[str, Any]:
    return {
        "eventId": "e-1",
        "person": {"familyName": "Campbell", "givenName": "Marcia", "birthDate": "1984-03-07", **person},
        "vaccination": {"vaccine": "comirnaty", "lot": "FK5127", "date": "2021-12-14", "dose": 1},
    }


def refused_fields(data: dict[str, Any]) -> list[str]:
    try:
        parse_event(data)
    except InvalidInput as exc:
        return [p.field for p in exc.problems]
    return []


@given(st.text(latin, min_size=1, max_size=5), refused, st.text(latin, max_size=5))
def test_any_refused_character_anywhere_is_a_422_naming_the_field(head: str, bad: str, tail: str) -> None:
    text = head + bad + tail
    assert refused_fields(body(familyName=text)) == ["person.familyName"]
    assert refused_fields(body(givenName=text)) == ["person.givenName"]
    assert refused_fields(body(identifier={"type": "TRN", "value": text})) == ["person.identifier.value"]


@given(st.text(name_letters, min_size=1, max_size=12).filter(lambda s: s.strip("'\u0301\u0308")))
def test_accented_and_combining_latin_names_stay_valid(name: str) -> None:
    assert refused_fields(body(familyName=name)) == []
    assert parse_event(body(familyName=name)).person.family_name == unicodedata.normalize("NFC", name).strip()


@given(
    st.text(latin, min_size=1, max_size=6),
    st.sampled_from(LOOK_ALIKES),
    st.text(latin, max_size=6),
)
def test_a_latin_name_part_with_a_cyrillic_or_greek_look_alike_is_refused(
    head: str, fake: str, tail: str
) -> None:
    assert refused_fields(body(familyName=head + fake + tail)) == ["person.familyName"]


@pytest.mark.parametrize(
    "name",
    [
        "Σοφία Παπαδοπούλου",
        "Пётр Иванов",
        "山田 はなこ",
        "김 민준",
        "Jean-Пьер",
        "Ng\u02bcang\u02bca",
        "Zoë O'Brien",
        "Nguyễn",
    ],
)
def test_one_script_per_part_is_fine(name: str) -> None:
    assert refused_fields(body(givenName=name)) == []


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Mar\u202eaicr", "RIGHT-TO-LEFT OVERRIDE"),
        ("Mar\u200bcia", "ZERO WIDTH SPACE"),
        ("Mar\x9bcia", "U+009B"),
    ],
)
def test_the_problem_says_which_character(text: str, words: str) -> None:
    with pytest.raises(InvalidInput) as refused_:
        parse_event(body(givenName=text))
    assert words in refused_.value.problems[0].problem


def test_commcare_errors_name_the_question_path() -> None:
    import json

    from tests.conftest import EXAMPLE_FORM, require_shared
    from vaxcert.sources.commcare import event_from_commcare, load_mapping

    form = json.loads(require_shared(EXAMPLE_FORM).read_text())
    form["form"]["recipient"]["last_name"] = "Camp\u200bbell"
    form["form"]["recipient"]["first_name"] = "M\u0430rcia"  # Cyrillic a
    form["form"]["recipient"]["id_type"] = "TRN\u202e"
    with pytest.raises(InvalidInput) as refused_:
        event_from_commcare(form, load_mapping())
    assert sorted(p.field for p in refused_.value.problems) == [
        "form.recipient.first_name",
        "form.recipient.id_type",
        "form.recipient.last_name",
    ]
