"""CommCare form -> ingest -> queue -> issue -> stored certificate + one SMS, on moto."""

from __future__ import annotations

import copy
import json
from typing import Any

import boto3
import pytest

from tests.conftest import EXAMPLE_FORM, require_shared
from tests.integration.conftest import Invoker, sent_sms


@pytest.fixture
def form() -> dict[str, Any]:
    return json.loads(require_shared(EXAMPLE_FORM).read_text())


def _ingest_headers(aws: dict[str, str]) -> dict[str, str]:
    key = boto3.client("secretsmanager").get_secret_value(SecretId=aws["INGEST_SECRET_ARN"])["SecretString"]
    return {"X-Vaxcert-Key": key}


def _certificates(aws: dict[str, str]) -> list[dict[str, Any]]:
    return boto3.client("dynamodb").scan(TableName=aws["CERTIFICATES_TABLE"])["Items"]


def test_example_form_issues_one_certificate_and_one_sms(aws, trust_material, invoke: Invoker, form) -> None:
    status, _, body = invoke.http("POST", "/v1/ingest/commcare", form, _ingest_headers(aws))
    assert (status, body) == (202, {"eventId": form["id"], "status": "accepted"})

    invoke.drain_issue_queue(aws["ISSUE_QUEUE_URL"])

    items = _certificates(aws)
    assert len(items) == 1
    assert items[0]["qr"]["S"].startswith("HC1:")
    assert items[0]["mobile"]["S"] == "+18765550123"
    assert items[0]["smsStatus"]["S"] == "SENT"
    assert [to for to, _ in sent_sms()] == ["+18765550123"]
    assert "Marcia" in sent_sms()[0][1]


def test_redelivery_and_queue_redelivery_keep_one_certificate(
    aws, trust_material, invoke: Invoker, form
) -> None:
    headers = _ingest_headers(aws)
    assert invoke.http("POST", "/v1/ingest/commcare", form, headers)[0] == 202
    invoke.drain_issue_queue(aws["ISSUE_QUEUE_URL"])
    for _ in range(3):
        status, _, body = invoke.http("POST", "/v1/ingest/commcare", form, headers)
        assert (status, body) == (200, {"eventId": form["id"], "status": "duplicate"})
    # The same issue message delivered again (SQS is at-least-once).
    boto3.client("sqs").send_message(
        QueueUrl=aws["ISSUE_QUEUE_URL"], MessageBody=json.dumps({"eventId": form["id"], "revision": "0"})
    )
    invoke.drain_issue_queue(aws["ISSUE_QUEUE_URL"])
    assert len(_certificates(aws)) == 1
    assert len(sent_sms()) == 1


def test_duplicate_before_issue_requeues_but_issues_once(aws, trust_material, invoke: Invoker, form) -> None:
    headers = _ingest_headers(aws)
    for _ in range(3):
        invoke.http("POST", "/v1/ingest/commcare", form, headers)
    invoke.drain_issue_queue(aws["ISSUE_QUEUE_URL"])
    assert len(_certificates(aws)) == 1
    assert len(sent_sms()) == 1


def test_edited_form_is_recorded_as_correction(aws, trust_material, invoke: Invoker, form) -> None:
    headers = _ingest_headers(aws)
    invoke.http("POST", "/v1/ingest/commcare", form, headers)
    edited = copy.deepcopy(form)
    edited["edited_on"] = "2021-12-15T10:00:00.000000Z"
    edited["form"]["recipient"]["last_name"] = "Campbell-Reid"
    status, _, body = invoke.http("POST", "/v1/ingest/commcare", edited, headers)
    assert status == 202 and body["status"] == "correction"
    events = boto3.client("dynamodb").scan(TableName=aws["EVENTS_TABLE"])["Items"]
    assert sorted(e["revision"]["S"] for e in events) == ["0", "2021-12-15T10:00:00.000000Z"]
    # Re-delivering the same edit is a duplicate, not a second correction.
    assert invoke.http("POST", "/v1/ingest/commcare", edited, headers)[2]["status"] == "duplicate"


@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 401), ({"X-Vaxcert-Key": "wrong"}, 401)],
)
def test_ingest_requires_the_shared_secret(aws, invoke: Invoker, form, headers, status) -> None:
    assert invoke.http("POST", "/v1/ingest/commcare", form, headers)[0] == status
    assert boto3.client("dynamodb").scan(TableName=aws["EVENTS_TABLE"])["Count"] == 0


def test_invalid_form_gets_422_naming_question_paths(aws, invoke: Invoker, form) -> None:
    form["form"]["recipient"]["date_of_birth"] = "07/03/1984"
    form["form"]["vaccination"]["vaccine_brand"] = "sputnik-v"
    status, _, body = invoke.http("POST", "/v1/ingest/commcare", form, _ingest_headers(aws))
    assert status == 422
    assert isinstance(body, list)
    assert {p["field"] for p in body} == {"form.recipient.date_of_birth"}


def test_unknown_vaccine_gets_422(aws, invoke: Invoker, form) -> None:
    form["form"]["vaccination"]["vaccine_brand"] = "sputnik-v"
    status, _, body = invoke.http("POST", "/v1/ingest/commcare", form, _ingest_headers(aws))
    assert status == 422
    assert body[0]["field"] == "form.vaccination.vaccine_brand"
    assert "unknown vaccine" in body[0]["problem"]


def test_dynamodb_outage_is_503_and_nothing_acknowledged(aws, invoke: Invoker, form, monkeypatch) -> None:
    from pynamodb.exceptions import PutError

    from vaxcert.store.models import EventItem

    def fail(*args: Any, **kwargs: Any) -> None:
        raise PutError("ProvisionedThroughputExceededException")

    monkeypatch.setattr(EventItem, "save", fail)
    status, headers, _ = invoke.http("POST", "/v1/ingest/commcare", form, _ingest_headers(aws))
    assert status == 503
    assert headers.get("Retry-After")


def test_queue_outage_is_503_and_redelivery_queues(
    aws, trust_material, invoke: Invoker, form, monkeypatch
) -> None:
    from botocore.exceptions import ClientError

    from vaxcert.store.queue import IssueQueue

    original = IssueQueue.send

    def fail(self: IssueQueue, event_id: str, revision: str) -> None:
        raise ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "down"}}, "SendMessage")

    monkeypatch.setattr(IssueQueue, "send", fail)
    assert invoke.http("POST", "/v1/ingest/commcare", form, _ingest_headers(aws))[0] == 503
    monkeypatch.setattr(IssueQueue, "send", original)
    # CommCare retries: the event is stored already, so this is a duplicate that gets queued.
    status, _, body = invoke.http("POST", "/v1/ingest/commcare", form, _ingest_headers(aws))
    assert (status, body["status"]) == (200, "duplicate")
    invoke.drain_issue_queue(aws["ISSUE_QUEUE_URL"])
    assert len(_certificates(aws)) == 1


def test_sns_failure_is_retried_and_sends_once(
    aws, trust_material, invoke: Invoker, form, monkeypatch
) -> None:
    from botocore.exceptions import ClientError

    from vaxcert.store.aws import client

    sns = client("sns")
    original = sns.publish
    calls = {"n": 0}

    def flaky(**kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:  # SNS refuses: nothing was sent, so the retry must send
            raise ClientError({"Error": {"Code": "Throttling", "Message": "slow down"}}, "Publish")
        return original(**kwargs)

    monkeypatch.setattr(sns, "publish", flaky)
    invoke.http("POST", "/v1/ingest/commcare", form, _ingest_headers(aws))
    invoke.drain_issue_queue(aws["ISSUE_QUEUE_URL"])
    assert calls["n"] == 2
    assert len(sent_sms()) == 1
    assert _certificates(aws)[0]["smsStatus"]["S"] == "SENT"


def test_unissuable_message_is_retried_then_dead_lettered(aws, trust_material, invoke: Invoker) -> None:
    sqs = boto3.client("sqs")
    sqs.send_message(
        QueueUrl=aws["ISSUE_QUEUE_URL"], MessageBody=json.dumps({"eventId": "nope", "revision": "0"})
    )
    rounds = invoke.drain_issue_queue(aws["ISSUE_QUEUE_URL"], max_rounds=10)
    assert rounds == 5  # delivered maxReceiveCount times, failing each time
    dead = sqs.receive_message(QueueUrl=aws["ISSUE_DLQ_URL"], MaxNumberOfMessages=10).get("Messages", [])
    assert [json.loads(m["Body"])["eventId"] for m in dead] == ["nope"]
    assert _certificates(aws) == []


def test_wrong_mobile_never_gets_an_sms(aws, trust_material, invoke: Invoker, form) -> None:
    form["form"]["recipient"]["mobile_number"] = "876-555-012"
    status, _, body = invoke.http("POST", "/v1/ingest/commcare", form, _ingest_headers(aws))
    assert status == 422 and body[0]["field"] == "form.recipient.mobile_number"
    invoke.drain_issue_queue(aws["ISSUE_QUEUE_URL"])
    assert sent_sms() == []


def test_migrated_event_keeps_its_legacy_id_and_sends_no_sms(aws, trust_material, invoke: Invoker) -> None:
    body = {
        "eventId": "divoc:891244125",
        "source": "divoc",
        "person": {"givenName": "Marcia", "familyName": "Campbell", "birthDate": "1984-03-07",
                   "mobile": "876-555-0123"},
        "vaccination": {"vaccine": "pfizer", "lot": "JM4561", "date": "2021-04-15", "dose": 2,
                        "totalDoses": 2},
        "legacy": {"system": "DIVOC", "certificateId": "891244125", "effectiveUntil": "2022-04-15"},
        "notify": False,
    }  # fmt: skip
    status, _, answer = invoke.http("POST", "/v1/vaccinations", body, _ingest_headers(aws))
    assert (status, answer["status"]) == (202, "accepted")
    invoke.drain_issue_queue(aws["ISSUE_QUEUE_URL"])
    [item] = _certificates(aws)
    assert item["legacyId"]["S"] == "891244125"
    assert item["mobile"]["S"] == "+18765550123"  # the citizen still finds it with this number
    assert item["smsStatus"]["S"] == "NONE"
    assert sent_sms() == []
    again = invoke.http("POST", "/v1/vaccinations", body, _ingest_headers(aws))
    assert (again[0], again[2]["status"]) == (200, "duplicate")
    bad = invoke.http("POST", "/v1/vaccinations", {**body, "legacy": {"system": "X"}}, _ingest_headers(aws))
    assert bad[0] == 422 and {p["field"] for p in bad[2]} >= {"legacy.system", "legacy.certificateId"}
