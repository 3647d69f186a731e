"""`VaccinationEvent`: one vaccination as a source system reports it, validated, before issuance.

It is also the body of `POST /v1/vaccinations` (camelCase JSON, DDCC-shaped), so other source
systems can skip CommCare. Vaccines are named by catalogue key or alias (`comirnaty`, `pfizer`, ...).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, model_validator
from pydantic.alias_generators import to_camel

from vaxcert.catalogue import Catalogue
from vaxcert.errors import InvalidInput, Problem, parsed_as
from vaxcert.sources.phone import InvalidMobile, normalise_mobile

# COVID-19 vaccination began in December 2020; earlier dates are typing errors.
EARLIEST_VACCINATION = date(2020, 12, 1)
EARLIEST_BIRTH = date(1900, 1, 1)
# Forms are filled in local time (UTC-5); allow a day for clock and time-zone skew.
FUTURE_SKEW = timedelta(days=1)

# Invisible or spoofing characters: controls (C0, DEL, C1 escapes), format characters (bidi
# overrides, zero-width spaces and joiners), private use, lone surrogates, line/paragraph separators.
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Zl", "Zp"})
# Scripts that write one language together: a Japanese or Korean name mixes these legitimately.
_SCRIPT_FAMILIES = {"CJK": "HAN", "HIRAGANA": "HAN", "KATAKANA": "HAN", "HANGUL": "HAN", "IDEOGRAPHIC": "HAN"}
# First words of letter names that are not scripts (MODIFIER LETTER APOSTROPHE, U+02BC, in Ng'ang'a).
_NOT_SCRIPTS = frozenset({"MODIFIER", "FEMININE", "MASCULINE"})


def refused_character(value: str) -> str | None:
    """The first character of a refused category, described (`U+202E RIGHT-TO-LEFT OVERRIDE`)."""
    for c in value:
        if unicodedata.category(c) in REFUSED_CATEGORIES:
            return f"U+{ord(c):04X} {unicodedata.name(c, 'control character')}"
    return None


def letter_script(c: str) -> str | None:
    """The script of a letter, from its Unicode name (LATIN, CYRILLIC, GREEK, ...); None otherwise."""
    if not unicodedata.category(c).startswith("L"):
        return None
    word = unicodedata.name(c, "").split(" ", 1)[0]
    if not word or word in _NOT_SCRIPTS:
        return None
    return _SCRIPT_FAMILIES.get(word, word)


def mixed_script_part(value: str) -> str | None:
    """A name part (between spaces and hyphens) whose letters come from two scripts: "Marcia" with a
    Cyrillic U+041C for its M is a look-alike. Accents and combining marks belong to no script."""
    for part in re.split(r"[\s\-\u2010\u2011]+", value):
        scripts = {s for s in map(letter_script, part) if s}
        if len(scripts) > 1:
            return part
    return None


def _clean_text(value: str) -> str:
    value = unicodedata.normalize("NFC", value)
    bad = refused_character(value)
    if bad:
        raise ValueError(f"must not contain invisible or control characters ({bad})")
    return re.sub(r"\s+", " ", value.strip())


def _clean_name(value: str) -> str:
    value = _clean_text(value)
    part = mixed_script_part(value)
    if part is not None:
        scripts = sorted({s for s in map(letter_script, part) if s})
        raise ValueError(f"mixes letters of {' and '.join(scripts)} in one name part (look-alike letters)")
    return value


def _mobile(value: str, info: ValidationInfo) -> str:
    # The deployment's numbering rule comes as validation context {"plan": NumberingPlan}.
    plan = (info.context or {}).get("plan") if isinstance(info.context, dict) else None
    try:
        return normalise_mobile(value, plan)
    except InvalidMobile as exc:
        raise ValueError(str(exc)) from None


def _today() -> date:
    return datetime.now(UTC).date()


CleanText = Annotated[str, AfterValidator(_clean_text)]
PersonName = Annotated[str, AfterValidator(_clean_name)]
Mobile = Annotated[str, AfterValidator(_mobile)]


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)


class IdentifierIn(_Model):
    type: CleanText = Field(min_length=1, max_length=20)
    value: CleanText = Field(min_length=1, max_length=40)


class PersonIn(_Model):
    given_name: PersonName = Field(default="", max_length=80)
    family_name: PersonName = Field(min_length=1, max_length=80)
    birth_date: date
    sex: Literal["male", "female", "other", "unknown"] | None = None
    identifier: IdentifierIn | None = None
    mobile: Mobile | None = None
    # The source system's own id of the person (CommCare: `form.case.@case_id`): doses that carry the
    # same one are the same person's. Namespaced by channel when stored (sources.person_keys).
    case_id: CleanText | None = Field(default=None, min_length=1, max_length=100)

    @model_validator(mode="after")
    def _checks(self) -> PersonIn:
        if self.birth_date < EARLIEST_BIRTH:
            raise ValueError("birthDate: before 1900")
        if self.birth_date > _today():
            raise ValueError("birthDate: in the future")
        return self


class VaccinationIn(_Model):
    vaccine: CleanText = Field(min_length=1, max_length=60, description="catalogue key or alias")
    lot: CleanText = Field(min_length=1, max_length=60)
    date: dt.date
    dose: int = Field(ge=1, le=9)
    total_doses: int | None = Field(default=None, ge=1, le=9)
    country: str = Field(default="JAM", pattern=r"^[A-Z]{3}$")
    centre: CleanText | None = Field(default=None, max_length=120)
    centre_code: CleanText | None = Field(default=None, max_length=40)
    practitioner: CleanText | None = Field(default=None, max_length=120)
    practitioner_id: CleanText | None = Field(default=None, max_length=40)
    next_dose: dt.date | None = None

    @model_validator(mode="after")
    def _checks(self) -> VaccinationIn:
        if self.date < EARLIEST_VACCINATION:
            raise ValueError("date: before COVID-19 vaccination began (2020-12-01)")
        if self.date > _today() + FUTURE_SKEW:
            raise ValueError("date: in the future")
        if self.total_doses is not None and self.dose > self.total_doses:
            raise ValueError(f"dose: dose {self.dose} cannot exceed totalDoses {self.total_doses}")
        if self.next_dose is not None and self.next_dose <= self.date:
            raise ValueError("nextDose: must be after the vaccination date")
        return self


class LegacyIn(_Model):
    """The certificate another system issued for this vaccination (a migration, e.g. from DIVOC).

    The certificate keeps `certificateId` as its `legacyId`: staff find it by that id, and the old QR
    stays verifiable and revocable through it.
    """

    system: Literal["DIVOC"]
    certificate_id: CleanText = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:\-]+$")
    issued_at: CleanText | None = Field(default=None, max_length=40)
    effective_until: dt.date | None = None


class VaccinationEvent(_Model):
    event_id: CleanText = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._:\-]+$")
    source: CleanText = Field(default="api", max_length=40)
    # Distinguishes edits of one event: CommCare's `edited_on`; "0" for the first version.
    revision: str = Field(default="0", max_length=40)
    person: PersonIn
    vaccination: VaccinationIn
    legacy: LegacyIn | None = None
    # False: no "certificate ready" SMS (a migration of certificates people already hold).
    notify: bool = True

    @model_validator(mode="after")
    def _checks(self) -> VaccinationEvent:
        if self.person.birth_date > self.vaccination.date:
            raise ValueError("person.birthDate: after the vaccination date")
        return self


# An edit stamped later than this is a wrong clock or a forged order (it would win over every real edit).
EDIT_FUTURE_SKEW = timedelta(minutes=5)
_DATE_TIME_EXAMPLE = "must be an ISO 8601 date-time, e.g. 2021-12-15T10:22:31.123456Z"


def edit_time(revision: str) -> datetime:
    """An edit's revision (CommCare's `edited_on`) as a time; UTC when it names no offset.

    Edits are ordered by this, never by the text: "2021-12-15T10:00:00+01:00" is before
    "2021-12-15T09:30:00Z". ValueError when it is not an ISO 8601 date-time."""
    text = revision.strip()
    if len(text) < 16 or text[10] not in "Tt ":
        raise ValueError(_DATE_TIME_EXAMPLE)
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(_DATE_TIME_EXAMPLE) from None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def is_source_edit(revision: str) -> bool:
    """Revisions other than the original ("0") and admin corrections are a source's edits (`edited_on`)."""
    return revision != "0" and not revision.startswith("admin-")


def check_revision(revision: str, field: str, now: datetime | None = None) -> datetime:
    """A source's edit stamp: a date-time, not more than 5 minutes in the future (422 naming `field`)."""
    if len(revision) > 40:
        raise InvalidInput([Problem(field, "must be an ISO 8601 date-time (at most 40 characters)")])
    try:
        at = edit_time(revision)
    except ValueError as exc:
        raise InvalidInput([Problem(field, str(exc))]) from None
    if at > (now or datetime.now(UTC)) + EDIT_FUTURE_SKEW:
        raise InvalidInput([Problem(field, "is in the future (more than 5 minutes ahead)")])
    return at


def parse_event(data: Any, field_names: dict[str, str] | None = None) -> VaccinationEvent:
    """Validate a DDCC-shaped JSON object; raises InvalidInput listing every problem."""
    return parsed_as(VaccinationEvent, data, field_names)


def resolve_vaccine(
    event: VaccinationEvent, catalogue: Catalogue, field_names: dict[str, str] | None = None
) -> VaccinationEvent:
    """Canonicalise the vaccine to its catalogue key and fill totalDoses from the catalogue default."""
    names = field_names or {}
    product = catalogue.find(event.vaccination.vaccine)
    if product is None:
        known = ", ".join(sorted(catalogue.products))
        field = names.get("vaccination.vaccine", "vaccination.vaccine")
        raise InvalidInput([Problem(field, f"unknown vaccine {event.vaccination.vaccine!r}; known: {known}")])
    total = event.vaccination.total_doses or product.default_total_doses
    if event.vaccination.dose > total:
        field = names.get("vaccination.dose", "vaccination.dose")
        raise InvalidInput(
            [Problem(field, f"dose {event.vaccination.dose} cannot exceed totalDoses {total}")]
        )
    vaccination = event.vaccination.model_copy(update={"vaccine": product.key, "total_doses": total})
    return event.model_copy(update={"vaccination": vaccination})
