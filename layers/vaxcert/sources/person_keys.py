"""Person link keys: what makes two doses the same person's, stored on each certificate.

Doses belong to one person only when they share a reliable key: the same case of a source system
(CommCare's `form.case.@case_id`, or `person.caseId` of `POST /v1/vaccinations`), or the same
identifier (type + value) on both records. Name and date of birth alone never link two doses.

Case keys are namespaced by the channel the event came through, so an id sent to
`/v1/vaccinations` can never collide with a CommCare case id: `case:commcare:<case id>` and
`case:api:<caseId>`. Another source supplies its own namespace inside the caseId (the DIVOC
migration sends `divoc:<preEnrollmentCode>`, stored as `case:api:divoc:<preEnrollmentCode>`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from vaxcert.errors import InvalidInput, Problem
from vaxcert.sources.vaccination import VaccinationEvent, check_revision

# The source name only CommCare form forwarding may use (the API refuses it, see ingest).
COMMCARE_SOURCE = "commcare"
_ID_NOISE = re.compile(r"[\s\-./]")


@dataclass(frozen=True)
class PersonKeys:
    case: str | None = None  # case:<channel>:<id>
    identity: str | None = None  # id:<type>:<value>

    def all(self) -> tuple[str, ...]:
        return tuple(k for k in (self.case, self.identity) if k)


def case_key(source: str, case_id: str | None) -> str | None:
    if not case_id:
        return None
    channel = "commcare" if source == COMMCARE_SOURCE else "api"
    return f"case:{channel}:{case_id}"


def identity_key(kind: str, value: str) -> str | None:
    """ "TRN", "112-233 445" -> "id:trn:112233445": the same document however it was typed."""
    plain = _ID_NOISE.sub("", value).upper()
    kind = kind.strip().casefold()
    return f"id:{kind}:{plain}" if plain and kind else None


def refuse_reserved_source(event: VaccinationEvent, now: datetime | None = None) -> VaccinationEvent:
    """`/v1/vaccinations` may not claim to be CommCare (its caseIds would join CommCare's cases), nor
    an admin correction; an edit's `revision` is a date-time, as CommCare's `edited_on` is."""
    if event.source.casefold() == COMMCARE_SOURCE:
        raise InvalidInput([Problem("source", f"{event.source!r} is reserved for CommCare form forwarding")])
    if event.revision != "0":
        check_revision(event.revision, "revision", now)
    return event


def person_keys(event: VaccinationEvent) -> PersonKeys:
    person = event.person
    identifier = person.identifier
    return PersonKeys(
        case=case_key(event.source, person.case_id),
        identity=identity_key(identifier.type, identifier.value) if identifier else None,
    )
