"""Dashboard counters: atomic ADDs where certificates change, so the dashboard never scans a table.

Counted right after the conditional write that made the change succeeded, so a retried message does
not count twice; a crash between the two loses one count (a dashboard, not a ledger). Counting never
fails the work it counts: errors are logged and dropped.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from pynamodb.expressions.update import Action

from vaxcert.logs import get_logger
from vaxcert.store.models import StatsItem

logger = get_logger()
TOTALS = "totals"
FIELDS = (
    "issued",
    "valid",
    "revoked",
    "superseded",
    "smsExpected",
    "smsSent",
    "smsFailed",
    "editConflicts",
)


def day_key(day: date) -> str:
    return f"day#{day.isoformat()}"


class Stats:
    def add(self, day: date | None = None, **deltas: int) -> None:
        try:
            actions: list[Action] = [getattr(StatsItem, k).add(v) for k, v in deltas.items() if v]
            if actions:
                StatsItem(TOTALS).update(actions=actions)
            if day is not None and deltas.get("issued"):
                StatsItem(day_key(day)).update(actions=[StatsItem.issued.add(deltas["issued"])])
        except Exception as exc:  # counting must never fail issuance or revocation
            logger.warning("stats update failed: %s", type(exc).__name__)

    def issued(self, day: date, with_mobile: bool) -> None:
        self.add(day, issued=1, valid=1, smsExpected=1 if with_mobile else 0)

    def revoked(self) -> None:
        self.add(valid=-1, revoked=1)

    def superseded(self) -> None:
        self.add(valid=-1, superseded=1)

    def sms_sent(self) -> None:
        self.add(smsSent=1)

    def sms_failed(self) -> None:
        self.add(smsFailed=1)

    def edit_conflict(self) -> None:
        self.add(editConflicts=1)

    def read(self, today: date, days: int = 30) -> dict[str, Any]:
        """Totals and the issued count of each of the last `days` days (oldest first, zeros included)."""
        wanted = [today - timedelta(days=n) for n in range(days - 1, -1, -1)]
        keys = [TOTALS] + [day_key(d) for d in wanted]
        found = {i.pk: i for i in StatsItem.batch_get(keys)}
        totals = found.get(TOTALS)
        out: dict[str, Any] = {k: int(getattr(totals, k) or 0) if totals else 0 for k in FIELDS}
        out["perDay"] = [
            {"date": d.isoformat(), "count": int(found[day_key(d)].issued or 0) if day_key(d) in found else 0}
            for d in wanted
        ]
        return out
