"""`vaxcert dlq ...`: see and redrive the issue queue's dead letters.

A message lands in the dead-letter queue after 5 failed deliveries (e.g. the daily SMS budget was
spent, or a dependency was down for long). Issuing is idempotent, so moving messages back to the
issue queue completes them without a second certificate or SMS.

`list` makes every message it read visible again at once, so a `redrive` right after it moves them
all. On AWS `redrive` starts an SQS message move task (StartMessageMoveTask, the console's "Start DLQ
redrive") and waits for it; on the local stack, whose emulator has no move tasks, it copies each
message and deletes it once the copy is sent.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from typing import Any

from vaxcert.commands._output import add_json_argument, emit
from vaxcert.commands._target import add_target_arguments, require, target_settings

# How long a listed message stays hidden while we page through the queue (made visible again after).
_LIST_VISIBILITY_S = 30
_MOVE_POLL_S = 2.0
_MOVE_DONE = {"COMPLETED", "FAILED", "CANCELLED"}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("dlq", help="list or redrive the issue queue's dead letters")
    sub = parser.add_subparsers(dest="dlq_command", required=True)
    show = sub.add_parser("list", help="count the dead letters and show which events they name")
    add_target_arguments(show)
    add_json_argument(show)
    show.set_defaults(func=run_list)
    redrive = sub.add_parser("redrive", help="move every dead letter back to the issue queue")
    add_target_arguments(redrive)
    add_json_argument(redrive)
    redrive.add_argument(
        "--timeout", type=float, default=600, help="seconds to wait for an SQS move task (default 600)"
    )
    redrive.add_argument("--no-wait", action="store_true", help="start the SQS move task and return")
    redrive.set_defaults(func=run_redrive)


def _sqs() -> Any:
    from vaxcert.store.aws import client

    return client("sqs")


def _receive_all(sqs: Any, queue_url: str, visibility_s: int, on_message: Callable[[Any], None]) -> int:
    """Receive every message once (each hidden for `visibility_s` while we page on)."""
    seen: set[str] = set()
    while True:
        messages = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=visibility_s, WaitTimeSeconds=0
        ).get("Messages", [])
        fresh = [m for m in messages if m["MessageId"] not in seen]
        if not fresh:
            return len(seen)
        for message in fresh:
            seen.add(message["MessageId"])
            on_message(message)


def run_list(args: argparse.Namespace) -> int:
    settings = target_settings(args)
    dlq_url = require(settings.issue_dlq_url, "ISSUE_DLQ_URL")
    sqs = _sqs()
    letters: list[dict[str, Any]] = []
    handles: list[str] = []

    def show(message: dict[str, Any]) -> None:
        handles.append(message["ReceiptHandle"])
        try:
            body = json.loads(message["Body"])
        except ValueError:
            body = {}
        body = body if isinstance(body, dict) else {}
        letters.append(
            {
                "messageId": message["MessageId"],
                "eventId": body.get("eventId"),
                "revision": body.get("revision"),
            }
        )

    try:
        count = _receive_all(sqs, dlq_url, _LIST_VISIBILITY_S, show)
    finally:
        _make_visible(sqs, dlq_url, handles)
    lines = [f"{count} dead letter(s)"] + [f"  {d['eventId']} (revision {d['revision']})" for d in letters]
    emit(args, {"count": count, "deadLetters": letters}, "\n".join(lines))
    return 0


def _make_visible(sqs: Any, queue_url: str, handles: list[str]) -> None:
    """Visibility timeout 0: the messages we only looked at can be received (and redriven) at once."""
    for start in range(0, len(handles), 10):
        batch = handles[start : start + 10]
        sqs.change_message_visibility_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": str(i), "ReceiptHandle": h, "VisibilityTimeout": 0} for i, h in enumerate(batch)],
        )


def run_redrive(args: argparse.Namespace) -> int:
    settings = target_settings(args)
    dlq_url = require(settings.issue_dlq_url, "ISSUE_DLQ_URL")
    queue_url = require(settings.issue_queue_url, "ISSUE_QUEUE_URL")
    sqs = _sqs()
    result = None if args.local else _move_task(sqs, dlq_url, queue_url, args)
    if result is None:  # the local stack (or an SQS emulator without move tasks)
        result = {"method": "copy", "moved": _copy_back(sqs, dlq_url, queue_url)}
    if result.get("status") in ("FAILED", "CANCELLED"):
        emit(args, result, f"the move task {result['status']}: {result.get('failureReason') or ''}".strip())
        return 1
    if result.get("status") == "RUNNING":
        text = f"move task started ({result['taskHandle']}); `vaxcert dlq list` shows what is left"
    else:
        text = f"moved {result['moved']} message(s) back to the issue queue"
    emit(args, result, text)
    return 0


def _copy_back(sqs: Any, dlq_url: str, queue_url: str) -> int:
    def resend(message: dict[str, Any]) -> None:
        # Sent before the dead letter is deleted: a crash in between leaves a duplicate, never a loss.
        sqs.send_message(QueueUrl=queue_url, MessageBody=message["Body"])
        sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])

    return _receive_all(sqs, dlq_url, 60, resend)


def _queue_arn(sqs: Any, url: str) -> str:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    return str(attributes["QueueArn"])


def _move_task(sqs: Any, dlq_url: str, queue_url: str, args: argparse.Namespace) -> dict[str, Any] | None:
    """SQS StartMessageMoveTask from the DLQ to the issue queue; None when the endpoint lacks it."""
    from botocore.exceptions import ClientError

    source, destination = _queue_arn(sqs, dlq_url), _queue_arn(sqs, queue_url)
    try:
        handle = sqs.start_message_move_task(SourceArn=source, DestinationArn=destination)["TaskHandle"]
    except NotImplementedError:  # moto in-process
        return None
    except ClientError as exc:
        message = str(exc.response.get("Error", {}).get("Message", ""))
        if "not been implemented" in message or "not implemented" in message.lower():  # moto server
            return None
        raise
    result: dict[str, Any] = {"method": "StartMessageMoveTask", "taskHandle": handle, "status": "RUNNING"}
    deadline = time.monotonic() + args.timeout
    while not args.no_wait:
        tasks = sqs.list_message_move_tasks(SourceArn=source, MaxResults=1).get("Results", [])
        task = next((t for t in tasks if t.get("TaskHandle") in (handle, None)), tasks[0] if tasks else {})
        status = task.get("Status", "RUNNING")
        result.update(status=status, moved=int(task.get("ApproximateNumberOfMessagesMoved", 0)))
        if task.get("FailureReason"):
            result["failureReason"] = task["FailureReason"]
        if status in _MOVE_DONE or time.monotonic() > deadline:
            break
        print(f"moving: {result['moved']} so far", file=sys.stderr)
        time.sleep(_MOVE_POLL_S)
    return result
