"""`make bench` cannot rot: each benchmark runs with tiny iteration counts and yields its JSON keys.

The local-stack throughput (bench.e2e) and the cdk.out sizes (bench.artefacts) are left out: they need a
running stack or a CDK synth, which `make bench` itself exercises.
"""

from __future__ import annotations

import json

from bench import backfill, cold, formats, issue, pdf, verify
from bench.__main__ import TARGETS, met


def _numbers(figures: dict[str, object], *names: str) -> None:
    for name in names:
        value = figures[name]
        assert isinstance(value, int | float) and value > 0, name


def test_issue_and_qr_version() -> None:
    figures = issue.run(iterations=5)
    _numbers(figures, "issue_cpu_ms", "issue_floor_ms", "issue_floor_ratio", "ecdsa_p256_sign_us")
    qr = issue.qr_version()
    assert isinstance(qr["qr_version"], int) and 1 <= qr["qr_version"] <= 40
    assert qr["hc1_chars"] > 100


def test_verify_handler_and_engine() -> None:
    figures = verify.run(iterations=5)
    _numbers(
        figures,
        "verify_p50_us",
        "verify_p99_us",
        "verify_engine_p50_us",
        "ecdsa_p256_verify_us",
        "verify_floor_ratio",
        "verify_no_revocation_p50_us",
    )
    assert figures["verify_p99_us"] >= figures["verify_p50_us"]


def test_pdf() -> None:
    figures = pdf.run(iterations=2)
    _numbers(figures, "pdf_p50_ms", "pdf_with_qr_p50_ms", "qr_png_p50_ms", "pdf_bytes")


def test_cold_import_of_one_handler() -> None:
    figures = cold.run(repeats=1, functions=("verify",))
    _numbers(figures["cold_import_ms"], "verify")
    assert figures["aws_calls_at_import"] == {"verify": []}


def test_backfill_peak_rss_in_fresh_processes() -> None:
    figures = backfill.run(sizes=(50, 200))
    assert set(figures["backfill_peak_rss_mb"]) == {"50", "200"}
    _numbers(figures["backfill_peak_rss_mb"], "50", "200")
    _numbers(figures, "backfill_rss_ratio")


def test_targets_and_met_map() -> None:
    figures = {"issue_cpu_ms": 0.5, "qr_version": 19, "cold_import_ms": {"verify": 200.0}}
    result = met(figures)
    assert set(result) == set(TARGETS)
    assert result["issue_cpu_ms"] is True
    assert result["qr_version"] is False
    assert result["cold_import_ms.verify"] is True
    assert result["issue_e2e_per_s"] is None
    json.dumps(result)


def test_engine_per_format() -> None:
    figures = formats.run(iterations=10)
    assert set(figures["verify_engine_by_format_p50_us"]) == {
        "HC1",
        "WHO",
        "DIVOC",
        "DIVOC_RSA",
        "SHC",
        "ICAO",
    }
    assert all(v > 0 for v in figures["verify_engine_by_format_ratio"].values())
    _numbers(figures, "verify_engine_divoc_p50_ms", "ecdsa_p256_verify_us_formats")
    assert {"verify_engine_by_format_ratio.SHC", "verify_engine_divoc_p50_ms"} <= set(TARGETS)
