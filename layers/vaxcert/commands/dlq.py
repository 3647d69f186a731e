"""`vaxcert dlq ...`: see and redrive the issue queue's dead letters.

A message lands in the dead-letter queue after 5 failed deliveries (e.g. the daily SMS budget was
spent, or a dependency was down for long). Issuing is idempotent, so moving messages back to the
issue queue completes them without a second certificate or SMS.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from vaxcert.commands._target import add_target_arguments, target_settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("dlq", help="list or redrive the issue queue's dead letters")
    sub = parser.add_subparsers(dest="dlq_command", required=True)
    show = sub.add_parser("list", help="count the dead letters and show which events they name")
    add_target_arguments(show)
    show.set_defaults(func=run_list)
    redrive = sub.add_parser("redrive", help="move every dead letter back to the issue queue")
    add_target_arguments(redrive)
    redrive.set_defaults(func=run_redrive)


def _sqs() -> Any:
    from vaxcert.store.aws import client

    return client("sqs")


def _drain(dlq_url: str, *, delete: bool, on_message: Any) -> int:
    """Receive every message (hidden for a minute while we work); delete those `on_message` handled."""
    sqs, moved = _sqs(), 0
    while True:
        messages = sqs.receive_message(
            QueueUrl=dlq_url, MaxNumberOfMessages=10, VisibilityTimeout=60, WaitTimeSeconds=0
        ).get("Messages", [])
        if not messages:
            return moved
        for message in messages:
            on_message(message)
            if delete:
                sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
            moved += 1


def run_list(args: argparse.Namespace) -> int:
    settings = target_settings(args)
    seen: list[str] = []

    def show(message: dict[str, Any]) -> None:
        body = json.loads(message["Body"])
        seen.append(f"{body.get('eventId')} (revision {body.get('revision')})")

    count = _drain(settings.issue_dlq_url, delete=False, on_message=show)
    print(f"{count} dead letter(s)")
    for line in seen:
        print(f"  {line}")
    return 0


def run_redrive(args: argparse.Namespace) -> int:
    settings = target_settings(args)
    sqs = _sqs()

    def resend(message: dict[str, Any]) -> None:
        # Sent before the dead letter is deleted: a crash in between leaves a duplicate, never a loss.
        sqs.send_message(QueueUrl=settings.issue_queue_url, MessageBody=message["Body"])

    moved = _drain(settings.issue_dlq_url, delete=True, on_message=resend)
    print(f"moved {moved} message(s) back to the issue queue")
    return 0
