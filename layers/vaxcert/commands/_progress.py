"""One progress bar for long operator commands (backfill, migrations): count, rate and ETA on stderr.

Not a subcommand (no `register`). Uses tqdm, from the `cli` extra (`pip install "vaxcert[cli]"`), which
stays out of the Lambda layer; without it a plain line is printed every `every` items and at the end.

    with progress(total, "rows", unit="row") as bar:
        for row in rows:
            ...
            bar.update(status)   # counts per status are shown beside the bar
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO


class Progress:
    """Counts items by outcome; shows done/total, rate, ETA and the counts."""

    def __init__(self, total: int | None, description: str, *, unit: str, out: TextIO, every: int = 100):
        self.total, self.description, self.unit, self.out, self.every = total, description, unit, out, every
        self.done = 0
        self.counts: Counter[str] = Counter()
        self._started = time.monotonic()
        self._bar: Any = None
        try:
            from tqdm import tqdm
        except ImportError:  # the `cli` extra is not installed: plain lines
            tqdm = None
        if tqdm is not None:
            self._bar = tqdm(total=total, desc=description, unit=unit, file=out, dynamic_ncols=True)

    def update(self, outcome: str | None = None, n: int = 1) -> None:
        self.done += n
        if outcome:
            self.counts[outcome] += n
        if self._bar is not None:
            if outcome:
                self._bar.set_postfix(dict(sorted(self.counts.items())), refresh=False)
            self._bar.update(n)
        elif self.done == self.total or self.done % self.every == 0:
            self.out.write(self.line() + "\n")
            self.out.flush()

    def line(self) -> str:
        elapsed = max(time.monotonic() - self._started, 1e-9)
        rate = self.done / elapsed
        total = "?" if self.total is None else str(self.total)
        eta = ""
        if self.total and rate > 0:
            eta = f" ETA {int((self.total - self.done) / rate)}s"
        summary = " ".join(f"{k}={v}" for k, v in sorted(self.counts.items()))
        return f"{self.description}: {self.done}/{total} {rate:.1f} {self.unit}/s{eta} {summary}".rstrip()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


@contextmanager
def progress(
    total: int | None, description: str, *, unit: str = "it", out: TextIO | None = None, every: int = 100
) -> Iterator[Progress]:
    bar = Progress(total, description, unit=unit, out=out or sys.stderr, every=every)
    try:
        yield bar
    finally:
        bar.close()
