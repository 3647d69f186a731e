"""End-to-end fixtures: the real local stack (`python -m local_stack`) in a subprocess, over HTTP."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from local_stack.launcher import started

pytestmark = pytest.mark.e2e


@dataclass
class HttpResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class LocalStack:
    api: str
    credentials: dict[str, Any]
    log_file: Path

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> HttpResponse:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        all_headers = {"Content-Type": "application/json"} if data is not None else {}
        all_headers.update(headers or {})
        request = urllib.request.Request(self.api + path, data=data, headers=all_headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return HttpResponse(response.status, dict(response.headers.items()), response.read())
        except urllib.error.HTTPError as error:
            return HttpResponse(error.code, dict(error.headers.items()), error.read())

    @property
    def ingest_headers(self) -> dict[str, str]:
        return {self.credentials["ingest"]["header"]: self.credentials["ingest"]["key"]}

    def ingest(self, form: dict[str, Any]) -> HttpResponse:
        return self.request("POST", "/v1/ingest/commcare", form, self.ingest_headers)

    def staff_token(self, role: str) -> str:
        """Sign in as a demo staff account, as a client should: a 503 ("temporarily unavailable, please
        retry": the one-at-a-time local stack busy with a storm of deliveries) is retried, and so is a 401
        right after another test on this shared stack signed the same account out (sign-outs are recorded
        in whole seconds and refuse tokens authenticated in that second)."""
        for attempt in range(4):
            response = self.request("POST", "/v1/staff/session", dict(self.credentials[role]))
            if response.status == 200:
                return str(response.json()["token"])
            if response.status not in (401, 503) or attempt == 3:
                break
            time.sleep(1.1 * (attempt + 1))
        raise AssertionError(f"staff sign-in as {role}: {response.status} {response.body[:300]!r}")

    def sms(self) -> list[dict[str, Any]]:
        return self.request("GET", "/_local/sms").json()

    def wait_for(self, check: Callable[[], Any], timeout: float = 20.0, interval: float = 0.2) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = check()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"condition not met within {timeout}s")
            time.sleep(interval)


@contextmanager
def local_stack(
    state: Path, *, demo: bool = False, extra_env: dict[str, str] | None = None
) -> Iterator[LocalStack]:
    """Start `python -m local_stack` (as `make run` does) and stop it with SIGTERM afterwards."""
    with started(state, demo=demo, extra_env=extra_env) as running:
        yield LocalStack(running.api, running.credentials, running.log_file)
    assert running.process.returncode == 0, running.log_file.read_text()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """One local stack per test process (xdist workers each get their own), shared by many tests:
    use `new_form` (fresh ids) and distinct mobile numbers so tests do not see each other's data."""
    with local_stack(tmp_path_factory.mktemp("local-stack")) as running:
        yield running


@pytest.fixture
def example_form() -> dict[str, Any]:
    from tests.conftest import EXAMPLE_FORM, require_shared

    return json.loads(require_shared(EXAMPLE_FORM).read_text())


@pytest.fixture
def new_form(example_form: dict[str, Any]) -> Callable[..., dict[str, Any]]:
    """The example CommCare form with a fresh id and a fresh case (one person; pass `case_id` to give
    another dose of the same person), and optional changes to recipient/vaccination fields."""
    import copy
    import uuid

    def make(case_id: str | None = None, **changes: Any) -> dict[str, Any]:
        form = copy.deepcopy(example_form)
        form_id = str(uuid.uuid4())
        form["id"] = form_id
        form["form"]["meta"]["instanceID"] = form_id
        form["form"]["case"]["@case_id"] = case_id or str(uuid.uuid4())
        for key, value in changes.items():
            section = "recipient" if key in form["form"]["recipient"] else "vaccination"
            form["form"][section][key] = value
        return form

    return make


def aws_client(stack: LocalStack, service: str) -> Any:
    """A boto3 client on the stack's emulated AWS (moto server), for checks HTTP cannot make."""
    import boto3

    aws = stack.credentials["aws"]
    return boto3.client(
        service,
        endpoint_url=aws["endpoint"],
        region_name=aws["region"],
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def stored_certificates(stack: LocalStack) -> list[dict[str, Any]]:
    from boto3.dynamodb.types import TypeDeserializer

    table = stack.credentials["aws"]["env"]["CERTIFICATES_TABLE"]
    items = aws_client(stack, "dynamodb").scan(TableName=table, ConsistentRead=True)["Items"]
    deserializer = TypeDeserializer()
    return [{k: deserializer.deserialize(v) for k, v in item.items()} for item in items]


# Browser fixtures for the web page tests (tests/e2e/test_web_*.py).
from tests.e2e.browser import browser, context, page, playwright  # noqa: E402, F401
