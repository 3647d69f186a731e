"""`vaxcert backfill` streams its file: rows are read only a few ahead of the answers, results keep the
file's order, and the error report is written as rows fail (memory does not grow with the file)."""

from __future__ import annotations

import csv
import io
import threading
from pathlib import Path
from typing import Any

import pytest

from vaxcert.commands import backfill as command

ROWS = 600
WORKERS = 3


def write(path: Path, rows: int) -> None:
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["eventId", "givenName", "familyName", "birthDate", "vaccine", "lot", "date", "dose"])
        for n in range(rows):
            writer.writerow([f"ev-{n:04d}", "Ann", "Lee", "1970-01-02", "pfizer", "L1", "2021-06-01", "1"])


class Ingest:
    """Answers like the ingest API: every 7th row rejected, every 11th a duplicate."""

    def __init__(self, read: dict[str, int]) -> None:
        self.read, self.answered, self.ahead = read, 0, 0
        self.lock = threading.Lock()

    def post(self, body: dict[str, Any]) -> tuple[int, Any]:
        n = int(body["eventId"][3:])
        with self.lock:
            self.ahead = max(self.ahead, self.read["rows"] - self.answered)
            self.answered += 1
        if n % 7 == 0:
            return 422, {"errors": [{"field": "person.birthDate", "problem": f"bad {n}"}]}
        return 202, {"status": "duplicate" if n % 11 == 0 else "accepted"}


def test_rows_are_read_a_bounded_window_ahead(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "history.csv"
    write(path, ROWS)
    read = {"rows": 0}
    original = command.read_rows

    def counting(p: Path) -> Any:
        for item in original(p):
            read["rows"] += 1
            yield item

    monkeypatch.setattr(command, "read_rows", counting)
    client = Ingest(read)
    out = io.StringIO()
    summary = command.backfill(path, client, workers=WORKERS, out=out)

    rejected = len([n for n in range(ROWS) if n % 7 == 0])
    duplicate = len([n for n in range(ROWS) if n % 11 == 0 and n % 7 != 0])
    assert summary == {
        "rows": ROWS,
        "accepted": ROWS - rejected - duplicate,
        "duplicate": duplicate,
        "rejected": rejected,
        "failed": 0,
        "errorReport": str(tmp_path / "history.errors.csv"),
    }
    assert client.ahead <= WORKERS * 4 + WORKERS + 1, f"read {client.ahead} rows ahead of the answers"
    with (tmp_path / "history.errors.csv").open() as f:
        errors = list(csv.DictReader(f))
    assert [e["eventId"] for e in errors] == [f"ev-{n:04d}" for n in range(0, ROWS, 7)]  # file order
    assert errors[1] == {"row": "9", "eventId": "ev-0007", "status": "rejected", "field": "person.birthDate",
                         "problem": "bad 7"}  # fmt: skip
    assert f"{ROWS}/{ROWS}" in out.getvalue()  # the progress bar's last state


def test_missing_columns_are_refused_before_anything_is_sent(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("eventId,givenName\nx,Ann\n")
    client = Ingest({"rows": 0})
    with pytest.raises(ValueError, match="missing columns"):
        command.backfill(path, client)
    assert client.answered == 0


def test_progress_helper_without_tqdm_prints_rate_and_eta(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    from vaxcert.commands._progress import progress

    real_import = builtins.__import__

    def no_tqdm(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "tqdm":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tqdm)
    out = io.StringIO()
    with progress(4, "migrate", unit="cert", out=out, every=2) as bar:
        for outcome in ("migrated", "migrated", "skipped", "migrated"):
            bar.update(outcome)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[-1].startswith("migrate: 4/4 ") and "cert/s" in lines[-1]
    assert lines[-1].endswith("migrated=3 skipped=1")
    assert "ETA" in lines[0]


def test_progress_helper_with_tqdm_shows_rate_and_counts() -> None:
    pytest.importorskip("tqdm")
    from vaxcert.commands._progress import progress

    out = io.StringIO()
    with progress(3, "backfill", unit="row", out=out) as bar:
        for outcome in ("accepted", "accepted", "rejected"):
            bar.update(outcome)
    text = out.getvalue()
    assert "3/3" in text and "row/s" in text and "accepted=2" in text and "rejected=1" in text
