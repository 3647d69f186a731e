"""Ingest: CommCare form forwarding and the generic vaccinations API -> event log -> issue queue."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response

from vaxcert.catalogue import load_catalogue
from vaxcert.errors import InvalidInput
from vaxcert.http.api import Api, json_response
from vaxcert.http.auth import SecretValue, ingest_key_authenticator
from vaxcert.intake import IntakeStatus, receive
from vaxcert.routes import Auth
from vaxcert.runtime.wiring import settings
from vaxcert.sources.commcare import event_from_commcare, field_names, load_mapping
from vaxcert.sources.person_keys import refuse_reserved_source
from vaxcert.sources.vaccination import VaccinationEvent, parse_event, resolve_vaccine
from vaxcert.store.aws import transient_on_aws_errors
from vaxcert.store.events import EventLog
from vaxcert.store.queue import IssueQueue

logger = Logger(service="vaxcert-ingest")
_settings = settings()
api = Api(
    "ingest",
    {
        Auth.INGEST_KEY: ingest_key_authenticator(
            _settings.ingest_header, SecretValue(_settings.ingest_secret_arn)
        )
    },
)
_log = EventLog()
_queue = IssueQueue(_settings.issue_queue_url)

STATUS_CODES = {
    IntakeStatus.ACCEPTED: 202,
    IntakeStatus.DUPLICATE: 200,
    IntakeStatus.CORRECTION: 202,
    IntakeStatus.STALE: 200,
}


@transient_on_aws_errors
def _receive(event: VaccinationEvent) -> Response:
    result = receive(event, log=_log, queue=_queue, now=datetime.now(UTC))
    logger.info(
        "vaccination event received", extra={"eventId": result.event_id, "status": result.status.value}
    )
    return json_response(
        STATUS_CODES[result.status], {"eventId": result.event_id, "status": result.status.value}
    )


def _rejected(exc: InvalidInput) -> Response:
    # CommCare treats 422 as permanent: the body lists every field to fix, by question path.
    logger.info("vaccination event rejected", extra={"problems": [p.field for p in exc.problems]})
    return json_response(422, [p.as_dict() for p in exc.problems])


@api.route("POST", "/v1/ingest/commcare")
def ingest_commcare() -> Response:
    mapping = load_mapping(_settings.field_mapping_file)
    try:
        event = event_from_commcare(api.json_body(), mapping)
        event = resolve_vaccine(event, load_catalogue(_settings.vaccine_catalogue_file), field_names(mapping))
    except InvalidInput as exc:
        return _rejected(exc)
    return _receive(event)


@api.route("POST", "/v1/vaccinations")
def ingest_vaccination() -> Response:
    try:
        event = resolve_vaccine(
            refuse_reserved_source(parse_event(api.json_body())),
            load_catalogue(_settings.vaccine_catalogue_file),
        )
    except InvalidInput as exc:
        return _rejected(exc)
    return _receive(event)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return api.handler(event, context)
