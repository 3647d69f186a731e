"""Timing helpers, the example form, and machine facts shared by the bench modules."""

from __future__ import annotations

import copy
import json
import os
import platform
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED_FORM = ROOT.parent / "shared" / "examples" / "commcare" / "vaccination-form.json"
# A copy of ../shared's example form, so `make bench` also runs on a clone without shared/.
BUNDLED_FORM = Path(__file__).resolve().parent / "example-form.json"


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def example_form() -> tuple[dict[str, Any], str]:
    """The CommCare example form and where it came from."""
    path = SHARED_FORM if SHARED_FORM.exists() else BUNDLED_FORM
    return json.loads(path.read_text(encoding="utf-8")), str(path.relative_to(ROOT.parent))


def distinct_form(form: dict[str, Any], n: int) -> dict[str, Any]:
    """The example form with a fresh submission id (a new vaccination) and a distinct recipient."""
    out = copy.deepcopy(form)
    form_id = str(uuid.uuid4())
    out["id"] = form_id
    out["form"]["meta"]["instanceID"] = form_id
    out["form"]["recipient"]["first_name"] = f"Marcia{n:05d}"[:16]
    return out


def time_calls(fn: Callable[[], object], iterations: int) -> list[float]:
    """Seconds per call, one sample per call."""
    samples: list[float] = []
    clock = time.perf_counter
    for _ in range(iterations):
        start = clock()
        fn()
        samples.append(clock() - start)
    return samples


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def percentile(samples: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def machine() -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
    }


def rounded(value: float, digits: int = 3) -> float:
    return round(value, digits)
