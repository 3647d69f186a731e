"""cold_import_ms.<function>: `python -X importtime -c "import functions.<f>.handler"`, fresh processes.

Bytecode is cached (as in the deployed layer, which ships .pyc files) in a private PYTHONPYCACHEPREFIX,
so the figure is import work, not compilation, and the working tree gets no __pycache__ folders.
A separate probe process per function fails every AWS API call and reports any made at import time.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from typing import Any

from bench.common import ROOT, log, rounded

FUNCTIONS = ("ingest", "issue", "verify", "download", "revoke", "keys")

# Valid settings without any AWS resource: names only (nothing may be called at import).
ENV = {
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_ENDPOINT_URL": "http://127.0.0.1:9",  # discard port: a call at import fails fast, never leaves
    "AWS_MAX_ATTEMPTS": "1",
    "POWERTOOLS_SERVICE_NAME": "bench",
    "POWERTOOLS_LOG_LEVEL": "INFO",
    "POWERTOOLS_METRICS_NAMESPACE": "vaxcert",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_LOGGER_LOG_EVENT": "false",
    "STAGE": "bench",
    "ISSUE_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/000000000000/vaxcert-issue",
    "ISSUE_DLQ_URL": "https://sqs.us-east-1.amazonaws.com/000000000000/vaxcert-issue-dlq",
    "SIGNING_KEY_ID": "alias/vaxcert-signing",
    "CSCA_KEY_ID": "alias/vaxcert-csca",
    "SESSION_KEY_ID": "alias/vaxcert-session",
    "DATA_KEY_ID": "alias/vaxcert-data",
    "INGEST_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:000000000000:secret:vaxcert-ingest",
    "OTP_PEPPER_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:000000000000:secret:vaxcert-otp",
    "USER_POOL_ID": "us-east-1_bench",
    "USER_POOL_CLIENT_ID": "benchclient",
    "PORTAL_URL": "https://vaxcert.example/",
}

_PROBE = """
import json, sys
import botocore.endpoint
calls = []
def refuse(self, operation_model, request_dict):
    calls.append(operation_model.service_model.service_name + ":" + operation_model.name)
    raise RuntimeError("AWS call at import time")
botocore.endpoint.Endpoint.make_request = refuse
error = None
try:
    import functions.{function}.handler
except Exception as exc:
    error = type(exc).__name__ + ": " + str(exc)[:200]
print(json.dumps({{"calls": calls, "error": error}}))
"""


def _env(pycache: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(ENV, PYTHONPYCACHEPREFIX=pycache)
    return env


def import_time_ms(function: str, env: dict[str, str]) -> tuple[float, float]:
    """(handler module's cumulative -X importtime: everything `import functions.<f>.handler` loads;
    sum of every `self` time in the process, interpreter start-up and the venv's editable-install
    finder included, neither of which a Lambda layer import pays), in ms."""
    done = subprocess.run(  # noqa: S603 - our interpreter, fixed arguments
        [sys.executable, "-X", "importtime", "-c", f"import functions.{function}.handler"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"import functions.{function}.handler failed:\n{done.stderr[-2000:]}")
    total_us = handler_us = 0
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            self_us, cumulative_us, name = (part.strip() for part in line.split(":", 1)[1].split("|"))
            if self_us.isdigit():
                total_us += int(self_us)
            if name == f"functions.{function}.handler" and cumulative_us.isdigit():
                handler_us = int(cumulative_us)
    return handler_us / 1000, total_us / 1000


def probe(function: str, env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(  # noqa: S603 - our interpreter, fixed arguments
        [sys.executable, "-c", _PROBE.format(function=function)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        return {"calls": [], "error": done.stderr[-300:]}
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def run(repeats: int = 5, functions: tuple[str, ...] = FUNCTIONS) -> dict[str, Any]:
    log(f"cold import: {len(functions)} handlers x {repeats} fresh processes (-X importtime)")
    cold: dict[str, float] = {}
    spread: dict[str, list[float]] = {}
    process: dict[str, float] = {}
    aws_at_import: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="vaxcert-bench-pyc-") as pycache:
        env = _env(pycache)
        for function in functions:
            import_time_ms(function, env)  # writes the bytecode cache
            measured = [import_time_ms(function, env) for _ in range(repeats)]
            samples = [handler for handler, _ in measured]
            cold[function] = rounded(statistics.median(samples), 1)
            spread[function] = [rounded(min(samples), 1), rounded(max(samples), 1)]
            process[function] = rounded(statistics.median(total for _, total in measured), 1)
            found = probe(function, env)
            aws_at_import[function] = found["calls"] or ([found["error"]] if found.get("error") else [])
    return {
        "cold_import_ms": cold,
        "cold_import_ms_min_max": spread,
        "cold_process_import_ms": process,
        "aws_calls_at_import": aws_at_import,
        "cold_import_repeats": repeats,
    }
