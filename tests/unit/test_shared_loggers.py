"""Shared code logs through Powertools child loggers of the function's Logger: in Lambda every line of
one request carries the function's service, the Lambda request id, cold start and the correlation id
(the API Gateway request id), the shared package's lines included."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from bench.cold import ENV
from tests.conftest import ROOT

SCRIPT = r"""
from local_stack.gateway import proxy_event
from local_stack.lambda_runtime import LocalContext
import functions.verify.handler as verify

event = proxy_event("GET", "/v1/trust-list", {}, b"", "192.0.2.1")
event["requestContext"]["requestId"] = "apigw-request-7"
result = verify.handler(event, LocalContext("verify", 512, 10))
print("STATUS", result["statusCode"])
"""


def test_shared_package_lines_carry_the_request_ids() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_"))}
    env.update(ENV, POWERTOOLS_SERVICE_NAME="vaxcert-verify", POWERTOOLS_LOG_LEVEL="INFO")
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "STATUS 503" in done.stdout, done.stdout  # the trust table is unreachable: transient failure
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    shared = [line for line in lines if line.get("message") == "transient failure"]
    assert shared, done.stdout
    for line in shared:
        assert line["service"] == "vaxcert-verify"
        assert line["correlation_id"] == "apigw-request-7"
        assert line["cold_start"] is True
        assert line["function_request_id"]


def test_no_stdlib_loggers_in_the_lambda_code() -> None:
    """Every line goes through Powertools (vaxcert.logs.get_logger or a function's Logger): a stdlib
    logger's lines would lack the request ids and the JSON format."""
    offenders = []
    for folder in ("layers", "functions"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            if "logging.getLogger" in text or any(
                line.startswith(("import logging", "from logging ")) for line in text.splitlines()
            ):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
