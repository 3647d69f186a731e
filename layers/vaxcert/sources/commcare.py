"""CommCare form forwarding (Form API JSON) -> VaccinationEvent, through a configurable field mapping.

Question paths differ per CommCare app, so where each field lives is configuration
(config/commcare-mapping.json, overridable with FIELD_MAPPING_FILE), not code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from vaxcert.errors import InvalidInput, Problem, parsed_as
from vaxcert.sources.vaccination import VaccinationEvent, check_revision, parse_event

SOURCE = "commcare"

# Mapping field -> where it goes in the DDCC-shaped event (JSON path of VaccinationEvent).
_TARGETS: dict[str, str] = {
    "givenName": "person.givenName",
    "familyName": "person.familyName",
    "birthDate": "person.birthDate",
    "sex": "person.sex",
    "mobile": "person.mobile",
    "vaccine": "vaccination.vaccine",
    "lot": "vaccination.lot",
    "dose": "vaccination.dose",
    "totalDoses": "vaccination.totalDoses",
    "date": "vaccination.date",
    "nextDose": "vaccination.nextDose",
    "centreCode": "vaccination.centreCode",
    "centre": "vaccination.centre",
    "practitioner": "vaccination.practitioner",
    "practitionerId": "vaccination.practitionerId",
    # The CommCare case the form updates: the person's link key across their doses.
    "caseId": "person.caseId",
}


@dataclass(frozen=True)
class FieldMapping:
    fields: dict[str, tuple[str, ...]]
    sex_values: dict[str, str]


def parse_mapping(data: dict[str, Any]) -> FieldMapping:
    fields = {name: tuple(paths) for name, paths in data["fields"].items()}
    unknown = set(fields) - set(_TARGETS) - {"middleName", "identifierType", "identifierValue"}
    if unknown:
        raise ValueError(f"field mapping names unknown fields: {sorted(unknown)}")
    sex_values = {k.casefold(): v for k, v in data.get("sexValues", {}).items()}
    return FieldMapping(fields, sex_values)


@lru_cache(maxsize=4)
def load_mapping(path: str | None = None) -> FieldMapping:
    if path:
        text = Path(path).read_text(encoding="utf-8")
    else:
        text = resources.files("vaxcert").joinpath("config/commcare-mapping.json").read_text(encoding="utf-8")
    return parse_mapping(json.loads(text))


def _lookup(form: dict[str, Any], path: str) -> Any:
    node: Any = form
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _first(form: dict[str, Any], paths: tuple[str, ...]) -> tuple[Any, str | None]:
    for path in paths:
        value = _lookup(form, path)
        if value is not None and value != "":
            return value, path
    return None, paths[0] if paths else None


class CommCareForm(BaseModel):
    """A forwarded form (CommCare Form API JSON): its identity, its edit stamp and its questions.

    The body of `POST /v1/ingest/commcare`, as parsed and as documented. Where each certificate field
    is read under `form` is configuration (FieldMapping), so the questions stay a JSON object here and
    the mapping names every bad one by its question path."""

    model_config = ConfigDict(extra="allow", defer_build=True)  # built on first use, not at cold start
    body_problem: ClassVar[str] = "must be a CommCare form JSON object"

    id: str = Field(min_length=1, description="the form's instanceID (or form.meta.instanceID): the event id")
    edited_on: str | None = Field(
        default=None,
        description="set when the form was edited (a correction): an ISO 8601 date-time, compared as a time",
    )
    form: Any = Field(
        default=None,
        description="the form's questions; where each certificate field is read is configuration "
        "(config/commcare-mapping.json, FIELD_MAPPING_FILE)",
        json_schema_extra=lambda schema: _questions_schema(schema),
    )

    @model_validator(mode="before")
    @classmethod
    def _identity(cls, data: Any) -> Any:
        # CommCare re-forwards an edited form with the same `id` and a new `edited_on`.
        if not isinstance(data, dict):
            return data
        form_id = data.get("id") or _lookup(data, "form.meta.instanceID")
        if not isinstance(form_id, str) or not form_id.strip():
            raise ValueError("id: is required (the form's instanceID)")
        edited_on = data.get("edited_on")
        if edited_on is not None and not isinstance(edited_on, str):
            raise ValueError("edited_on: must be a timestamp string or null")
        return {**data, "id": form_id.strip()}

    @property
    def revision(self) -> str:
        return self.edited_on or "0"

    def questions(self) -> dict[str, Any]:
        """The whole submission as forwarded: mapping paths start at its root (`form.recipient...`)."""
        return {**(self.model_extra or {}), "id": self.id, "edited_on": self.edited_on, "form": self.form}


def _questions_schema(schema: dict[str, Any]) -> None:
    """The API document shows the default mapping's questions (config/commcare-mapping.json)."""
    schema.pop("default", None)
    schema["type"] = "object"
    tree: dict[str, Any] = {}
    for field, paths in load_mapping().fields.items():
        for path in paths:
            first, *parts = path.split(".")
            if first != "form" or not parts:
                continue
            node = tree
            for part in parts[:-1]:
                node = node.setdefault(part, {})
            node.setdefault(parts[-1], field)

    def described(node: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {
                name: described(value)
                if isinstance(value, dict)
                else {"type": "string", "description": f"read as the certificate's {value} (default mapping)"}
                for name, value in node.items()
            },
        }

    schema["properties"] = described(tree)["properties"]


def parse_form(data: Any) -> CommCareForm:
    return parsed_as(CommCareForm, data)


def event_from_commcare(data: Any, mapping: FieldMapping, now: datetime | None = None) -> VaccinationEvent:
    """Parse and map a forwarded form (JSON); InvalidInput names the question path of every bad field."""
    return event_from_form(parse_form(data), mapping, now)


def event_from_form(
    submission: CommCareForm, mapping: FieldMapping, now: datetime | None = None
) -> VaccinationEvent:
    """Map a parsed form; InvalidInput names the CommCare question path of every bad field."""
    event_id, revision = submission.id, submission.revision
    form = submission.questions()
    # `edited_on` orders edits: a time, not text (checked with the other fields, all named at once).
    stamp_problems: list[Problem] = []
    if revision != "0":
        try:
            check_revision(revision, "edited_on", now)
        except InvalidInput as exc:
            stamp_problems, revision = exc.problems, "0"
    person: dict[str, Any] = {}
    vaccination: dict[str, Any] = {}
    # Errors name what the form designer sees: the submission's own fields, not the event's.
    names: dict[str, str] = {"eventId": "id", "revision": "edited_on"}
    problems: list[Problem] = []

    for field, paths in mapping.fields.items():
        value, path = _first(form, paths)
        target = _TARGETS.get(field)
        if target and path:
            names[target] = path
        if value is None or target is None:
            continue
        if field == "sex":
            mapped = mapping.sex_values.get(str(value).strip().casefold())
            if mapped is None:
                problems.append(Problem(path or field, f"unknown sex value {value!r}"))
                continue
            value = mapped
        section, key = target.split(".")
        (person if section == "person" else vaccination)[key] = value

    # A middle name is part of the given names on the certificate (ICAO/EU practice).
    middle, middle_path = _first(form, mapping.fields.get("middleName", ()))
    id_type, id_type_path = _first(form, mapping.fields.get("identifierType", ()))
    id_value, id_path = _first(form, mapping.fields.get("identifierValue", ()))
    # These are joined or str()-ed, not validated by the event model: a list or object here would end
    # up on the certificate as Python text ("Zoë ['x']").
    for value, path, field in (
        (middle, middle_path, "middleName"),
        (id_type, id_type_path, "identifierType"),
        (id_value, id_path, "identifierValue"),
    ):
        if value is not None and (isinstance(value, bool) or not isinstance(value, str | int)):
            problems.append(Problem(path or field, "must be text"))
    if problems:
        raise InvalidInput([*stamp_problems, *problems])
    if middle and person.get("givenName"):
        person["givenName"] = f"{person['givenName']} {middle}"
    if id_value:
        person["identifier"] = {"type": str(id_type or "ID"), "value": str(id_value)}
        if id_path:
            names["person.identifier.value"] = id_path
        if id_type_path:
            names["person.identifier.type"] = id_type_path

    data = {
        "eventId": event_id,
        "source": SOURCE,
        "revision": revision,
        "person": person,
        "vaccination": vaccination,
    }
    try:
        event = parse_event(data, names)
    except InvalidInput as exc:
        raise InvalidInput([*stamp_problems, *exc.problems]) from None
    if stamp_problems:
        raise InvalidInput(stamp_problems)
    return event


def field_names(mapping: FieldMapping) -> dict[str, str]:
    """Event JSON path -> the first CommCare question path configured for it (for error messages)."""
    return {t: mapping.fields[f][0] for f, t in _TARGETS.items() if mapping.fields.get(f)}
