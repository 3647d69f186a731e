"""Two per-request costs of moto 5.2 that grow with load, removed for the local stack (same answers).

Found by profiling `make bench` (issue_e2e_per_s, py-spy on the local stack process; docs/performance.md):
- the server's dispatcher lists moto's package folders on disk (os.listdir + isdir of ~200 entries) for
  every request: the list cannot change while the process runs, so it is computed once;
- SQS ReceiveMessage checks each message's retention period through get_queue_attributes, which
  computes every queue attribute, including counts over all messages: O(backlog) per message, so
  O(backlog^2) per receive. The period itself is read directly instead.
Each patch is applied only when moto still has the function it replaces (a moto upgrade that changes
them leaves moto as it is).
"""

from __future__ import annotations

import functools
from typing import Any

from moto.core.utils import unix_time


def apply() -> None:
    from moto import backends
    from moto.sqs import models as sqs_models

    if hasattr(backends, "list_of_moto_modules") and not hasattr(backends.list_of_moto_modules, "cache_info"):
        listing = backends.list_of_moto_modules
        backends.list_of_moto_modules = functools.cache(lambda: tuple(listing()))

    backend = sqs_models.SQSBackend
    if hasattr(backend, "is_message_valid_based_on_retention_period") and not getattr(
        backend.is_message_valid_based_on_retention_period, "_vaxcert_fast", False
    ):

        def is_message_valid_based_on_retention_period(self: Any, queue_name: str, message: Any) -> bool:
            period = int(self.get_queue(queue_name).message_retention_period)
            return period + message.sent_timestamp / 1000 > unix_time()

        is_message_valid_based_on_retention_period._vaxcert_fast = True  # type: ignore[attr-defined]
        backend.is_message_valid_based_on_retention_period = is_message_valid_based_on_retention_period  # type: ignore[method-assign]
