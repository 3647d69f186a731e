"""Fault injection for tests: AWS calls fail at the HTTP layer, below the SDK's own retries.

`before` faults never reach the service (a refused connection); `after` faults reach it and lose
the reply (the write happened, the caller sees an error and the SDK sends it again): the nastiest
case for exactly-once logic. Seeded, so a failing run can be replayed.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.endpoint import Endpoint
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError

Operation = tuple[str, str]  # (service id, operation), e.g. ("dynamodb", "PutItem")


@dataclass
class FaultInjector:
    rate: float
    operations: set[Operation]
    # Operations whose fault may come after the service applied the request (lost reply). Never SNS
    # Publish: SNS has no idempotency key, so a lost reply there is a duplicate SMS by nature.
    lost_reply_operations: set[Operation] = field(default_factory=set)
    seed: int = 7
    injected: Counter[Operation] = field(default_factory=Counter)
    calls: Counter[Operation] = field(default_factory=Counter)

    def install(self, monkeypatch: pytest.MonkeyPatch) -> FaultInjector:
        rng = random.Random(self.seed)
        original = Endpoint._do_get_response
        injector = self

        def faulty(endpoint: Endpoint, request: Any, operation_model: Any, context: Any) -> Any:
            key = (operation_model.service_model.service_id.hyphenize(), operation_model.name)
            injector.calls[key] += 1
            if key not in injector.operations or rng.random() >= injector.rate:
                return original(endpoint, request, operation_model, context)
            injector.injected[key] += 1
            if key in injector.lost_reply_operations and rng.random() < 0.5:
                original(endpoint, request, operation_model, context)
                return None, ConnectionClosedError(endpoint_url=request.url)
            return None, EndpointConnectionError(endpoint_url=request.url)

        monkeypatch.setattr(Endpoint, "_do_get_response", faulty)
        return self

    def summary(self, operations: Iterable[Operation] | None = None) -> dict[str, str]:
        keys = operations or sorted(self.operations)
        return {f"{s}:{o}": f"{self.injected[(s, o)]}/{self.calls[(s, o)]}" for s, o in keys}
