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
from vaxcert.types.delay import delay_bucket

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


# --- issuance mix and delay -------------------------------------------------------------------------
# One item per day (`mix#YYYY-MM-DD`) whose attributes are counters named after what they count:
# `centre:<name>`, `vaccine:<key>`, `dose:<n>`, and `delay:<upper bound in seconds>` (a histogram of
# form received -> SMS accepted). An ADD on a top-level attribute creates it, so one UpdateItem per
# change counts any centre name without knowing the names in advance.
MIX_PREFIX = "mix#"
MAX_LABEL = 100


def mix_key(day: date) -> str:
    return f"{MIX_PREFIX}{day.isoformat()}"


class IssuanceMix:
    """Counters for the dashboard's issuance by centre / vaccine / dose and the issuance delay."""

    def _table(self) -> tuple[Any, str]:
        from vaxcert.store.aws import client

        return client("dynamodb", getattr(StatsItem.Meta, "region", None)), StatsItem.Meta.table_name

    def _add(self, day: date, names: list[str]) -> None:
        try:
            dynamodb, table = self._table()
            aliases = {f"#n{i}": name[:MAX_LABEL] for i, name in enumerate(names)}
            dynamodb.update_item(
                TableName=table,
                Key={"pk": {"S": mix_key(day)}},
                UpdateExpression="ADD " + ", ".join(f"{alias} :one" for alias in aliases),
                ExpressionAttributeNames=aliases,
                ExpressionAttributeValues={":one": {"N": "1"}},
            )
        except Exception as exc:  # counting must never fail issuance
            logger.warning("issuance mix update failed: %s", type(exc).__name__)

    def issued(self, day: date, *, centre: str | None, vaccine: str, dose: int) -> None:
        centre_name = " ".join((centre or "").split()) or "(no centre)"
        self._add(day, [f"centre:{centre_name}", f"vaccine:{vaccine}", f"dose:{dose}"])

    def sms_delay(self, day: date, seconds: float) -> None:
        self._add(day, [f"delay:{delay_bucket(max(seconds, 0.0))}"])

    def read(self, today: date, days: int = 30) -> dict[str, dict[str, int]]:
        """Counts over the last `days` days: {"centre": {name: n}, "vaccine": {...}, "dose": {...},
        "delay": {bucket: n}}."""
        dynamodb, table = self._table()
        keys = [{"pk": {"S": mix_key(today - timedelta(days=n))}} for n in range(days)]
        out: dict[str, dict[str, int]] = {"centre": {}, "vaccine": {}, "dose": {}, "delay": {}}
        pending: dict[str, Any] = {table: {"Keys": keys}}
        while pending:
            answer = dynamodb.batch_get_item(RequestItems=pending)
            for item in answer.get("Responses", {}).get(table, []):
                for name, value in item.items():
                    kind, _, label = name.partition(":")
                    if kind in out and label and "N" in value:
                        out[kind][label] = out[kind].get(label, 0) + int(value["N"])
            pending = answer.get("UnprocessedKeys") or {}
        return out
