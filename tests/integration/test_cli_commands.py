"""Operator commands on moto: `vaxcert dlq list` leaves every dead letter visible for a following
`redrive`; on AWS `redrive` is an SQS message move task (StartMessageMoveTask), which the emulator
lacks (there it copies and deletes); `--json` prints one JSON document."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from vaxcert.cli import main


def _send_dead_letters(aws: dict[str, str], count: int) -> None:
    sqs = boto3.client("sqs")
    for n in range(count):
        body = json.dumps({"eventId": f"dead-{n}", "revision": 1})
        sqs.send_message(QueueUrl=aws["ISSUE_DLQ_URL"], MessageBody=body)


def _queued(url: str) -> list[str]:
    sqs, bodies = boto3.client("sqs"), []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60).get(
        "Messages", []
    ):
        bodies += [json.loads(m["Body"])["eventId"] for m in messages]
    return sorted(bodies)


def test_list_then_redrive_moves_every_dead_letter(
    aws: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    _send_dead_letters(aws, 12)  # more than one receive batch
    assert main(["dlq", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["count"] == 12
    assert sorted(d["eventId"] for d in listed["deadLetters"]) == sorted(f"dead-{n}" for n in range(12))

    assert main(["dlq", "list"]) == 0  # listing twice sees the same messages
    assert capsys.readouterr().out.startswith("12 dead letter(s)")

    assert main(["dlq", "redrive", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"method": "copy", "moved": 12}
    assert _queued(aws["ISSUE_DLQ_URL"]) == []
    assert _queued(aws["ISSUE_QUEUE_URL"]) == sorted(f"dead-{n}" for n in range(12))


def test_redrive_on_aws_starts_a_message_move_task(
    aws: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from vaxcert.commands import dlq

    sqs = boto3.client("sqs")
    arn = {
        url: sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        for url in (aws["ISSUE_DLQ_URL"], aws["ISSUE_QUEUE_URL"])
    }
    stubbed: Any = boto3.client("sqs")
    stubber = Stubber(stubbed)
    for url in (aws["ISSUE_DLQ_URL"], aws["ISSUE_QUEUE_URL"]):
        stubber.add_response(
            "get_queue_attributes",
            {"Attributes": {"QueueArn": arn[url]}},
            {"QueueUrl": url, "AttributeNames": ["QueueArn"]},
        )
    source, destination = arn[aws["ISSUE_DLQ_URL"]], arn[aws["ISSUE_QUEUE_URL"]]
    stubber.add_response(
        "start_message_move_task",
        {"TaskHandle": "task-1"},
        {"SourceArn": source, "DestinationArn": destination},
    )
    listing = {"SourceArn": source, "MaxResults": 1}
    running = {"TaskHandle": "task-1", "Status": "RUNNING", "SourceArn": source,
               "ApproximateNumberOfMessagesMoved": 3}  # fmt: skip
    done = {"Status": "COMPLETED", "SourceArn": source, "ApproximateNumberOfMessagesMoved": 7}
    stubber.add_response("list_message_move_tasks", {"Results": [running]}, listing)
    stubber.add_response("list_message_move_tasks", {"Results": [done]}, listing)
    monkeypatch.setattr(dlq, "_sqs", lambda: stubbed)
    monkeypatch.setattr(dlq, "_MOVE_POLL_S", 0)
    with stubber:
        assert main(["dlq", "redrive", "--json"]) == 0
        stubber.assert_no_pending_responses()
    result = json.loads(capsys.readouterr().out)
    assert result == {
        "method": "StartMessageMoveTask",
        "taskHandle": "task-1",
        "status": "COMPLETED",
        "moved": 7,
    }


def test_redrive_reports_a_failed_move_task(
    aws: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from vaxcert.commands import dlq

    class Sqs:
        def get_queue_attributes(self, QueueUrl: str, AttributeNames: list[str]) -> dict[str, Any]:
            return {
                "Attributes": {"QueueArn": f"arn:aws:sqs:us-east-1:000000000000:{QueueUrl.rsplit('/', 1)[1]}"}
            }

        def start_message_move_task(self, **_: Any) -> dict[str, Any]:
            return {"TaskHandle": "task-2"}

        def list_message_move_tasks(self, **_: Any) -> dict[str, Any]:
            return {"Results": [{"Status": "FAILED", "FailureReason": "AccessDenied on the destination"}]}

    monkeypatch.setattr(dlq, "_sqs", Sqs)
    assert main(["dlq", "redrive"]) == 1
    assert "FAILED" in capsys.readouterr().out


def test_keys_and_revocation_commands_print_one_json_document(
    aws: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["keys", "init", "--json"]) == 0
    init = json.loads(capsys.readouterr().out)
    assert {c["certificateType"] for c in init["certificates"]} == {"CSCA", "DSC"}
    assert init["revocationList"]["published"] is True and init["revocationList"]["hashes"] == 0

    assert main(["keys", "list", "--json"]) == 0
    entries = json.loads(capsys.readouterr().out)["entries"]
    signing = [e for e in entries if e["signing"]]
    assert len(signing) == 1 and signing[0]["certificateType"] == "DSC" and signing[0]["notAfter"]

    assert main(["revocation", "publish", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["kid"] == signing[0]["kid"]

    assert main(["keys", "withdraw", signing[0]["kid"], "--json"]) == 1  # the signing DSC: rotate first
    assert capsys.readouterr().out == ""
