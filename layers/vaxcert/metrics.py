"""Custom CloudWatch metrics through Powertools Metrics, as embedded-metric-format (EMF) log lines
(no API call, no extra latency): Lambda ships stdout to CloudWatch Logs, which extracts the metric.

Each metric is written at once, as its own EMF line, without dimensions, so every function emitting it
(e.g. both that send SMS) feeds the same metric and one alarm watches it (infra/alarms.py). So no
`service` dimension: Powertools would add POWERTOOLS_SERVICE_NAME, which differs per function.
"""

from __future__ import annotations

METRIC_NAMESPACE = "vaxcert"


def emit_metric(name: str, value: float, *, now: float | None = None) -> None:
    """One count metric, flushed now (`now`: its time, epoch seconds; default the current time)."""
    # Imported on the first metric (~5 ms), not at every cold start: most requests emit none.
    from aws_lambda_powertools import Metrics
    from aws_lambda_powertools.metrics import MetricUnit
    from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider

    # A provider of its own per line: Metrics() shares one metric set per process, which threads of
    # the local gateway would fill and flush concurrently.
    metrics = Metrics(provider=AmazonCloudWatchEMFProvider(namespace=METRIC_NAMESPACE, service=""))
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    if now is not None:
        metrics.set_timestamp(int(now * 1000))
    metrics.flush_metrics()
