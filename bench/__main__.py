"""`python -m bench` (`make bench`): run every benchmark and print one JSON document on stdout.

Options: --quick (fewer iterations, for a look), --skip-e2e (no local stack), --skip-artefacts (no cdk.out),
--e2e-count N. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from typing import Any

from bench import artefacts, backfill, cold, e2e, formats, issue, migrate, pdf, shc, verify
from bench.common import log, machine

# Issue 8's targets: (figure, comparison, limit). Figures without a target are reported only.
TARGETS: dict[str, tuple[str, float]] = {
    "issue_cpu_ms": ("<=", 1.0),
    "issue_floor_ratio": ("<=", 3.0),
    "issue_e2e_per_s": (">=", 100.0),
    "verify_p50_us": ("<=", 500.0),
    "verify_floor_ratio": ("<=", 5.0),
    "pdf_p50_ms": ("<=", 25.0),
    "qr_version": ("<=", 18.0),
    # Issue 14: a SMART Health Card costs about what the HC1 does; one QR chunk (version <= 22, level L).
    "shc_sign_ms": ("<=", 1.0),
    "shc_qr_version": ("<=", 22.0),
    # Issue 13: every format's engine p50 (canonicalisation included for DIVOC).
    "verify_engine_by_format_ratio.HC1": ("<=", 5.0),
    "verify_engine_by_format_ratio.SHC": ("<=", 5.0),
    "verify_engine_divoc_p50_ms": ("<=", 20.0),
    "cold_import_ms.verify": ("<=", 250.0),
    "cold_import_ms.ingest": ("<=", 250.0),
    "cold_import_ms.issue": ("<=", 350.0),
    "cold_import_ms.download": ("<=", 450.0),
    "backfill_rss_ratio": ("<=", 1.2),
    # Issue 15: `vaxcert migrate divoc` memory does not grow with the file (100k rows / 10k rows).
    "migrate_rss_ratio": ("<=", 1.2),
}

NOTES = {
    "verify_p50_us": "full warm verify handler(event, context) with an API Gateway proxy event, on moto "
    "in-process; includes the per-request DynamoDB GetItem of the revocation check (see "
    "verify_dynamodb_getitem_moto_p50_us and verify_no_revocation_p50_us)",
    "verify_engine_p50_us": "verify_qr engine only, in-memory trust store, no revocation check",
    "verify_floor_ratio": "verify_p50_us / one ECDSA P-256 verify (ecdsa_p256_verify_us)",
    "verify_engine_by_format_p50_us": "verify_qr per format with our own vectors (tests/vectors.py), "
    "in-memory trust store; DIVOC includes URDNA2015 canonicalisation of the credential and the proof "
    "options; ICAO includes the CSCA check of the signer certificate",
    "verify_engine_by_format_ratio": "verify_engine_by_format_p50_us / one ECDSA P-256 verify",
    "issue_cpu_ms": "sign_certificate (DDCC record + HC1 with QR-size fitting + ES256 with a local key)",
    "issue_floor_ratio": "issue_cpu_ms / (ECDSA P-256 sign + zlib + Base45 of the same COSE payload)",
    "issue_e2e_per_s": "local stack over HTTP: one process (moto server, gateway, worker, handlers)",
    "pdf_p50_ms": "render_certificate_pdf with a cached QR PNG; pdf_with_qr_p50_ms generates the QR",
    "cold_import_ms": (
        "cumulative -X importtime of functions.<f>.handler, fresh process, bytecode cached, median; "
        "cold_process_import_ms adds interpreter start-up"
    ),
    "shc_sign_ms": "issue_card per certificate: FHIR bundle, minified JSON, raw DEFLATE, ES256 (local key)",
    "shc_qr_version": "the example form's SMART Health Card, shc:/ numeric mode, error correction L",
    "backfill_rss_ratio": "peak RSS of `vaxcert backfill` streaming 200,000 rows / 10,000 rows, each in a "
    "fresh process, with an in-process stand-in for the ingest API (backfill_peak_rss_mb per size)",
    "migrate_rss_ratio": "peak RSS of `migrate divoc --dry-run` over 100,000 rows / over 10,000 rows, fresh "
    "processes; signatures checked on the first migrate_signed_rows_checked rows (see bench/migrate.py)",
    "migrate_verify_rows_per_s": "dry run, every DIVOC signature checked (URDNA2015 x2 + Ed25519), one core",
    "migrate_e2e_rows_per_s": "rows verified, mapped and accepted by POST /v1/vaccinations on the local "
    "stack (4 workers); migrate_e2e_issued_per_s until every certificate is stored",
    "lambda_zip_mb": "cdk.out function asset folders zipped (deflate): handlers only, code is in the layer",
}


def lookup(figures: dict[str, Any], dotted: str) -> Any:
    value: Any = figures
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def met(figures: dict[str, Any]) -> dict[str, bool | None]:
    out: dict[str, bool | None] = {}
    for name, (op, limit) in TARGETS.items():
        value = lookup(figures, name)
        if not isinstance(value, int | float):
            out[name] = None  # not measured in this run
        else:
            out[name] = value <= limit if op == "<=" else value >= limit
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer iterations")
    parser.add_argument("--skip-e2e", action="store_true", help="do not start the local stack")
    parser.add_argument("--skip-artefacts", action="store_true", help="do not read or synthesize cdk.out")
    parser.add_argument("--e2e-count", type=int, default=None, help="forms posted through the local stack")
    args = parser.parse_args(argv)
    scale = 0.2 if args.quick else 1.0

    started = time.perf_counter()
    figures: dict[str, Any] = {}
    # Anything a library prints while measuring goes to stderr: stdout is the JSON document only.
    with contextlib.redirect_stdout(sys.stderr):
        figures.update(issue.run(int(3000 * scale)))
        figures.update(issue.qr_version())
        figures.update(shc.run(int(3000 * scale)))
        figures.update(verify.run(int(3000 * scale)))
        figures.update(formats.run(int(2000 * scale)))
        figures.update(pdf.run(max(10, int(60 * scale))))
        figures.update(cold.run(repeats=3 if args.quick else 5))
        figures.update(backfill.run())
        if not args.skip_artefacts:
            figures.update(artefacts.run())
        if not args.skip_e2e:
            figures.update(e2e.run(args.e2e_count or (100 if args.quick else 400)))
        figures.update(migrate.run(quick=args.quick, e2e=not args.skip_e2e))
    document = {
        **figures,
        "targets": {name: f"{op} {limit:g}" for name, (op, limit) in TARGETS.items()},
        "met": met(figures),
        "notes": NOTES,
        "machine": machine(),
        "bench_seconds": round(time.perf_counter() - started, 1),
    }
    log(f"done in {document['bench_seconds']} s")
    json.dump(document, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
