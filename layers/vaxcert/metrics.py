"""Custom CloudWatch metrics, as embedded-metric-format log lines (no API call, no extra latency)."""

from __future__ import annotations

import json
import sys
import time

METRIC_NAMESPACE = "vaxcert"


def emit_metric(name: str, value: float, *, now: float | None = None) -> None:
    """One CloudWatch embedded-metric-format line on stdout (Lambda ships stdout to CloudWatch Logs).

    No dimensions, so every function emitting a metric (e.g. both that send SMS) feeds the same one,
    and one alarm watches it.
    """
    record = {
        "_aws": {
            "Timestamp": int((time.time() if now is None else now) * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": METRIC_NAMESPACE,
                    "Dimensions": [[]],
                    "Metrics": [{"Name": name, "Unit": "Count"}],
                }
            ],
        },
        name: value,
    }
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()
