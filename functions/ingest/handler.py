"""Ingest: CommCare form forwarding and the generic vaccinations API -> event log -> issue queue."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response

from vaxcert.errors import InvalidInput, RejectedSubmission
from vaxcert.http.api import Api, json_response
from vaxcert.http.models.ingest import CommCareForm, IntakeAnswer, VaccinationEvent
from vaxcert.intake import IntakeStatus, receive
from vaxcert.routes import Auth
from vaxcert.runtime.ingest import services
from vaxcert.sources.commcare import event_from_form, field_names
from vaxcert.sources.person_keys import refuse_reserved_source
from vaxcert.sources.vaccination import resolve_vaccine
from vaxcert.store.aws import transient_on_aws_errors

logger = Logger(service="vaxcert-ingest")


def _authenticate(app: APIGatewayRestResolver) -> str:
    return services().authenticate(app)


api = Api("ingest", {Auth.INGEST_KEY: _authenticate})

STATUS_CODES = {
    IntakeStatus.ACCEPTED: 202,
    IntakeStatus.DUPLICATE: 200,
    IntakeStatus.CORRECTION: 202,
    IntakeStatus.STALE: 200,
}


@contextmanager
def _refusals() -> Iterator[None]:
    """CommCare treats 422 as permanent: the answer lists every field to fix, by question path."""
    try:
        yield
    except InvalidInput as exc:
        logger.info("vaccination event rejected", extra={"problems": [p.field for p in exc.problems]})
        raise RejectedSubmission(exc.problems) from None


@transient_on_aws_errors
def _receive(event: VaccinationEvent) -> Response:
    s = services()
    result = receive(event, log=s.log, queue=s.queue, now=datetime.now(UTC))
    logger.info(
        "vaccination event received", extra={"eventId": result.event_id, "status": result.status.value}
    )
    return json_response(STATUS_CODES[result.status], IntakeAnswer.of(result))


@api.route("POST", "/v1/ingest/commcare", body=CommCareForm)
def ingest_commcare() -> Response:
    s = services()
    with _refusals():
        form = api.body(CommCareForm)
        event = resolve_vaccine(event_from_form(form, s.mapping), s.catalogue, field_names(s.mapping))
    return _receive(event)


@api.route("POST", "/v1/vaccinations", body=VaccinationEvent)
def ingest_vaccination() -> Response:
    s = services()
    with _refusals():
        event = resolve_vaccine(refuse_reserved_source(api.body(VaccinationEvent)), s.catalogue)
    return _receive(event)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return api.handler(event, context)
