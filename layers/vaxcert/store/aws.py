"""Shared AWS plumbing: AWS clients (created once per process) and error translation."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import PynamoDBException

from vaxcert.errors import TransientFailure

# Fail fast inside API Gateway's 29 s; botocore's standard mode retries throttling itself.
_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=3, read_timeout=10)

P = ParamSpec("P")
R = TypeVar("R")


@functools.cache
def client(service: str, region: str | None = None) -> Any:
    """The process's client of `service` in `region` (default: AWS_DEFAULT_REGION as the SDK reads
    it, else the settings' region, AWS_REGION): passed to the SDK, never put into os.environ."""
    from vaxcert.settings import get_settings

    region = region or os.environ.get("AWS_DEFAULT_REGION") or get_settings().region
    # Straight from botocore (boto3's clients are the same objects): importing boto3 also loads
    # s3transfer and its resource layer, ~100 ms of cold start this code never uses.
    return botocore.session.get_session().create_client(service, region_name=region, config=_CONFIG)


def error_code(exc: BaseException) -> str | None:
    """The AWS error code behind a botocore or pynamodb exception."""
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code"))
    if isinstance(exc, PynamoDBException):
        # Not `cause_response_code`: it fails on causes without a service reply (connection errors).
        response = getattr(exc.cause, "response", None)
        return str(response.get("Error", {}).get("Code")) if isinstance(response, dict) else None
    return None


def is_conditional_failure(exc: BaseException) -> bool:
    return error_code(exc) in ("ConditionalCheckFailedException", "TransactionCanceledException")


def transient_on_aws_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn AWS failures into TransientFailure (HTTP 503 / SQS retry) instead of a 500."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except (ClientError, BotoCoreError, PynamoDBException) as exc:
            raise TransientFailure(f"{type(exc).__name__}: {error_code(exc) or 'no code'}") from exc

    return wrapper
