"""The audit by time: ranges, the opaque cursor, and paging over day partitions (a fake store)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from vaxcert.audit.browse import AuditRange, Cursor, browse
from vaxcert.audit.browse import parse_range as _parse_range
from vaxcert.errors import InvalidInput
from vaxcert.types.audit import Action, AuditEntry, Outcome, Role

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


def parse_range(params: dict[str, str], now: datetime, **limits: Any) -> AuditRange:
    """The range of the API's query parameters (from, to, action)."""
    return _parse_range(
        now, start=params.get("from"), end=params.get("to"), action=params.get("action"), **limits
    )


class DayStore:
    """Entries by UTC day; pages of at most `page` items, the position an index into the day."""

    def __init__(self, entries: list[AuditEntry], page: int = 3) -> None:
        self.entries = entries
        self.page = page
        self.queries: list[str] = []

    def by_day(
        self,
        day: str,
        start: datetime,
        end: datetime,
        action: str | None,
        limit: int,
        after: dict[str, Any] | None,
    ) -> tuple[list[AuditEntry], dict[str, Any] | None]:
        self.queries.append(day)
        found = sorted(
            (e for e in self.entries if e.at.date().isoformat() == day and start <= e.at <= end
             and (action is None or e.action.value == action)),
            key=lambda e: e.at, reverse=True,
        )  # fmt: skip
        offset = int(after["i"]) if after else 0
        take = min(limit, self.page)
        chunk = found[offset : offset + take]
        more = offset + take < len(found)
        return chunk, ({"i": str(offset + take)} if more or len(chunk) == limit else None)


def _entry(at: datetime, action: Action = Action.STAFF_SEARCH) -> AuditEntry:
    return AuditEntry(f"e{at:%d%H%M}", at, "nurse", Role.STAFF, action, Outcome.OK)


def test_pages_walk_days_newest_first_without_gaps_or_repeats() -> None:
    entries = [_entry(NOW - timedelta(hours=5 * n)) for n in range(30)]  # about 6 days
    store = DayStore(entries)
    wanted = parse_range({"from": "2026-11-20"}, NOW, max_days=366)
    seen: list[AuditEntry] = []
    cursor: Cursor | None = None
    while True:
        page, cursor = browse(store, wanted, 4, cursor)
        assert len(page) <= 4
        seen += page
        if cursor is None:
            break
        cursor = Cursor.decode(cursor.encode())  # what the client sends back
    assert seen == sorted(entries, key=lambda e: e.at, reverse=True)
    # Only day partitions in the range were queried (never a scan).
    assert set(store.queries) <= {(NOW.date() - timedelta(days=n)).isoformat() for n in range(12)}


def test_action_filter_and_date_time_bounds() -> None:
    entries = [
        _entry(NOW - timedelta(hours=n), Action.STAFF_PRINT if n % 2 else Action.STAFF_SEARCH)
        for n in range(10)
    ]
    wanted = parse_range(
        {"from": "2026-12-01T08:30:00Z", "to": "2026-12-01T09:30:00-05:00", "action": "staff.print"},
        NOW,
        max_days=31,
    )
    page, cursor = browse(DayStore(entries, page=50), wanted, 50, None)
    assert cursor is None
    assert [e.at.hour for e in page] == [14, 12, 10]  # 08:30Z .. 14:30Z (09:30-05:00)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "01/12/2026"}, "from"),
        ({"to": "2026-02-30"}, "to"),
        ({"from": "2026-12-02", "to": "2026-12-01"}, "from"),
        ({"from": "2026-10-01", "to": "2026-11-02"}, "to"),
        ({"action": "staff.nothing"}, "action"),
        ({"to": "0001-01-01T00:00:00+05:00"}, "to"),
    ],
)
def test_bad_ranges_name_the_field(params: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_range(params, NOW, max_days=31)
    assert field in [p.field for p in refused.value.problems]


def test_31_calendar_days_are_one_export_32_are_not() -> None:
    parse_range({"from": "2026-01-01", "to": "2026-01-31"}, NOW, max_days=31)
    with pytest.raises(InvalidInput):
        parse_range({"from": "2026-01-01", "to": "2026-02-01"}, NOW, max_days=31)
    with pytest.raises(InvalidInput):
        parse_range({}, NOW, max_days=31, require_from=True)
    # No `from`: the 31 days before `to`.
    assert parse_range({}, NOW, max_days=366).start == NOW - timedelta(days=31)


@pytest.mark.parametrize("text", ["", "not base64!", "e30", "eyJkIjogMX0", "x" * 5000])
def test_cursors_this_api_did_not_give_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        Cursor.decode(text)
    assert refused.value.problems[0].field == "next"


def test_a_cursor_outside_the_range_is_refused() -> None:
    wanted = parse_range({"from": "2026-11-30"}, NOW, max_days=31)
    with pytest.raises(InvalidInput):
        browse(DayStore([]), wanted, 10, Cursor(NOW.date() - timedelta(days=40), None))
