"""Each function's composition root lets a test run its handler on services built with fakes (no
module reloads, no AWS): the handlers parse -> call -> map, and answer today's shapes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from local_stack.gateway import proxy_event
from local_stack.lambda_runtime import LocalContext
from local_stack.queue_worker import sqs_event
from vaxcert.cache import TtlCache
from vaxcert.catalogue import load_catalogue
from vaxcert.sources.commcare import load_mapping
from vaxcert.sources.vaccination import VaccinationEvent
from vaxcert.types.events import Recorded
from vaxcert.verification import InMemoryTrustStore

EVENT = {
    "eventId": "api-1",
    "person": {"familyName": "Campbell", "birthDate": "1980-02-29", "mobile": "876-555-0123"},
    "vaccination": {"vaccine": "comirnaty", "lot": "EX1", "date": "2021-07-01", "dose": 1},
}


def _call(module: Any, method: str, path: str, body: Any) -> tuple[int, dict[str, str], Any]:
    payload = body if isinstance(body, bytes) else json.dumps(body).encode()
    event = proxy_event(method, path, {"Content-Type": "application/json"}, payload, "192.0.2.10")
    answer = module.handler(event, LocalContext("test", 512, 10))
    headers = dict(answer.get("headers") or {})
    headers.update({k: ", ".join(v) for k, v in (answer.get("multiValueHeaders") or {}).items()})
    return int(answer["statusCode"]), headers, json.loads(answer["body"])


class FakeLog:
    def __init__(self) -> None:
        self.events: dict[tuple[str, str], VaccinationEvent] = {}

    def record(self, event: VaccinationEvent, content_hash: str, now: datetime) -> Recorded:
        key = (event.event_id, event.revision)
        created = key not in self.events
        self.events.setdefault(key, event)
        original = (event.event_id, "0") in self.events
        return Recorded(
            created=created, content_hash=content_hash, status="RECEIVED", original_exists=original
        )

    def mark_queued(self, event_id: str, revision: str, now: datetime) -> None:
        pass

    def revisions(self, event_id: str) -> list[str]:
        return [r for e, r in self.events if e == event_id]


class FakeQueue:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, event_id: str, revision: str) -> None:
        self.sent.append((event_id, revision))


@pytest.fixture
def ingest() -> Iterator[tuple[Any, FakeQueue]]:
    from functions.ingest import handler
    from vaxcert.runtime.ingest import Services, services

    queue = FakeQueue()
    services.use(
        Services(
            authenticate=lambda app: "ingest",
            log=FakeLog(),
            queue=queue,
            mapping=load_mapping(),
            catalogue=load_catalogue(),
        )
    )
    yield handler, queue
    services.reset()


def test_ingest_answers_from_its_response_model(ingest: tuple[Any, FakeQueue]) -> None:
    handler, queue = ingest
    assert _call(handler, "POST", "/v1/vaccinations", EVENT)[::2] == (
        202,
        {"eventId": "api-1", "status": "accepted"},
    )
    assert _call(handler, "POST", "/v1/vaccinations", EVENT)[::2] == (
        200,
        {"eventId": "api-1", "status": "duplicate"},
    )
    assert queue.sent == [("api-1", "0"), ("api-1", "0")]  # not issued yet: queued again


def test_ingest_refusals_are_the_bare_list(ingest: tuple[Any, FakeQueue]) -> None:
    handler, queue = ingest
    status, _, body = _call(handler, "POST", "/v1/vaccinations", {**EVENT, "source": "commcare"})
    assert (status, body) == (
        422,
        [{"field": "source", "problem": "'commcare' is reserved for CommCare form forwarding"}],
    )
    status, _, body = _call(handler, "POST", "/v1/ingest/commcare", [1])
    assert (status, body) == (422, [{"field": "body", "problem": "must be a CommCare form JSON object"}])
    status, _, body = _call(handler, "POST", "/v1/ingest/commcare", {"form": {}})
    assert (status, body) == (422, [{"field": "id", "problem": "is required (the form's instanceID)"}])
    status, _, body = _call(handler, "POST", "/v1/ingest/commcare", {"id": "f-1", "edited_on": 5})
    assert (status, body) == (422, [{"field": "edited_on", "problem": "must be a timestamp string or null"}])
    status, _, body = _call(handler, "POST", "/v1/ingest/commcare", {"id": "f-1", "form": {"recipient": {}}})
    assert status == 422 and "form.recipient.last_name" in {p["field"] for p in body}
    status, _, body = _call(handler, "POST", "/v1/ingest/commcare", b"")
    assert (status, body) == (422, [{"field": "body", "problem": "is empty; a JSON object is required"}])
    assert queue.sent == []


@pytest.fixture
def verify() -> Iterator[Any]:
    from functions.verify import handler
    from vaxcert.runtime.verify import Services, services

    services.use(
        Services(
            shc_issuer="https://vaxcert.example/shc",
            configured=(),
            trust_entries=None,  # type: ignore[arg-type]  # the routes tested here read no trust table
            certificates=None,  # type: ignore[arg-type]
            trust=InMemoryTrustStore([]),
            revocations=None,  # type: ignore[arg-type]
            revocation_list=TtlCache(lambda: None),
            catalogue=load_catalogue(),
            openapi=TtlCache(lambda: None),  # type: ignore[arg-type, return-value]
        )
    )
    yield handler
    services.reset()


def test_verify_parses_with_its_model_and_answers_a_verification_result(verify: Any) -> None:
    from vaxcert.verification.models import VerificationResult

    status, _, body = _call(verify, "POST", "/v1/verify", {"qr": "HC1:NCFOXN", "at": "2026-01-31T12:00:00"})
    assert status == 200 and VerificationResult.model_validate(body).valid is False
    problems = {
        json.dumps(b): _call(verify, "POST", "/v1/verify", b)[2]["errors"]
        for b in ({}, {"qr": 5}, {"qr": " "}, {"qr": "x", "at": "yesterday"}, {"qr": "x" * 16_385})
    }
    assert list(problems.values()) == [
        [{"field": "qr", "problem": "is required: the text read from the QR code"}],
        [{"field": "qr", "problem": "must be a string: the text read from the QR code"}],
        [{"field": "qr", "problem": "must be 1 to 16384 characters"}],
        [{"field": "at", "problem": "must be an ISO 8601 date-time such as 2026-01-31T12:00:00Z"}],
        [{"field": "qr", "problem": "must be 1 to 16384 characters"}],
    ]
    assert _call(verify, "POST", "/v1/verify", [1])[2]["errors"] == [
        {"field": "body", "problem": "must be a JSON object with a qr field"}
    ]


def test_an_unpublished_revocation_list_is_a_cacheable_404(verify: Any) -> None:
    status, headers, body = _call(verify, "GET", "/v1/revocation-list", b"")
    assert (status, body) == (404, {"message": "no revocation list has been published yet"})
    assert headers["Cache-Control"] == "public, max-age=60"


class FakeStore:
    def get_certificate(self, hcid: str) -> None:
        return None


def test_issue_fails_only_the_record_whose_message_does_not_parse() -> None:
    from functions.issue import handler
    from vaxcert.runtime.issue import Services, services

    services.use(
        Services(
            store=FakeStore(),  # type: ignore[arg-type]
            audit=None,  # type: ignore[arg-type]
            sms=None,  # type: ignore[arg-type]
            issuer=None,  # type: ignore[arg-type]
            catalogue=load_catalogue(),
            signer=None,  # type: ignore[arg-type]
            publisher=None,  # type: ignore[arg-type]
            portal_url="https://vaxcert.example/",
            max_corrections=5,
        )
    )
    try:
        messages = [
            {"MessageId": "poison", "ReceiptHandle": "r1", "Body": "{not json"},
            {"MessageId": "odd", "ReceiptHandle": "r2", "Body": '{"eventId": "e-1"}'},
            {"MessageId": "notice", "ReceiptHandle": "r3", "Body": '{"notice": "UNKNOWN"}'},
        ]
        event = sqs_event(messages, "arn:aws:sqs:us-east-1:000000000000:vaxcert-issue", "us-east-1")
        answer = handler.handler(event, LocalContext("issue", 1024, 30))
    finally:
        services.reset()
    # The notice for a certificate that does not exist is done (nothing to send); the others retry.
    assert {f["itemIdentifier"] for f in answer["batchItemFailures"]} == {"poison", "odd"}


def test_queue_messages_round_trip_through_the_record_model() -> None:
    from vaxcert.store.queue import (
        IssueMessage,
        IssueQueueRecord,
        NoticeMessage,
        issue_message,
        notice_message,
    )

    assert issue_message("e-1", "0") == '{"eventId":"e-1","revision":"0"}'  # the wire format, unchanged
    assert notice_message("H1") == '{"notice":"H1"}'
    issue = IssueQueueRecord.model_validate({"messageId": "m", "body": issue_message("e-1", "0")}).body
    notice = IssueQueueRecord.model_validate({"messageId": "m", "body": notice_message("H1")}).body
    assert isinstance(issue, IssueMessage) and (issue.event_id, issue.revision) == ("e-1", "0")
    assert isinstance(notice, NoticeMessage) and notice.notice == "H1"


_IMPORT_PROBE = """
import sys
import vaxcert.settings as settings
reads = []
real = settings.get_settings
def counted():
    reads.append(1)
    return real()
settings.get_settings = counted
import functions.{function}.handler
print(len(reads))
"""


@pytest.mark.parametrize("function", ["ingest", "verify", "issue"])
def test_importing_a_handler_reads_no_settings_and_builds_no_services(function: str) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_PROBE.format(function=function)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "0", done.stderr
