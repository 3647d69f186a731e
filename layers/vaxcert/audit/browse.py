"""Browsing the audit trail by time: recent entries newest first, a date range, an action, pages.

Entries carry their UTC day (`day`, YYYY-MM-DD), the partition of the ByDay index (sort key `at`), so
a page is a few queries of day partitions, newest day first, never a scan of the table. The cursor
(`next`) is opaque to clients: base64url JSON of the day being read and the store's position in it.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol

from vaxcert.errors import InvalidInput, Problem
from vaxcert.types.audit import Action, AuditEntry

DEFAULT_DAYS = 31  # no `from`: the last 31 days
MAX_BROWSE_DAYS = 366
MAX_EXPORT_DAYS = 31
# Day partitions one page may read before it answers with what it has (and a cursor to go on).
MAX_DAYS_PER_PAGE = 62
MAX_CURSOR = 2048


class AuditDayStore(Protocol):
    def by_day(
        self,
        day: str,
        start: datetime,
        end: datetime,
        action: str | None,
        limit: int,
        after: dict[str, Any] | None,
    ) -> tuple[list[AuditEntry], dict[str, Any] | None]:
        """Entries of one UTC day within [start, end], newest first; the position after the last one
        returned when the day may hold more."""
        ...


@dataclass(frozen=True)
class AuditRange:
    start: datetime
    end: datetime
    action: str | None = None

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {"from": _iso(self.start), "to": _iso(self.end)}
        if self.action:
            out["action"] = self.action
        return out


@dataclass(frozen=True)
class Cursor:
    day: date
    after: dict[str, Any] | None

    def encode(self) -> str:
        raw = json.dumps({"d": self.day.isoformat(), "k": self.after}, separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @staticmethod
    def decode(text: str) -> Cursor:
        try:
            if len(text) > MAX_CURSOR:
                raise ValueError
            data = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
            day = date.fromisoformat(data["d"])
            after = data["k"]
            if after is not None and not (
                isinstance(after, dict) and all(isinstance(v, str) for v in after.values())
            ):
                raise ValueError
            return Cursor(day, after)
        except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
            raise InvalidInput([Problem("next", "is not a cursor this API returned")]) from None


def parse_moment(raw: str, field: str, *, end_of_day: bool) -> datetime:
    """An ISO 8601 date (the whole day) or date-time (UTC when no offset is given)."""
    text = raw.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day, time.max if end_of_day else time.min, tzinfo=UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        moment = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):
        raise InvalidInput(
            [Problem(field, "must be an ISO 8601 date (2026-12-01) or date-time (2026-12-01T14:30:00Z)")]
        ) from None
    return moment


def parse_range(
    now: datetime,
    *,
    start: str | None = None,
    end: str | None = None,
    action: str | None = None,
    max_days: int,
    require_from: bool = False,
) -> AuditRange:
    """The range [start, end] of ISO 8601 texts (errors name them `from` and `to`, as the API does)."""
    raw_from = (start or "").strip()
    raw_to = (end or "").strip()
    raw_action = (action or "").strip()
    problems: list[Problem] = []
    last: datetime = now
    first: datetime | None = None
    try:
        if raw_to:
            last = parse_moment(raw_to, "to", end_of_day=True)
    except InvalidInput as exc:
        problems.extend(exc.problems)
    try:
        if raw_from:
            first = parse_moment(raw_from, "from", end_of_day=False)
    except InvalidInput as exc:
        problems.extend(exc.problems)
    if not raw_from and require_from:
        problems.append(Problem("from", "is required: the first day to export (ISO 8601)"))
    wanted_action = None
    if raw_action:
        try:
            wanted_action = Action(raw_action).value
        except ValueError:
            problems.append(
                Problem("action", "is not an audit action: " + ", ".join(a.value for a in Action))
            )
    if problems:
        raise InvalidInput(problems)
    if first is None:
        try:
            first = last - timedelta(days=DEFAULT_DAYS)
        except OverflowError:
            first = datetime.min.replace(tzinfo=UTC)
    if first > last:
        raise InvalidInput([Problem("from", "is after `to`")])
    if last - first > timedelta(days=max_days):
        raise InvalidInput([Problem("to", f"the range is longer than {max_days} days: give a shorter one")])
    return AuditRange(start=first, end=last, action=wanted_action)


def browse(
    store: AuditDayStore, wanted: AuditRange, limit: int, cursor: Cursor | None
) -> tuple[list[AuditEntry], Cursor | None]:
    """One page, newest first: at most `limit` entries and the cursor of the next page (None at the end)."""
    day = cursor.day if cursor else wanted.end.date()
    after = cursor.after if cursor else None
    first_day = wanted.start.date()
    if day > wanted.end.date() or day < first_day:
        raise InvalidInput([Problem("next", "does not belong to this range: start again without it")])
    entries: list[AuditEntry] = []
    for _ in range(MAX_DAYS_PER_PAGE):
        found, after = store.by_day(
            day.isoformat(), wanted.start, wanted.end, wanted.action, limit - len(entries), after
        )
        entries.extend(found)
        if after is None:  # this day is done
            if day <= first_day:
                return entries, None
            day -= timedelta(days=1)
        if len(entries) >= limit:
            return entries, Cursor(day, after)
    return entries, Cursor(day, after)


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


EXPORT_COLUMNS = (
    "at",
    "action",
    "outcome",
    "role",
    "actor",
    "actorLabel",
    "hcid",
    "query",
    "resultHcids",
    "sourceIp",
    "userAgent",
    "entryId",
)
# A Lambda answer carries at most 6 MB (API Gateway 10 MB): an export stops short of that.
MAX_EXPORT_BYTES = 5 * 1024 * 1024
EXPORT_PAGE = 500


class ExportTooLarge(Exception):
    pass


def export_rows(store: AuditDayStore, wanted: AuditRange) -> list[list[Any]]:
    """Every entry of the range as CSV rows (EXPORT_COLUMNS), newest first, paged through ByDay."""
    rows: list[list[Any]] = []
    size = 0
    cursor: Cursor | None = None
    while True:
        entries, cursor = browse(store, wanted, EXPORT_PAGE, cursor)
        for entry in entries:
            data = entry.as_json()
            row = [
                data["at"],
                data["action"],
                data["outcome"],
                data["role"],
                data["actor"],
                data["actorLabel"],
                data["hcid"],
                json.dumps(data["query"], ensure_ascii=False, sort_keys=True) if data["query"] else None,
                " ".join(data["resultHcids"] or []) or None,
                data["sourceIp"],
                data["userAgent"],
                data["entryId"],
            ]
            size += sum(len(str(v)) + 3 for v in row if v is not None)
            if size > MAX_EXPORT_BYTES:
                raise ExportTooLarge
            rows.append(row)
        if cursor is None:
            return rows
