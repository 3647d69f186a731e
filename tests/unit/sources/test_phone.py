from __future__ import annotations

import pytest

from vaxcert.sources.phone import InvalidMobile, mask_mobile, normalise_mobile


@pytest.mark.parametrize(
    "raw",
    [
        "8765550123",
        "876-555-0123",
        "(876) 555 0123",
        "(876)555-0123",
        "876.555.0123",
        "+1 876 555 0123",
        "+18765550123",
        "1-876-555-0123",
        "18765550123",
        "  876 555 0123  ",
    ],
)
def test_accepted_formats_normalise_to_e164(raw: str) -> None:
    assert normalise_mobile(raw) == "+18765550123"


def test_658_area_code_is_jamaican() -> None:
    assert normalise_mobile("658-555-0199") == "+16585550199"


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("555-0123", "10-digit"),
        ("876-555-01234", "10-digit"),
        ("212-555-0123", "area code"),
        ("+44 20 7946 0958", "Jamaican"),
        ("876-055-0123", "exchange"),
        ("876-555-O123", "digits"),
        ("", "10-digit Jamaican"),
    ],
)
def test_rejected_numbers_say_why(raw: str, why: str) -> None:
    with pytest.raises(InvalidMobile, match=why):
        normalise_mobile(raw)


def test_mask_keeps_only_prefix_and_last_four() -> None:
    assert mask_mobile("+18765550123") == "+1876•••0123"


@pytest.mark.parametrize(
    "raw",
    [
        "876\u0665\u0665\u0665\u0660\u0661\u0662\u0663",  # Arabic-Indic digits: str.isdigit() is True
        "\uff18\uff17\uff16\uff15\uff15\uff15\uff10\uff11\uff12\uff13",  # fullwidth digits
        "876555012\u00b3",  # superscript three
        "+1 900 555 0123",  # premium rate
        "+1 649 555 0123",  # another NANP country
        "+882 1234 5678",  # international networks
    ],
)
def test_only_ascii_jamaican_numbers_normalise(raw: str) -> None:
    with pytest.raises(InvalidMobile):
        normalise_mobile(raw)
