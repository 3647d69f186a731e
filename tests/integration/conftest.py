"""Integration fixtures: AWS emulated in-process by moto, resources created from vaxcert.resources."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest
from moto import mock_aws

REGION = "us-east-1"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """A fresh moto account with every table, bucket, queue, key, secret and user pool provisioned."""
    for name in ("AWS_ENDPOINT_URL",):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    with mock_aws():
        from local_stack.provision import provision
        from vaxcert.runtime import wiring

        env = provision(REGION)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        wiring.rebind()  # settings, clients, services and resolvers: built afresh for this account
        wiring.settings()
        yield env
        wiring.rebind()  # nothing bound to the finished moto account stays behind


@pytest.fixture
def trust_material(aws: dict[str, str]) -> list:
    from datetime import UTC, datetime

    from vaxcert.signing.trust_material import ensure_trust_material
    from vaxcert.store.trust import TrustRepository

    return ensure_trust_material(
        TrustRepository(),
        csca_key_id=aws["CSCA_KEY_ID"],
        signing_key_id=aws["SIGNING_KEY_ID"],
        country="JM",
        now=datetime.now(UTC),
    )


@pytest.fixture
def load_handler(aws: dict[str, str]) -> Callable[[str], ModuleType]:
    """A function's handler module, imported once per process: it holds only its routes, and its
    services (the composition root, reset by the `aws` fixture) are built on first use for this account."""

    def load(function: str) -> ModuleType:
        return importlib.import_module(f"functions.{function}.handler")

    return load


class Invoker:
    """Calls handlers the way API Gateway and the SQS event source mapping would."""

    def __init__(self, load: Callable[[str], ModuleType]):
        self._load = load
        self._modules: dict[str, ModuleType] = {}

    def module(self, function: str) -> ModuleType:
        if function not in self._modules:
            self._modules[function] = self._load(function)
        return self._modules[function]

    def http(
        self,
        method: str,
        path: str,
        body: object = None,
        headers: dict[str, str] | None = None,
        raw: bytes = b"",
    ) -> tuple[int, dict[str, str], Any]:
        import json

        from local_stack.gateway import proxy_event
        from local_stack.lambda_runtime import LocalContext
        from vaxcert.routes import match

        found = match(method, path.split("?")[0])
        assert found is not None, f"no route {method} {path}"
        payload = raw or (json.dumps(body).encode() if body is not None else b"")
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        event = proxy_event(method, path, all_headers, payload, "192.0.2.10")
        result = self.module(found[0].function).handler(event, LocalContext(found[0].function, 512, 10))
        text = result.get("body") or ""
        try:
            parsed: Any = json.loads(text)
        except ValueError:
            parsed = text
        headers_out = dict(result.get("headers") or {})
        for name, values in (result.get("multiValueHeaders") or {}).items():
            headers_out[name] = ", ".join(values)
        return int(result["statusCode"]), headers_out, parsed

    def drain_issue_queue(self, queue_url: str, max_rounds: int = 10) -> int:
        """Deliver queued messages to the issue handler until the queue is empty; returns batches run."""
        import boto3

        from local_stack.lambda_runtime import LocalContext
        from local_stack.queue_worker import sqs_event

        sqs = boto3.client("sqs", region_name=REGION)
        arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        batches = 0
        for _ in range(max_rounds):
            messages = sqs.receive_message(
                QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=0
            ).get("Messages", [])
            if not messages:
                break
            try:
                result = self.module("issue").handler(
                    sqs_event(messages, arn, REGION), LocalContext("issue", 1024, 30)
                )
                failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
            except Exception:  # every record failed: Lambda reports an error, SQS retries the batch
                failed = {m["MessageId"] for m in messages}
            for m in messages:
                if m["MessageId"] not in failed:
                    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
            batches += 1
        return batches


@pytest.fixture
def invoke(load_handler: Callable[[str], ModuleType]) -> Invoker:
    return Invoker(load_handler)


def sent_sms() -> list[tuple[str, str]]:
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    return list(sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages.values())
