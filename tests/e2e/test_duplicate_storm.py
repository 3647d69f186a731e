"""Duplicate storms over the local stack: CommCare re-deliveries (some concurrent) plus SQS
redeliveries give one certificate and one SMS; a correction racing duplicates and an edit ends
with exactly one current (VALID) version."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.e2e.conftest import LocalStack, aws_client, stored_certificates

pytestmark = pytest.mark.e2e


def _unique_mobile() -> tuple[str, str]:
    local = f"876-{random.randint(200, 999)}-{random.randint(0, 9999):04d}"
    return local, "+1" + local.replace("-", "")


def _queue_idle(stack: LocalStack) -> bool:
    attributes = aws_client(stack, "sqs").get_queue_attributes(
        QueueUrl=stack.credentials["aws"]["env"]["ISSUE_QUEUE_URL"],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return all(int(v) == 0 for v in attributes.values())


def _mine(stack: LocalStack, event_id: str) -> list[dict[str, Any]]:
    return [c for c in stored_certificates(stack) if c["eventId"] == event_id]


def test_twenty_deliveries_and_queue_redeliveries_give_one_certificate_and_one_sms(
    stack: LocalStack, new_form: Callable[..., dict[str, Any]]
) -> None:
    local, e164 = _unique_mobile()
    form = new_form(mobile_number=local)
    statuses = [stack.ingest(form).status for _ in range(10)]
    with ThreadPoolExecutor(10) as pool:
        statuses += [r.status for r in pool.map(lambda _: stack.ingest(form), range(10))]
    assert sorted(statuses) == [200] * 19 + [202]
    sqs = aws_client(stack, "sqs")
    for _ in range(5):  # SQS is at-least-once: the same issue message, again
        sqs.send_message(
            QueueUrl=stack.credentials["aws"]["env"]["ISSUE_QUEUE_URL"],
            MessageBody=json.dumps({"eventId": form["id"], "revision": "0"}),
        )
    stack.wait_for(lambda: _mine(stack, form["id"]) and _queue_idle(stack))
    assert len(_mine(stack, form["id"])) == 1
    assert len([m for m in stack.sms() if m["to"] == e164]) == 1


def test_correction_racing_duplicates_and_an_edit_leaves_one_current_version(
    stack: LocalStack, new_form: Callable[..., dict[str, Any]]
) -> None:
    local, _ = _unique_mobile()
    form = new_form(mobile_number=local)
    assert stack.ingest(form).status == 202
    (first,) = stack.wait_for(lambda: _mine(stack, form["id"]))
    admin = stack.staff_token("admin")
    edit = json.loads(json.dumps(form))
    edit["edited_on"] = "2021-12-15T09:00:00.000000Z"
    edit["form"]["vaccination"]["lot_number"] = "FK5128"

    def correct() -> Any:
        return stack.request(
            "POST",
            f"/v1/admin/certificates/{first['hcid']}/corrections",
            {"familyName": "Campbell-Reid", "reason": "name misspelt"},
            {"Authorization": f"Bearer {admin}"},
        )

    with ThreadPoolExecutor(8) as pool:
        jobs = [pool.submit(correct)] + [pool.submit(stack.ingest, form) for _ in range(6)]
        jobs.append(pool.submit(stack.ingest, edit))
        results = [job.result() for job in jobs]
    assert results[0].status in (202, 409), results[0].body  # 409: the edit claimed it first
    assert all(r.status == 200 for r in results[1:-1])
    assert results[-1].status == 202
    # Both corrections end up issued one after the other: v1 -> v2 -> v3, one of them current.
    stack.wait_for(lambda: _queue_idle(stack) and len(_mine(stack, form["id"])) >= 2, timeout=40)
    stack.wait_for(lambda: _queue_idle(stack), timeout=20)
    chain = sorted(_mine(stack, form["id"]), key=lambda c: int(c["version"]))
    assert [c["status"] for c in chain].count("VALID") == 1
    assert chain[-1]["status"] == "VALID"
    assert all(c["status"] == "SUPERSEDED" for c in chain[:-1])
    assert [int(c["version"]) for c in chain] == list(range(1, len(chain) + 1))
