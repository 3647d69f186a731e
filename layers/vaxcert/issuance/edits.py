"""A source's edit of a form (CommCare re-forwards it with a new `edited_on`) applied to a certificate.

The edit's changes are the fields that differ between the previous revision of the form and the new
one; they apply on top of the certificate's current content. A field an administrator corrected in
between keeps the administrator's value unless the same field changes in the form: then the form's
new value applies and the meeting is a conflict (audited `ingest.edit_conflict`, counted on the
dashboard). Without an admin correction the result is simply the new form.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from vaxcert.errors import InvalidInput, problems_from
from vaxcert.sources.vaccination import VaccinationEvent

# Who the certificate is about and where it is sent: an edit of these is audited as identity-changing.
IDENTITY_FIELDS = ("givenName", "familyName", "birthDate", "sex", "identifier", "mobile")


@dataclass(frozen=True)
class AppliedEdit:
    event: VaccinationEvent  # the content to issue
    changed: tuple[str, ...]  # field names the form changed
    conflicts: tuple[str, ...]  # admin-corrected fields the form changed too (the form's value won)


def fields_of(event: VaccinationEvent) -> dict[str, Any]:
    """The event's person and vaccination fields, flat, by their JSON names (`person.familyName`...)."""
    data = event.model_dump(mode="json", by_alias=True)
    return {f"{section}.{k}": v for section in ("person", "vaccination") for k, v in data[section].items()}


def changed_fields(before: VaccinationEvent, after: VaccinationEvent) -> tuple[str, ...]:
    """Names (without the section: `familyName`, `lot`) of the fields that differ; never their values."""
    a, b = fields_of(before), fields_of(after)
    return tuple(k.split(".", 1)[1] for k in dict.fromkeys([*a, *b]) if a.get(k) != b.get(k))


def touches_identity(fields: tuple[str, ...]) -> bool:
    return any(f in IDENTITY_FIELDS for f in fields)


def apply_edit(
    previous_form: VaccinationEvent, edited_form: VaccinationEvent, current: VaccinationEvent
) -> AppliedEdit:
    """`current` with the fields `edited_form` changed relative to `previous_form`; InvalidInput when the
    combination is not a valid vaccination (e.g. the form's new dose exceeds the admin's totalDoses)."""
    before, after, now = fields_of(previous_form), fields_of(edited_form), fields_of(current)
    keys = list(dict.fromkeys([*before, *after, *now]))
    form_changed = [k for k in keys if before.get(k) != after.get(k)]
    admin_changed = {k for k in keys if now.get(k) != before.get(k)}
    merged = dict(now)
    for k in form_changed:
        merged[k] = after.get(k)
    conflicts = [k for k in form_changed if k in admin_changed and after.get(k) != now.get(k)]
    data = current.model_dump(mode="json", by_alias=True)
    for section in ("person", "vaccination"):
        data[section] = {
            k.split(".", 1)[1]: v for k, v in merged.items() if k.startswith(f"{section}.") and v is not None
        }
    data["revision"] = edited_form.revision
    try:
        event = VaccinationEvent.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(problems_from(exc)) from None
    short = tuple(k.split(".", 1)[1] for k in form_changed)
    return AppliedEdit(event, short, tuple(k.split(".", 1)[1] for k in conflicts))
