"""issue_e2e_per_s: certificates per second through the local stack (`python -m local_stack`).

N distinct CommCare forms are POSTed to /v1/ingest/commcare from a few threads (keep-alive connections);
the clock runs from the first request until all N certificates are in the certificates table (counted
through the stack's moto server). Path: gateway -> ingest handler (event log, SQS) -> queue worker ->
issue handler (HCID claim, KMS Sign, certificate put, SMS) -> stored.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.common import distinct_form, example_form, log, rounded
from local_stack.launcher import started


@contextlib.contextmanager
def local_stack(state: Path) -> Iterator[tuple[dict[str, Any], int]]:
    """Start the local stack (no demo data) and stop it with SIGTERM; yields (credentials, pid)."""
    with started(state) as running:
        yield running.credentials, running.process.pid


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process (Linux /proc), None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _count_certificates(dynamodb: Any, table: str) -> int:
    total, start = 0, None
    while True:
        args: dict[str, Any] = {"TableName": table, "Select": "COUNT", "ConsistentRead": True}
        if start:
            args["ExclusiveStartKey"] = start
        page = dynamodb.scan(**args)
        total += int(page["Count"])
        start = page.get("LastEvaluatedKey")
        if not start:
            return total


def _post_all(api: str, header: str, key: str, bodies: list[bytes], threads: int) -> list[int]:
    """POST every body over `threads` keep-alive connections; returns the status codes."""
    url = urlsplit(api)
    statuses: list[int] = []
    lock = threading.Lock()
    chunks = [bodies[i::threads] for i in range(threads)]

    def worker(chunk: list[bytes]) -> None:
        connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=60)
        mine = []
        for body in chunk:
            connection.request(
                "POST", "/v1/ingest/commcare", body, {"Content-Type": "application/json", header: key}
            )
            response = connection.getresponse()
            response.read()
            mine.append(response.status)
        connection.close()
        with lock:
            statuses.extend(mine)

    pool = [threading.Thread(target=worker, args=(c,)) for c in chunks]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return statuses


def run(
    count: int = 300, threads: int = 4, timeout_s: float = 300.0, on_started: Any = None
) -> dict[str, Any]:
    import boto3

    form, _ = example_form()
    bodies = [json.dumps(distinct_form(form, i)).encode() for i in range(count)]
    with tempfile.TemporaryDirectory(prefix="vaxcert-bench-stack-") as state:
        log("e2e: starting the local stack")
        with local_stack(Path(state)) as (credentials, pid):
            aws = credentials["aws"]
            dynamodb = boto3.client(
                "dynamodb",
                endpoint_url=aws["endpoint"],
                region_name=aws["region"],
                aws_access_key_id="local",
                aws_secret_access_key="local",  # noqa: S106 - moto accepts any credentials
            )
            table = aws["env"]["CERTIFICATES_TABLE"]
            header, key = credentials["ingest"]["header"], credentials["ingest"]["key"]
            # Warm every handler on the path (imports, trust cache, clients) before the clock starts.
            warm = [json.dumps(distinct_form(form, count + i)).encode() for i in range(3)]
            _post_all(credentials["api"], header, key, warm, 1)
            deadline = time.monotonic() + 60
            while _count_certificates(dynamodb, table) < len(warm):
                if time.monotonic() > deadline:
                    raise RuntimeError("warm-up certificates were not issued within 60 s")
                time.sleep(0.2)
            if on_started is not None:
                on_started(pid)
            log(f"e2e: posting {count} distinct forms from {threads} threads")
            cpu_before = _cpu_seconds(pid)
            start = time.perf_counter()
            statuses = _post_all(credentials["api"], header, key, bodies, threads)
            ingested = time.perf_counter() - start
            bad = [s for s in statuses if s != 202]
            if bad:
                raise RuntimeError(f"ingest answered {len(bad)} non-202 statuses, e.g. {bad[:5]}")
            target = count + len(warm)
            stored = 0
            while True:
                stored = _count_certificates(dynamodb, table)
                if stored >= target:
                    break
                if time.perf_counter() - start > timeout_s:
                    break
                time.sleep(0.25)  # a scan is O(items) inside the stack's moto: poll gently
            elapsed = time.perf_counter() - start
            cpu_after = _cpu_seconds(pid)
    issued = stored - len(warm)
    cpu = cpu_after - cpu_before if cpu_before is not None and cpu_after is not None else None
    return {
        "issue_e2e_per_s": rounded(issued / elapsed, 1),
        "issue_e2e_certificates": issued,
        "issue_e2e_seconds": rounded(elapsed, 2),
        "ingest_http_per_s": rounded(count / ingested, 1),
        "issue_e2e_threads": threads,
        "issue_e2e_complete": issued >= count,
        # One process (moto server, gateway, queue worker, handlers): the GIL lets it use about one core.
        "stack_cpu_ms_per_certificate": rounded(cpu * 1e3 / max(issued, 1), 1) if cpu is not None else None,
        "stack_cpu_cores_busy": rounded(cpu / elapsed, 2) if cpu is not None else None,
    }
