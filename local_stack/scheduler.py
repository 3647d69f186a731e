"""EventBridge schedules, locally: invoke each scheduled function at start, then every N hours."""

from __future__ import annotations

import threading
import traceback
from datetime import UTC, datetime

from local_stack.lambda_runtime import LocalLambdas
from vaxcert.resources import SCHEDULED_EVENT_SOURCE, SCHEDULES, Schedule


def scheduled_event(schedule: Schedule) -> dict[str, object]:
    """The shape of an EventBridge "Scheduled Event" as Lambda receives it."""
    return {
        "version": "0",
        "id": f"local-{schedule.logical_id}",
        "detail-type": "Scheduled Event",
        "source": SCHEDULED_EVENT_SOURCE,
        "account": "000000000000",
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "region": "local",
        "resources": [f"arn:aws:events:local:000000000000:rule/{schedule.logical_id}"],
        "detail": {},
    }


class Scheduler(threading.Thread):
    def __init__(self, lambdas: LocalLambdas):
        super().__init__(name="schedules", daemon=True)
        self.lambdas = lambdas
        self.stopping = threading.Event()

    def run_once(self, schedule: Schedule) -> None:
        try:
            self.lambdas.invoke(schedule.function, scheduled_event(schedule))
        except Exception:
            traceback.print_exc()

    def run(self) -> None:
        for schedule in SCHEDULES:
            threading.Thread(target=self._every, args=(schedule,), daemon=True).start()

    def run_all_now(self) -> None:
        """At start, as a fresh deployment's first timer ticks would (e.g. the first revocation list)."""
        for schedule in SCHEDULES:
            self.run_once(schedule)

    def _every(self, schedule: Schedule) -> None:
        while not self.stopping.wait(schedule.every_hours * 3600):
            self.run_once(schedule)

    def stop(self) -> None:
        self.stopping.set()
