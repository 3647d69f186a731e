"""Loggers for the shared package: Powertools child loggers of the function's own Logger.

In Lambda, POWERTOOLS_SERVICE_NAME names the function's Logger (`vaxcert-<function>`, set by the
stack and by each handler), so a child's lines go through the same handler and formatter: the
Lambda request id, cold start and correlation id (the API Gateway request id, set by
`set_correlation_id` for each request in vaxcert.http.api) are on every line of one request.
Without that variable (local stack, tests: several functions in one process) it is a standalone
Powertools Logger of service `vaxcert`, JSON like the functions' own.
Never log personal data: names, dates of birth, mobile numbers, ids, codes (tests/e2e/test_privacy_logs).
"""

from __future__ import annotations

import contextlib
import os

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.exceptions import OrphanedChildLoggerError

_SHARED_SERVICE = "vaxcert"


def get_logger() -> Logger:
    service = os.environ.get("POWERTOOLS_SERVICE_NAME")
    if service:
        return Logger(service=service, child=True)
    return Logger(service=_SHARED_SERVICE, use_rfc3339=True)


def set_correlation_id(logger: Logger, value: str | None) -> None:
    """The correlation id on every following line of this invocation (the function's Logger included)."""
    # A child whose parent Logger was never created has no formatter to tag (nothing logs there).
    with contextlib.suppress(OrphanedChildLoggerError):
        logger.set_correlation_id(value)
