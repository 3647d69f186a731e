"""Start the local stack as its own process (`python -m local_stack`, what `make run` runs), for the
end-to-end tests and the benchmark: ready when /health says ok, stopped with SIGTERM."""

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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class StartedStack:
    api: str
    credentials: dict[str, Any]
    process: subprocess.Popen[bytes]
    log_file: Path


def _healthy(api: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api}/health", timeout=2) as response:  # noqa: S310 - loopback
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@contextmanager
def started(
    state: Path, *, demo: bool = False, extra_env: dict[str, str] | None = None, timeout_s: float = 120
) -> Iterator[StartedStack]:
    port = free_port()
    log_file = state / "stack.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **(extra_env or {})}
    args = [sys.executable, "-m", "local_stack", "--port", str(port), "--state-dir", str(state)]
    with log_file.open("w") as log:
        process = subprocess.Popen(  # noqa: S603 - our interpreter, fixed arguments
            [*args, *([] if demo else ["--no-demo"])], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    api = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout_s
    # /health says ok only once demo data and credentials.json are in place.
    while not _healthy(api):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait()
            raise RuntimeError("local stack did not start:\n" + log_file.read_text()[-3000:])
        time.sleep(0.1)
    credentials = json.loads((state / "credentials.json").read_text())
    try:
        yield StartedStack(api, credentials, process, log_file)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            # The stack cuts its own stop short after a grace period; this is the backstop.
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise RuntimeError("local stack did not stop:\n" + log_file.read_text()[-3000:]) from None
