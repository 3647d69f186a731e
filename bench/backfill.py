"""backfill_peak_rss_mb.<rows>: peak memory of `vaxcert backfill` over 10,000 and 200,000 rows.

Each size runs in a fresh process (`python -m bench.backfill FILE`), so one run's heap cannot
hide the other's; the process streams the file through `commands.backfill.backfill` with a client that
answers like the ingest API without a network (every 50th row rejected, so the error report is written
too). Memory that grows with rows would show as backfill_rss_ratio (200k / 10k) well above 1.
"""

from __future__ import annotations

import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import ROOT, log

SIZES = (10_000, 200_000)


def write_csv(path: Path, rows: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(
            ["eventId", "givenName", "familyName", "birthDate", "mobile", "vaccine", "lot", "date", "dose"]
        )
        for n in range(rows):
            writer.writerow(
                [f"bench-{n:07d}", "Marcia", f"Family{n:07d}", "1970-01-02", "8765550100", "pfizer", "L1",
                 "2021-06-01", "1"]
            )  # fmt: skip


class FakeIngest:
    """Answers like POST /v1/vaccinations: 202 accepted, every 50th row a 422 with a field problem."""

    def post(self, body: dict[str, Any]) -> tuple[int, Any]:
        json.dumps(body)  # the work the real client does per row
        if body["eventId"].endswith("0") and int(body["eventId"][-7:]) % 50 == 0:
            return 422, {"errors": [{"field": "person.birthDate", "problem": "not a date"}]}
        return 202, {"status": "accepted"}


def child(path: str) -> None:
    from vaxcert.commands.backfill import backfill

    started = time.perf_counter()
    with open(os.devnull, "w") as quiet:
        summary = backfill(Path(path), FakeIngest(), workers=4, out=quiet)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    seconds = round(time.perf_counter() - started, 2)
    print(json.dumps({"peak_rss_mb": round(peak_kb / 1024, 1), "seconds": seconds, "summary": summary}))


def measure(rows: int, directory: Path) -> dict[str, Any]:
    path = directory / f"backfill-{rows}.csv"
    write_csv(path, rows)
    done = subprocess.run(  # noqa: S603 - our interpreter, fixed arguments
        [sys.executable, "-m", "bench.backfill", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if done.returncode != 0:
        raise RuntimeError(f"backfill bench failed:\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if result["summary"]["rows"] != rows:
        raise RuntimeError(f"backfill bench: {result['summary']['rows']} of {rows} rows submitted")
    return result


def run(sizes: tuple[int, ...] = SIZES) -> dict[str, Any]:
    log(f"backfill peak RSS: {', '.join(map(str, sizes))} rows, one fresh process each")
    peak: dict[str, float] = {}
    seconds: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="vaxcert-bench-backfill-") as directory:
        for rows in sizes:
            result = measure(rows, Path(directory))
            peak[str(rows)], seconds[str(rows)] = result["peak_rss_mb"], result["seconds"]
    small, large = peak[str(min(sizes))], peak[str(max(sizes))]
    return {
        "backfill_peak_rss_mb": peak,
        "backfill_seconds": seconds,
        "backfill_rss_ratio": round(large / small, 3),
    }


if __name__ == "__main__":
    child(sys.argv[1])
