from __future__ import annotations

import pytest
from pydantic import ValidationError

from vaxcert.runtime.wiring import rebind
from vaxcert.settings import Settings
from vaxcert.sources.phone import InvalidMobile, NumberingPlan, mask_mobile, normalise_mobile


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


# The numbering rule is the deployment's (settings), the defaults are Jamaica's.
def test_the_default_plan_is_the_settings_default() -> None:
    plan = NumberingPlan.from_settings(Settings())
    assert plan.area_codes == ("876", "658") and plan.national_digits == 10 and plan.country_code == "1"
    assert plan.normalise("876-555-0123") == normalise_mobile("876-555-0123") == "+18765550123"


def test_a_configured_plan_is_applied() -> None:
    settings = Settings.from_env(
        {
            "MOBILE_COUNTRY_CODE": "1",
            "MOBILE_AREA_CODES": "242",
            "MOBILE_COUNTRY_NAME": "Bahamian",
            "MOBILE_EXAMPLE": "242-555-0123",
        }
    )
    plan = NumberingPlan.from_settings(settings)
    assert normalise_mobile("242 555 0123", plan) == "+12425550123"
    with pytest.raises(InvalidMobile, match="area code must be 242"):
        normalise_mobile("876-555-0123", plan)
    with pytest.raises(InvalidMobile, match=r"only Bahamian \(\+1 242\) mobile numbers"):
        normalise_mobile("+44 7700 900123", plan)
    with pytest.raises(InvalidMobile, match="10-digit Bahamian number such as 242-555-0123"):
        normalise_mobile("242-555-012", plan)


def test_a_plan_outside_the_nanp() -> None:
    plan = NumberingPlan(
        country_code="254",
        area_codes=("7", "1"),
        national_digits=9,
        country_name="Kenyan",
        example="712 345678",
    )
    assert normalise_mobile("+254 712 345678", plan) == "+254712345678"
    assert normalise_mobile("254712345678", plan) == "+254712345678"
    assert normalise_mobile("712345678", plan) == "+254712345678"
    assert plan.is_canonical("+254712345678") and not plan.is_canonical("+254 712345678")
    with pytest.raises(InvalidMobile, match="area code must be 7 or 1"):
        normalise_mobile("512345678", plan)


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"MOBILE_AREA_CODES": "876;658"}, "mobile_area_codes"),
        ({"MOBILE_COUNTRY_CODE": "+1"}, "mobile_country_code"),
        ({"MOBILE_NATIONAL_DIGITS": "3"}, "mobile_national_digits"),
    ],
)
def test_a_bad_numbering_setting_is_refused(env: dict[str, str], problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        Settings.from_env(env)


def test_without_a_plan_the_process_settings_apply(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOBILE_AREA_CODES", "242")
    rebind()
    try:
        assert normalise_mobile("242-555-0123") == "+12425550123"
        with pytest.raises(InvalidMobile, match="area code must be 242"):
            normalise_mobile("876-555-0123")
    finally:
        monkeypatch.delenv("MOBILE_AREA_CODES")
        rebind()


def test_a_source_record_is_read_with_the_plan_it_is_given() -> None:
    from vaxcert.sources.vaccination import PersonIn

    plan = NumberingPlan(
        country_code="1",
        area_codes=("242",),
        national_digits=10,
        country_name="Bahamian",
        example="242-555-0123",
    )
    person = {"familyName": "Brown", "birthDate": "1980-02-01", "mobile": "242 555 0123"}
    assert PersonIn.model_validate(person, context={"plan": plan}).mobile == "+12425550123"
    with pytest.raises(ValidationError, match="area code must be 876 or 658"):
        PersonIn.model_validate(person)  # without a plan: the process settings' (Jamaica)
