"""Ingest's request and response models: the handler parses with them, the API document shows them.

`POST /v1/ingest/commcare` takes a CommCare form (`sources.commcare.CommCareForm`: the question paths
are configuration) and `POST /v1/vaccinations` a `sources.vaccination.VaccinationEvent`: the domain
models parse their own source formats. Both answer an `IntakeAnswer`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from vaxcert.intake import IntakeResult, IntakeStatus
from vaxcert.sources.commcare import CommCareForm
from vaxcert.sources.vaccination import VaccinationEvent

__all__ = ["CommCareForm", "IntakeAnswer", "VaccinationEvent"]


class IntakeAnswer(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at cold start

    eventId: str = Field(description="the event's id (CommCare: the form's id)")  # camelCase: JSON contract
    status: IntakeStatus = Field(
        description="accepted: new, queued; correction: an edited form, queued; duplicate: the same "
        "submission again; stale: an edit not later than one already received (nothing changes)"
    )

    @classmethod
    def of(cls, result: IntakeResult) -> IntakeAnswer:
        return cls(eventId=result.event_id, status=result.status)


_COMMCARE = ("POST", "/v1/ingest/commcare")
_VACCINATIONS = ("POST", "/v1/vaccinations")
# (method, path) -> the model its handler parses the body with / answers each 2xx with; the API
# document (vaxcert.http.openapi) is built from these, the handler declares the same (tests check).
REQUEST_BODIES: dict[tuple[str, str], type[BaseModel]] = {
    _COMMCARE: CommCareForm,
    _VACCINATIONS: VaccinationEvent,
}
RESPONSES: dict[tuple[str, str], dict[int, type[BaseModel]]] = {
    _COMMCARE: {202: IntakeAnswer, 200: IntakeAnswer},
    _VACCINATIONS: {202: IntakeAnswer, 200: IntakeAnswer},
}
