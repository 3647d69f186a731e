"""Corrections: apply an admin's changes to the event a certificate was issued from, validated by the
same rules as a new vaccination, so a corrected certificate can never hold what intake would refuse.

The request names fields the way the admin page shows them (flat, camelCase); errors name them the same
way. A wrong dose number is just another field (DIVOC could not correct it).
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from vaxcert.catalogue import Catalogue
from vaxcert.errors import InvalidInput, Problem, parsed_as, problems_from
from vaxcert.sources.vaccination import VaccinationEvent, resolve_vaccine

PERSON_FIELDS = ("givenName", "familyName", "birthDate", "sex", "identifier", "mobile")
VACCINATION_FIELDS = ("vaccine", "lot", "date", "dose", "totalDoses", "centre", "practitioner", "nextDose")
CORRECTABLE = PERSON_FIELDS + VACCINATION_FIELDS
MAX_REASON = 500
COMMCARE_EDIT_REASON = "CommCare form edited"

# Error paths of the nested event model -> the flat request field names.
_FIELD_NAMES = {f"person.{f}": f for f in PERSON_FIELDS} | {f"vaccination.{f}": f for f in VACCINATION_FIELDS}
_FIELD_NAMES |= {"person.identifier.type": "identifier.type", "person.identifier.value": "identifier.value"}


def _documented(schema: dict[str, Any]) -> Any:
    """A correctable field: any JSON value here (the corrected event is validated as a whole, with
    intake's rules and messages); the API document shows what intake accepts."""
    return WithJsonSchema({**schema, "nullable": True})


_TEXT = {"type": "string"}
_DATE = {"type": "string", "format": "date"}
_DOSE = {"type": "integer", "minimum": 1, "maximum": 9}
_IDENTIFIER = {
    "type": "object",
    "required": ["type", "value"],
    "properties": {"type": {"type": "string", "example": "TRN"}, "value": {"type": "string"}},
}


class CorrectionRequest(BaseModel):
    """`{"familyName": "...", ..., "reason": "..."}`: any of the correctable fields (null removes an
    optional one) and a required reason; or `"reissue": true` (new HCID, current key, unchanged).

    The model that parses the request and the one the API document shows; its refusals name each
    field as the admin page does."""

    model_config = ConfigDict(extra="forbid", defer_build=True)  # built on first use, not at import
    unknown_problem: ClassVar[str] = f"cannot be corrected; correctable: {', '.join(CORRECTABLE)}"
    missing_problems: ClassVar[dict[str, str]] = {"reason": "is required: why the certificate is corrected"}

    givenName: Annotated[Any, _documented(_TEXT)] = None
    familyName: Annotated[Any, _documented(_TEXT)] = None
    birthDate: Annotated[Any, _documented(_DATE)] = None
    sex: Annotated[Any, _documented({"type": "string", "enum": ["male", "female", "other", "unknown"]})] = (
        None
    )
    identifier: Annotated[Any, _documented(_IDENTIFIER)] = None
    mobile: Annotated[Any, _documented(_TEXT)] = None
    vaccine: Annotated[Any, _documented(_TEXT)] = None
    lot: Annotated[Any, _documented(_TEXT)] = None
    date: Annotated[Any, _documented(_DATE)] = None
    dose: Annotated[Any, _documented(_DOSE)] = None
    totalDoses: Annotated[Any, _documented(_DOSE)] = None
    centre: Annotated[Any, _documented(_TEXT)] = None
    practitioner: Annotated[Any, _documented(_TEXT)] = None
    nextDose: Annotated[Any, _documented(_DATE)] = None
    reason: str = Field(min_length=1, max_length=MAX_REASON, description="why: kept in the audit trail")
    # Re-issue unchanged (new HCID, new signature with the current key, version + 1): after a key
    # was withdrawn, or a certificate was lost/compromised.
    reissue: bool = Field(default=False, description="re-issue unchanged (new HCID, current key)")

    @field_validator("reason", mode="before")
    @classmethod
    def _reason(cls, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise ValueError(cls.missing_problems["reason"])
        if len(value) > MAX_REASON:
            raise ValueError(f"at most {MAX_REASON} characters")
        return value.strip()

    @field_validator("reissue", mode="before")
    @classmethod
    def _reissue(cls, value: Any) -> bool:
        if not isinstance(value, bool):  # not "yes", 1, "true": a re-issue is asked for on purpose
            raise ValueError("must be true or false")
        return value

    @model_validator(mode="after")
    def _something_to_do(self) -> CorrectionRequest:
        if not self.changes and not self.reissue:
            raise ValueError('body: give at least one field to correct (or "reissue": true)')
        return self

    @property
    def changes(self) -> dict[str, Any]:
        """Request field name -> new value (None removes an optional field), as given."""
        return {name: getattr(self, name) for name in CORRECTABLE if name in self.model_fields_set}


def parse_correction(body: Any) -> CorrectionRequest:
    """The correction request in `body` (InvalidInput naming each wrong field otherwise)."""
    return parsed_as(CorrectionRequest, body)


def apply_correction(
    event: VaccinationEvent,
    changes: dict[str, Any],
    *,
    revision: str,
    catalogue: Catalogue,
    reissue: bool = False,
) -> VaccinationEvent:
    """The corrected event (new revision), validated like a new one; 422 names the request fields.

    Raises InvalidInput when nothing would change, unless it is a re-issue: a correction that
    corrects nothing is a mistake.
    """
    data = event.model_dump(mode="json", by_alias=True)
    person, vaccination = data["person"], data["vaccination"]
    for name, value in changes.items():
        (person if name in PERSON_FIELDS else vaccination)[name] = value
    if "vaccine" in changes and "totalDoses" not in changes:
        # The series length followed the old vaccine: let the new vaccine's catalogue default apply.
        vaccination["totalDoses"] = None
    data["revision"] = revision
    try:
        corrected = VaccinationEvent.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(problems_from(exc, _FIELD_NAMES)) from None
    corrected = resolve_vaccine(corrected, catalogue, _FIELD_NAMES)
    if not reissue and _content(corrected) == _content(event):
        raise InvalidInput([Problem("body", "the corrected values are the same as the certificate's")])
    return corrected


def _content(event: VaccinationEvent) -> dict[str, Any]:
    return event.model_dump(mode="json", exclude={"revision", "event_id", "source"})


def correction_revision(version: int, hcid: str) -> str:
    """Event revision of an admin correction: unique per attempt (the new HCID), ordered by version."""
    return f"admin-v{version}-{hcid}"
