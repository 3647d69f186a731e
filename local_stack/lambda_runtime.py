"""Run the function handlers in-process the way Lambda would: one event at a time per function."""

from __future__ import annotations

import importlib
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from vaxcert.resources import FUNCTIONS


@dataclass
class LocalContext:
    """The parts of the Lambda context object that Powertools reads."""

    function_name: str
    memory_limit_in_mb: int
    timeout_s: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    invoked_function_arn: str = ""
    _deadline: float = 0.0

    def __post_init__(self) -> None:
        self.invoked_function_arn = f"arn:aws:lambda:local:000000000000:function:{self.function_name}"
        self._deadline = time.monotonic() + self.timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class LocalLambdas:
    def __init__(self) -> None:
        # One invocation at a time in this process, whatever the function: like a warm Lambda
        # environment, handlers keep per-request state in module globals, and Powertools keeps the
        # current event on the resolver *class* (shared by all functions' resolvers in one process).
        self._invoke_lock = threading.Lock()
        self._modules: dict[str, Any] = {}
        self._import_lock = threading.Lock()

    def module(self, function: str) -> Any:
        with self._import_lock:
            if function not in self._modules:
                self._modules[function] = importlib.import_module(f"functions.{function}.handler")
            return self._modules[function]

    def invoke(self, function: str, event: dict[str, Any]) -> Any:
        module = self.module(function)
        grants = FUNCTIONS[function]
        context = LocalContext(f"vaxcert-{function}", grants.memory_mb, grants.timeout_s)
        with self._invoke_lock:
            return module.handler(event, context)
