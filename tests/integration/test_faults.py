"""Faults and crashes on the issuance path: nothing lost, nothing doubled, nothing half-written.

1. 200 distinct events while 20% of KMS Sign, DynamoDB writes, S3 puts and SNS publishes fail
   (DynamoDB writes also with lost replies) -> 200 certificates, 200 SMS, empty DLQ.
2. The issue handler crashes after each external step in turn -> the retry completes the work
   without a second certificate or SMS.
"""

from __future__ import annotations

import copy
import json
import os
import uuid
from datetime import timedelta
from typing import Any

import boto3
import pytest

from tests.conftest import EXAMPLE_FORM, require_shared
from tests.faults import FaultInjector
from tests.integration.conftest import Invoker, sent_sms

EVENTS = 200
FAULTY = {
    ("kms", "Sign"),
    ("dynamodb", "PutItem"),
    ("dynamodb", "UpdateItem"),
    ("s3", "PutObject"),
    ("sns", "Publish"),
}
LOST_REPLIES = {("dynamodb", "PutItem"), ("dynamodb", "UpdateItem")}


@pytest.fixture
def form() -> dict[str, Any]:
    return dict(json.loads(require_shared(EXAMPLE_FORM).read_text()))


def _ingest_key(aws: dict[str, str]) -> dict[str, str]:
    key = boto3.client("secretsmanager").get_secret_value(SecretId=aws["INGEST_SECRET_ARN"])["SecretString"]
    return {"X-Vaxcert-Key": key}


def _new(form: dict[str, Any], number: int) -> dict[str, Any]:
    f = copy.deepcopy(form)
    f["id"] = f["form"]["meta"]["instanceID"] = str(uuid.uuid4())
    f["form"]["recipient"]["mobile_number"] = f"876-7{number // 10000:02d}-{number % 10000:04d}"
    return f


def _deliver(invoke: Invoker, form: dict[str, Any], headers: dict[str, str]) -> int:
    """Like CommCare: retry 5xx until the event is acknowledged."""
    for _ in range(20):
        status = invoke.http("POST", "/v1/ingest/commcare", form, headers)[0]
        if status < 500:
            return status
    raise AssertionError("ingest never acknowledged the event")


def _items(table: str) -> list[dict[str, Any]]:
    return boto3.resource("dynamodb").Table(table).scan(ConsistentRead=True)["Items"]


def _dead_letters(aws: dict[str, str]) -> int:
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=aws["ISSUE_DLQ_URL"], AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"])


def test_two_hundred_events_through_twenty_percent_faults(
    aws, trust_material, invoke: Invoker, form, monkeypatch
) -> None:
    from vaxcert.issuance import service

    monkeypatch.setattr(service, "SMS_RECORD_ATTEMPTS", 5)
    headers = _ingest_key(aws)
    seed = int(os.environ.get("VAXCERT_FAULT_SEED", "7"))  # replay or explore other schedules
    faults = FaultInjector(0.2, FAULTY, LOST_REPLIES, seed=seed).install(monkeypatch)
    forms = [_new(form, n) for n in range(EVENTS)]
    statuses = [_deliver(invoke, f, headers) for f in forms]
    assert set(statuses) <= {200, 202}  # 200: a lost reply made the first delivery look like a duplicate
    for _ in range(10):
        invoke.drain_issue_queue(aws["ISSUE_QUEUE_URL"], max_rounds=100)
    faults.rate = 0.0
    invoke.drain_issue_queue(aws["ISSUE_QUEUE_URL"], max_rounds=10)

    certificates = _items(aws["CERTIFICATES_TABLE"])
    assert len(certificates) == EVENTS
    assert {c["eventId"] for c in certificates} == {f["id"] for f in forms}
    assert {c["smsStatus"] for c in certificates} == {"SENT"}
    events = _items(aws["EVENTS_TABLE"])
    assert {e["status"] for e in events} == {"ISSUED"} and len(events) == EVENTS
    sms = sent_sms()
    assert len(sms) == EVENTS and len({to for to, _ in sms}) == EVENTS
    assert _dead_letters(aws) == 0
    assert sum(faults.injected.values()) > 100, faults.summary()
    print("\nfaults injected (injected/calls):", faults.summary())


CRASH_POINTS = {
    "signed, not stored": ("vaxcert.signing.kms", "KmsSigner", "sign"),
    "stored, no SMS": ("vaxcert.store.certificates", "DynamoIssuanceStore", "put_certificate"),
    "SMS claimed, not sent": ("vaxcert.store.certificates", "DynamoIssuanceStore", "claim_sms"),
    "SMS accepted by SNS, not recorded": ("vaxcert.notify.sms", "SnsSms", "send"),
    "SMS recorded, event not marked": ("vaxcert.store.certificates", "DynamoIssuanceStore", "sms_sent"),
    "event marked issued": ("vaxcert.store.certificates", "DynamoIssuanceStore", "mark_event_issued"),
}
# After these the worker cannot know whether SNS took the SMS: the claim ends UNCONFIRMED, never resent.
AMBIGUOUS = {"SMS claimed, not sent": 0, "SMS accepted by SNS, not recorded": 1}


@pytest.mark.parametrize("point", list(CRASH_POINTS))
def test_crash_after_each_step_is_completed_by_the_retry(
    aws, trust_material, invoke: Invoker, form, monkeypatch, point: str
) -> None:
    import importlib

    from vaxcert.issuance import service

    module_name, class_name, method = CRASH_POINTS[point]
    cls = getattr(importlib.import_module(module_name), class_name)
    original = getattr(cls, method)
    crashes = {"left": 1}

    def crash_after(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        if crashes["left"]:
            crashes["left"] -= 1
            raise RuntimeError(f"crash after {method}")
        return result

    monkeypatch.setattr(cls, method, crash_after)
    # Deployed, a claim outlives any worker after 2 minutes; here the retry comes at once.
    monkeypatch.setattr(service, "SMS_CLAIM_LIFETIME", timedelta(0))
    assert invoke.http("POST", "/v1/ingest/commcare", form, _ingest_key(aws))[0] == 202
    invoke.drain_issue_queue(aws["ISSUE_QUEUE_URL"], max_rounds=10)

    assert crashes["left"] == 0, "the crash point was never reached"
    (certificate,) = _items(aws["CERTIFICATES_TABLE"])
    (event,) = _items(aws["EVENTS_TABLE"])
    assert event["status"] == "ISSUED" and event["hcid"] == certificate["hcid"]
    assert _dead_letters(aws) == 0
    if point in AMBIGUOUS:
        assert certificate["smsStatus"] == "UNCONFIRMED"
        assert len(sent_sms()) == AMBIGUOUS[point]
    else:
        assert certificate["smsStatus"] == "SENT"
        assert len(sent_sms()) == 1


def test_dead_letters_are_redriven_and_completed(
    aws, trust_material, invoke: Invoker, form, monkeypatch
) -> None:
    """A certificate whose SMS could not go out for 5 deliveries is dead-lettered; `vaxcert dlq redrive`
    moves it back and the next delivery completes it, still with one certificate."""
    from vaxcert.cli import main
    from vaxcert.notify.sms import SmsNotSent, SnsSms

    original = SnsSms.send

    def refused(self: SnsSms, to: str, message: str) -> str:
        raise SmsNotSent("budget spent")

    monkeypatch.setattr(SnsSms, "send", refused)
    assert invoke.http("POST", "/v1/ingest/commcare", form, _ingest_key(aws))[0] == 202
    invoke.drain_issue_queue(aws["ISSUE_QUEUE_URL"], max_rounds=10)
    assert _dead_letters(aws) == 1
    assert _items(aws["CERTIFICATES_TABLE"])[0]["smsStatus"] == "PENDING"

    monkeypatch.setattr(SnsSms, "send", original)
    assert main(["dlq", "redrive"]) == 0
    assert _dead_letters(aws) == 0
    invoke.drain_issue_queue(aws["ISSUE_QUEUE_URL"], max_rounds=10)
    (certificate,) = _items(aws["CERTIFICATES_TABLE"])
    assert certificate["smsStatus"] == "SENT"
    assert len(sent_sms()) == 1
