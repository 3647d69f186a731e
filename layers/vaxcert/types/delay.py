"""Issuance delay (form received -> SMS accepted) as a histogram: buckets and percentiles."""

from __future__ import annotations

from dataclasses import dataclass

# Upper bounds in seconds; the dashboard reports the bucket a percentile falls in.
DELAY_BOUNDS_S = (5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600, 3 * 3600, 6 * 3600, 24 * 3600)
DELAY_OVER = "more"  # beyond the last bound


def delay_bucket(seconds: float) -> str:
    return next((str(b) for b in DELAY_BOUNDS_S if seconds <= b), DELAY_OVER)


@dataclass(frozen=True)
class DelayPercentiles:
    count: int
    p50_seconds: int | None
    p95_seconds: int | None


def delay_percentiles(histogram: dict[str, int]) -> DelayPercentiles:
    """p50 / p95 of the delay histogram, each the upper bound (seconds) of the bucket it falls in;
    None beyond the last bound or without data."""
    order = [str(b) for b in DELAY_BOUNDS_S] + [DELAY_OVER]
    total = sum(histogram.values())

    def percentile(p: float) -> int | None:
        if not total:
            return None
        seen = 0
        for bucket in order:
            seen += histogram.get(bucket, 0)
            if seen >= p * total:
                return None if bucket == DELAY_OVER else int(bucket)
        return None

    return DelayPercentiles(total, percentile(0.5), percentile(0.95))
