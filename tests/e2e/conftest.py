"""End-to-end fixtures: the real local stack (`python -m local_stack`) in a subprocess, over HTTP."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """One local stack per test process (xdist workers each get their own)."""
    state = tmp_path_factory.mktemp("local-stack")
    port = _free_port()
    log_file = state / "stack.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with log_file.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "local_stack", "--port", str(port), "--state-dir", str(state), "--no-demo"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    api = f"http://127.0.0.1:{port}"
    credentials_file = state / "credentials.json"
    deadline = time.monotonic() + 60
    while not credentials_file.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("local stack did not start:\n" + log_file.read_text())
        time.sleep(0.2)
    local = LocalStack(api, json.loads(credentials_file.read_text()), log_file)
    yield local
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        raise


@pytest.fixture
def example_form() -> dict[str, Any]:
    from tests.conftest import EXAMPLE_FORM, require_shared

    return json.loads(require_shared(EXAMPLE_FORM).read_text())


@pytest.fixture
def new_form(example_form: dict[str, Any]) -> Callable[..., dict[str, Any]]:
    """The example CommCare form with a fresh id (and optional changes to recipient/vaccination fields)."""
    import copy
    import uuid

    def make(**changes: Any) -> dict[str, Any]:
        form = copy.deepcopy(example_form)
        form_id = str(uuid.uuid4())
        form["id"] = form_id
        form["form"]["meta"]["instanceID"] = form_id
        for key, value in changes.items():
            section = "recipient" if key in form["form"]["recipient"] else "vaccination"
            form["form"][section][key] = value
        return form

    return make
