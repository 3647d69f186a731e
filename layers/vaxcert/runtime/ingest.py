"""The composition root of functions/ingest: settings -> adapters -> services, built on first use (never at
import), once per process. In the layer beside the other roots: on Lambda a function's folder is
/var/task, no package."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from vaxcert.catalogue import Catalogue, load_catalogue
from vaxcert.http.auth import SecretValue, ingest_key_authenticator
from vaxcert.intake import EventLogPort, QueuePort
from vaxcert.runtime.root import Root
from vaxcert.runtime.wiring import settings
from vaxcert.sources.commcare import FieldMapping, load_mapping
from vaxcert.store.events import EventLog
from vaxcert.store.queue import IssueQueue


@dataclass(frozen=True)
class Services:
    authenticate: Callable[[APIGatewayRestResolver], str]  # the ingest key header (CommCare "API Key")
    log: EventLogPort
    queue: QueuePort
    mapping: FieldMapping  # where each certificate field lives in a CommCare form
    catalogue: Catalogue


def build() -> Services:
    s = settings()
    return Services(
        authenticate=ingest_key_authenticator(s.ingest_header, SecretValue(s.ingest_secret_arn)),
        log=EventLog(),
        queue=IssueQueue(s.issue_queue_url),
        mapping=load_mapping(s.field_mapping_file),
        catalogue=load_catalogue(s.vaccine_catalogue_file),
    )


services = Root(build)
