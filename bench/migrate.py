"""`vaxcert migrate divoc`: memory over 10,000 and 100,000 rows, and rows per second.

- migrate_peak_rss_mb.{10000,100000}: peak RSS of a fresh process running the migration (dry run) over an
  export of that many distinct rows; migrate_rss_ratio = 100k / 10k (target <= 1.2: memory does not grow
  with the file). The pipeline is the real one (read, parse the credential, map, validate, de-duplicate on
  disk, errors file, summary). The signature check is real for the first SIGNED_ROWS rows; the rest carry a
  placeholder proof that is not checked, because URDNA2015 canonicalisation (~5-10 ms a row here) would make
  the 100,000-row run take a quarter of an hour: it keeps no state from row to row, so it cannot make memory
  grow, and its cost is measured apart (migrate_verify_rows_per_s).
- migrate_verify_rows_per_s: dry run with every signature checked (one core).
- migrate_e2e_rows_per_s: through the local stack (verify, map, POST /v1/vaccinations with 4 workers);
  migrate_e2e_issued_per_s: until every certificate is stored (issue worker included).

`python -m bench.migrate rss FILE SIGNED_ROWS` is the child process of the RSS measurement.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from bench.common import log, rounded
from bench.divoc_export import Dose, Person, credential, row, sign, write_csv

SIGNED_ROWS = 500
DID = "did:jamaica-bench"
_FIRST_NAMES = ("Marcia", "Devon", "Keisha", "Andre", "Tanisha", "Omar", "Shanice", "Ricardo")
_VACCINES = (("Pfizer", "XM0GQ8"), ("AstraZeneca", "XM9QW8"), ("Janssen", "XM6QV1"), ("Moderna", "XM0GQ8"))


def _person(n: int) -> Person:
    return Person(
        name=f"{_FIRST_NAMES[n % len(_FIRST_NAMES)]} Campbell{n:06d}",
        dob=f"{1950 + n % 50}-{1 + n % 12:02d}-{1 + n % 28:02d}",
        gender="Female" if n % 2 else "Male",
        mobile=f"876{5000000 + n % 4000000:07d}",
        pre_enrollment_code=f"PE{n // 2:08d}",
    )


def _dose(n: int) -> Dose:
    vaccine, code = _VACCINES[n % len(_VACCINES)]
    total = 1 if vaccine == "Janssen" else 2
    return Dose(
        certificate_id=f"{100000000 + n}",
        dose=1 if total == 1 else 1 + n % 2,
        total_doses=total,
        date=f"2021-{1 + n % 12:02d}-{1 + n % 28:02d}",
        vaccine=vaccine,
        icd11_code=code,
        batch=f"LOT{n % 997:04d}",
    )


def write_export(path: Path, rows: int, key: ed25519.Ed25519PrivateKey, signed_rows: int) -> None:
    """`rows` distinct rows: the first `signed_rows` signed with `key`, the others a placeholder proof."""
    placeholder = {
        "type": "Ed25519Signature2018",
        "created": "2021-12-17T18:41:49Z",
        "verificationMethod": DID,
        "proofPurpose": "assertionMethod",
        "jws": "eyJhbGciOiJFZERTQSIsImI2NCI6ZmFsc2UsImNyaXQiOlsiYjY0Il19..placeholder",
    }

    def generate() -> Any:
        for n in range(rows):
            person, dose = _person(n), _dose(n)
            document = credential(person, dose)
            signed = sign(document, key, DID) if n < signed_rows else {**document, "proof": placeholder}
            yield row(person, dose, signed)

    write_csv(path, generate())


def _child_rss(path: Path, public_pem: Path, signed_rows: int) -> None:
    """In a fresh process: dry-run migration, print the summary and peak RSS as JSON."""
    from vaxcert.catalogue import load_catalogue
    from vaxcert.commands._divoc_trust import keys_from_file
    from vaxcert.commands.migrate import migrate

    keys = keys_from_file(public_pem, DID)
    seen = 0

    def check(document: dict[str, Any]) -> None:
        nonlocal seen
        seen += 1
        if seen <= signed_rows:
            keys(document)

    summary = migrate(path, check=check, catalogue=load_catalogue(), client=None)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"summary": summary.as_json(), "peak_rss_mb": peak_kb / 1024}))


def _rss(path: Path, public_pem: Path, signed_rows: int) -> dict[str, Any]:
    out = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bench.migrate", "rss", str(path), str(public_pem), str(signed_rows)],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _public_pem(key: ed25519.Ed25519PrivateKey, folder: Path) -> Path:
    pem = folder / "divoc-public.pem"
    pem.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return pem


def run_rss(sizes: tuple[int, ...] = (10_000, 100_000), signed_rows: int = SIGNED_ROWS) -> dict[str, Any]:
    key = ed25519.Ed25519PrivateKey.generate()
    figures: dict[str, Any] = {"migrate_peak_rss_mb": {}, "migrate_dry_run_rows_per_s": {}}
    with tempfile.TemporaryDirectory(prefix="vaxcert-bench-migrate-") as folder:
        pem = _public_pem(key, Path(folder))
        for size in sizes:
            path = Path(folder) / f"export-{size}.csv"
            log(f"migrate: writing a {size}-row DIVOC export")
            write_export(path, size, key, min(signed_rows, size))
            log(f"migrate: dry run over {size} rows ({path.stat().st_size / 1e6:.0f} MB)")
            result = _rss(path, pem, signed_rows)
            summary = result["summary"]
            if summary["ready"] != size:
                raise RuntimeError(
                    f"migrate bench: {summary['refusedTotal']} rows refused: {summary['refused']}"
                )
            figures["migrate_peak_rss_mb"][str(size)] = rounded(result["peak_rss_mb"], 1)
            figures["migrate_dry_run_rows_per_s"][str(size)] = summary["rowsPerSecond"]
            path.unlink()
    peaks = list(figures["migrate_peak_rss_mb"].values())
    figures["migrate_rss_ratio"] = rounded(peaks[-1] / peaks[0], 3) if len(peaks) > 1 else None
    figures["migrate_signed_rows_checked"] = signed_rows
    return figures


def run_verify(rows: int = 200) -> dict[str, Any]:
    """Dry run with every signature checked: the canonicalisation-bound rate of one core."""
    from vaxcert.catalogue import load_catalogue
    from vaxcert.commands._divoc_trust import keys_from_file
    from vaxcert.commands.migrate import migrate

    key = ed25519.Ed25519PrivateKey.generate()
    with tempfile.TemporaryDirectory(prefix="vaxcert-bench-migrate-") as folder:
        path = Path(folder) / "export.csv"
        write_export(path, rows, key, rows)
        keys = keys_from_file(_public_pem(key, Path(folder)), DID)
        summary = migrate(path, check=keys, catalogue=load_catalogue(), client=None)
    if summary.ready != rows:
        raise RuntimeError(f"migrate bench: refused {dict(summary.refused)}")
    return {"migrate_verify_rows_per_s": rounded(rows / summary.seconds, 1)}


def run_e2e(rows: int = 200, workers: int = 4, timeout_s: float = 300.0) -> dict[str, Any]:
    """Through the local stack: verify, map and POST every row, then wait until all are issued."""
    import boto3

    from bench.e2e import _count_certificates, local_stack
    from vaxcert.catalogue import load_catalogue
    from vaxcert.commands._divoc_trust import keys_from_file
    from vaxcert.commands.backfill import IngestClient
    from vaxcert.commands.migrate import migrate

    key = ed25519.Ed25519PrivateKey.generate()
    with tempfile.TemporaryDirectory(prefix="vaxcert-bench-migrate-") as folder:
        path = Path(folder) / "export.csv"
        write_export(path, rows, key, rows)
        keys = keys_from_file(_public_pem(key, Path(folder)), DID)
        state = Path(folder) / "stack"
        state.mkdir()
        log(f"migrate: {rows} rows through the local stack")
        with local_stack(state) as (credentials, _pid):
            aws = credentials["aws"]
            dynamodb = boto3.client(
                "dynamodb",
                endpoint_url=aws["endpoint"],
                region_name=aws["region"],
                aws_access_key_id="local",
                aws_secret_access_key="local",  # noqa: S106 - moto accepts any credentials
            )
            table = aws["env"]["CERTIFICATES_TABLE"]
            client = IngestClient(
                credentials["api"], credentials["ingest"]["header"], credentials["ingest"]["key"]
            )
            start = time.perf_counter()
            summary = migrate(path, check=keys, catalogue=load_catalogue(), client=client, workers=workers)
            submitted = time.perf_counter() - start
            while _count_certificates(dynamodb, table) < summary.issued:
                if time.perf_counter() - start > timeout_s:
                    break
                time.sleep(0.25)
            issued_s = time.perf_counter() - start
            stored = _count_certificates(dynamodb, table)
    if summary.issued != rows:
        raise RuntimeError(
            f"migrate bench: issued {summary.issued} of {rows}, refused {dict(summary.refused)}"
        )
    return {
        "migrate_e2e_rows_per_s": rounded(rows / submitted, 1),
        "migrate_e2e_issued_per_s": rounded(stored / issued_s, 1),
        "migrate_e2e_rows": rows,
        "migrate_e2e_complete": stored >= rows,
    }


def run(quick: bool = False, e2e: bool = True) -> dict[str, Any]:
    figures = run_rss((1_000, 10_000) if quick else (10_000, 100_000))
    figures.update(run_verify(50 if quick else 200))
    if e2e:
        figures.update(run_e2e(50 if quick else 200))
    return figures


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "rss":
        _child_rss(Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]))
    else:
        print(json.dumps(run(quick="--quick" in sys.argv, e2e="--skip-e2e" not in sys.argv), indent=2))
