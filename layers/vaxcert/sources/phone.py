"""Mobile numbers: local formats -> E.164, the only form stored or sent to SNS.

The country's numbering rule is a `NumberingPlan`, built from the deployment's settings
(`mobile_country_code`, `mobile_area_codes`, `mobile_national_digits`, ...); the defaults are Jamaica's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vaxcert.settings import Settings

_SEPARATORS = re.compile(r"[\s\-().]")


class InvalidMobile(ValueError):
    pass


@dataclass(frozen=True)
class NumberingPlan:
    country_code: str  # "1"
    area_codes: tuple[str, ...]  # ("876", "658")
    national_digits: int  # 10
    country_name: str  # "Jamaican", in messages
    example: str  # "876-555-0123", in messages

    @classmethod
    def from_settings(cls, settings: Settings) -> NumberingPlan:
        return cls(
            country_code=settings.mobile_country_code,
            area_codes=settings.mobile_area_code_list,
            national_digits=settings.mobile_national_digits,
            country_name=settings.mobile_country_name,
            example=settings.mobile_example,
        )

    @property
    def nanp(self) -> bool:
        return self.country_code == "1"

    def normalise(self, raw: str) -> str:
        """For Jamaica: `876-555-0123`, `(876) 555 0123`, `8765550123`, `+1 876 555 0123`, `18765550123`
        -> `+18765550123`."""
        cc, digits, name = self.country_code, self.national_digits, self.country_name
        text = _SEPARATORS.sub("", raw.strip())
        if not text:
            raise InvalidMobile(f"is empty: give a {digits}-digit {name} number such as {self.example}")
        if text.startswith("+"):
            if not text.startswith("+" + cc):
                areas = " / ".join(f"+{cc} {area}" for area in self.area_codes)
                raise InvalidMobile(f"only {name} ({areas}) mobile numbers are accepted")
            text = text[1 + len(cc) :]
        elif len(text) == len(cc) + digits and text.startswith(cc):
            text = text[len(cc) :]
        # ASCII only: str.isdigit() also accepts other scripts' digits ("٨٧٦..."), which would pass the
        # area code check below and reach SNS as a number nobody meant.
        if not (text.isascii() and text.isdigit()):
            raise InvalidMobile("must contain only digits, spaces, dashes, dots or brackets")
        if len(text) != digits:
            raise InvalidMobile(f"must be a {digits}-digit {name} number such as {self.example}")
        area = next((a for a in self.area_codes if text.startswith(a)), None)
        if area is None:
            *others, last = self.area_codes
            listed = f"{', '.join(others)} or {last}" if others else last
            raise InvalidMobile(f"area code must be {listed}")
        if self.nanp and text[len(area)] in "01":  # NANP exchange codes never start with 0 or 1
            raise InvalidMobile("not a valid NANP number (exchange starts with 0 or 1)")
        return "+" + cc + text

    def is_canonical(self, e164: str) -> bool:
        """A number exactly as `normalise` writes it (what may be texted)."""
        try:
            return self.normalise(e164) == e164
        except InvalidMobile:
            return False


def default_plan() -> NumberingPlan:
    """This process's settings' plan, for callers not given one (composition roots pass
    `NumberingPlan.from_settings(settings)`; the settings model's defaults are Jamaica's)."""
    from vaxcert.settings import get_settings

    return _plan_of(get_settings())


@cache
def _plan_of(settings: Settings) -> NumberingPlan:
    return NumberingPlan.from_settings(settings)


def normalise_mobile(raw: str, plan: NumberingPlan | None = None) -> str:
    """`raw` in E.164 under `plan` (the deployment's numbering rule; None: the default one)."""
    return (plan or default_plan()).normalise(raw)


def mask_mobile(e164: str) -> str:
    """For display and support: `+18765550123` -> `+1876•••0123`."""
    return e164[:5] + "•••" + e164[-4:] if len(e164) >= 9 else "•••"
