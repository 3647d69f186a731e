"""`vaxcert migrate divoc FILE`: import the certificates DIVOC issued, as vaxcert certificates.

FILE is the export of DIVOC's certificate table (CSV with a header row, or JSON Lines) with DIVOC's
column names: certificateId, certificate (the signed verifiable credential), mobile, preEnrollmentCode,
and optionally osid, name, contact, programId, osCreatedAt (others are ignored). Each row's signature
is checked with the deployment's trusted DIVOC keys (its /v1/trust-list, `vaxcert trust import
--framework divoc`, `vaxcert:divocPublicKey`) or --trust files; rows that do not parse, do not verify,
are signed by an untrusted key or cannot be mapped go to FILE.errors.csv and are never imported.

The rest goes through `POST /v1/vaccinations` (the normal exactly-once path) with event id
divoc:<certificateId>: a re-run imports nothing new, and a re-run after a crash finishes the file.
No SMS unless --notify; --dry-run checks and maps every row without issuing anything.
The file is streamed: memory does not grow with its size.
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing
import os
import sqlite3
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from vaxcert.catalogue import Catalogue, load_catalogue
from vaxcert.commands._output import add_json_argument, emit
from vaxcert.commands._progress import Progress
from vaxcert.commands._target import LOCAL_CREDENTIALS, add_target_arguments, local_credentials
from vaxcert.commands.backfill import Client, IngestClient
from vaxcert.errors import InvalidInput
from vaxcert.sources import divoc as export
from vaxcert.sources.divoc import Refusal
from vaxcert.sources.vaccination import PersonIn, parse_event, resolve_vaccine
from vaxcert.spreadsheet import safe_cell

# Refusal reasons beyond the mapping's own (vaxcert.sources.divoc) and the signature check's
# (vaxcert.commands._divoc_trust: untrusted-key, signature-invalid).
DUPLICATE = "duplicate-certificate-id"
REJECTED_BY_API = "rejected-by-api"
API_FAILURE = "api-failure"

ERROR_COLUMNS = ("row", "certificateId", "reason", "detail")
# Largest cell accepted: a DIVOC credential is a few KB; a runaway cell is an export error.
MAX_CELL = 1024 * 1024

Check = Callable[[dict[str, Any]], None]
"""Verifies a credential's proof with trusted keys; raises Refusal (untrusted key, invalid, malformed)."""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "migrate",
        help="import certificates issued by another system (DIVOC)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    systems = parser.add_subparsers(dest="system", required=True)
    divoc = systems.add_parser(
        "divoc",
        help="import DIVOC's certificate table export (CSV or JSON Lines)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    divoc.add_argument("file", help="DIVOC certificate export: CSV with a header row, or JSON Lines")
    add_target_arguments(divoc)  # --local (the default target) / --credentials FILE
    divoc.add_argument("--api", help="API base URL of a deployed stack (key in $VAXCERT_INGEST_KEY)")
    divoc.add_argument("--header", default=None, help="ingest auth header name (default X-Vaxcert-Key)")
    divoc.add_argument("--key-env", default="VAXCERT_INGEST_KEY", help="env var holding the ingest key")
    divoc.add_argument(
        "--trust",
        action="append",
        default=[],
        metavar="FILE",
        help="trusted DIVOC keys (JWKS with the DID as kid, a trust list JSON, or PEM with --kid); "
        "default: the target's GET /v1/trust-list",
    )
    divoc.add_argument("--kid", help="the DID (verificationMethod) of a PEM key given with --trust")
    divoc.add_argument("--notify", action="store_true", help="send each person the 'certificate ready' SMS")
    divoc.add_argument("--dry-run", action="store_true", help="verify and map every row; issue nothing")
    add_json_argument(divoc)
    divoc.add_argument("--workers", type=int, default=4, help="parallel API requests (default 4)")
    divoc.add_argument(
        "--jobs", type=int, default=1, help="processes verifying signatures (default 1; up to the CPU count)"
    )
    divoc.add_argument("--errors", help="where refused rows go (default: FILE.errors.csv beside FILE)")
    divoc.set_defaults(func=run)


# --- reading the export (streamed) -------------------------------------------------------------------


def is_json_lines(path: Path) -> bool:
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        return True
    if path.suffix.lower() == ".csv":
        return False
    with path.open(encoding="utf-8-sig") as f:
        return f.read(256).lstrip().startswith("{")


def read_export(path: Path) -> Iterator[tuple[int, dict[str, Any] | Refusal]]:
    """(row number, row) in file order; a row that cannot be read at all comes as a Refusal.

    CSV: row 1 is the header, data rows count from 2 (as a spreadsheet shows them). JSON Lines: the line.
    """
    if is_json_lines(path):
        yield from _json_lines(path)
    else:
        yield from _csv_rows(path)


def _json_lines(path: Path) -> Iterator[tuple[int, dict[str, Any] | Refusal]]:
    with path.open(encoding="utf-8-sig") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except (ValueError, RecursionError) as exc:
                yield number, Refusal(export.MALFORMED, f"not a JSON object: {type(exc).__name__}")
                continue
            if isinstance(value, dict):
                yield number, value
            else:
                yield number, Refusal(export.MALFORMED, "a JSON Lines row must be a JSON object")


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | Refusal]]:
    csv.field_size_limit(MAX_CELL)
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None:
            return
        names = [h.strip() for h in header]
        missing = [c for c in export.REQUIRED_COLUMNS if c not in names]
        if missing:
            raise ValueError(f"{path}: missing columns {', '.join(missing)} (DIVOC's certificate table)")
        number = 1
        while True:
            number += 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield number, Refusal(export.MALFORMED, f"unreadable CSV row: {exc}")
                continue
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(names):
                yield (
                    number,
                    Refusal(export.MALFORMED, f"{len(cells)} cells, the header has {len(names)}"),
                )
                continue
            yield number, dict(zip(names, cells, strict=True))


def count_rows(path: Path) -> int:
    """Rows in the file (for the progress bar's total and ETA): one cheap pass, nothing kept."""
    if is_json_lines(path):
        with path.open("rb") as f:
            return sum(1 for line in f if line.strip())
    csv.field_size_limit(MAX_CELL)
    with path.open(newline="", encoding="utf-8-sig") as f:
        try:
            return max(sum(1 for _ in csv.reader(f)) - 1, 0)
        except csv.Error:
            return 0


# --- one row: parse, verify, map, validate ----------------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    certificate_id: str
    body: dict[str, Any]


def prepare(
    raw: dict[str, Any],
    *,
    check: Check,
    catalogue: Catalogue,
    notify: bool,
) -> Prepared:
    """A row ready to submit, or Refusal. The signature is checked before anything is mapped."""
    row = export.parse_row(raw)
    check(row.credential)
    body = export.event_body(row, catalogue, notify=notify, link_key=_link_key_supported())
    try:
        resolve_vaccine(parse_event(body), catalogue)
    except InvalidInput as exc:
        detail = "; ".join(f"{p.field}: {p.problem}" for p in exc.problems)
        raise Refusal(export.INVALID_VALUE, detail) from None
    return Prepared(row.certificate_id, body)


@dataclass(frozen=True)
class Outcome:
    """One row's result; picklable, as rows may be prepared in worker processes (--jobs)."""

    certificate_id: str
    body: dict[str, Any] | None = None  # the event to submit; None: refused
    reason: str = ""
    detail: str = ""


CHUNK = 32  # rows per task sent to a worker process


def outcome_of(raw: dict[str, Any] | Refusal, *, check: Check, catalogue: Catalogue, notify: bool) -> Outcome:
    if isinstance(raw, Refusal):
        return Outcome("", reason=raw.reason, detail=raw.detail)
    try:
        prepared = prepare(raw, check=check, catalogue=catalogue, notify=notify)
    except Refusal as refusal:
        return Outcome(
            export.cell(raw.get("certificateId"))[:64], reason=refusal.reason, detail=refusal.detail
        )
    return Outcome(prepared.certificate_id, prepared.body)


_worker: dict[str, Any] = {}


def _init_worker(keys_pem: list[tuple[str, bytes]], catalogue_file: str | None, notify: bool) -> None:
    from vaxcert.commands._divoc_trust import DivocKeys

    _worker.update(
        check=DivocKeys.from_pem(keys_pem), catalogue=load_catalogue(catalogue_file), notify=notify
    )


def _prepare_chunk(chunk: list[tuple[int, dict[str, Any] | Outcome]]) -> list[tuple[int, Outcome]]:
    return [(n, raw if isinstance(raw, Outcome) else outcome_of(raw, **_worker)) for n, raw in chunk]


def _link_key_supported() -> bool:
    """`person.caseId` (the person link key) exists in this version of the vaccinations API."""
    return "case_id" in PersonIn.model_fields


class SeenIds:
    """certificateIds already taken from this file, on disk (sqlite), so memory does not grow with it."""

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="vaxcert-migrate-")
        self._db = sqlite3.connect(os.path.join(self._dir.name, "seen.sqlite"))
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("PRAGMA cache_size=-2048")  # 2 MB page cache
        self._db.execute("CREATE TABLE seen (id TEXT PRIMARY KEY, row INTEGER NOT NULL)")

    def first_row(self, certificate_id: str, row: int) -> int | None:
        """None the first time an id is seen (and remember `row`); else the row it was first on."""
        cursor = self._db.execute("INSERT OR IGNORE INTO seen VALUES (?, ?)", (certificate_id, row))
        if cursor.rowcount == 1:
            return None
        found = self._db.execute("SELECT row FROM seen WHERE id = ?", (certificate_id,)).fetchone()
        return int(found[0])

    def close(self) -> None:
        self._db.close()
        self._dir.cleanup()


# --- the run --------------------------------------------------------------------------------------


@dataclass
class Summary:
    file: str
    dry_run: bool
    rows: int = 0
    issued: int = 0  # accepted for issuance (new certificates)
    already_there: int = 0  # imported by an earlier run
    ready: int = 0  # dry run: verified and mapped, would be imported
    refused: Counter[str] = field(default_factory=Counter)
    errors_file: str | None = None
    seconds: float = 0.0

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "file": self.file,
            "dryRun": self.dry_run,
            "rows": self.rows,
            "issued": self.issued,
            "alreadyThere": self.already_there,
            "refused": dict(sorted(self.refused.items())),
            "refusedTotal": sum(self.refused.values()),
            "errorsFile": self.errors_file,
            "seconds": round(self.seconds, 2),
            "rowsPerSecond": round(self.rows / self.seconds, 1) if self.seconds else None,
        }
        if self.dry_run:
            out["ready"] = self.ready
        return out

    def lines(self) -> list[str]:
        out = [f"{self.rows} rows in {self.file} ({self.seconds:.1f} s)"]
        if self.dry_run:
            out.append(f"  ready to import: {self.ready} (dry run: nothing was issued)")
        else:
            out.append(f"  issued:        {self.issued}")
            out.append(f"  already there: {self.already_there}")
        total = sum(self.refused.values())
        out.append(f"  refused:       {total}")
        out.extend(f"    {reason}: {n}" for reason, n in sorted(self.refused.items()))
        if self.errors_file and total:
            out.append(f"  refused rows:  {self.errors_file}")
        if not self.dry_run and self.issued == 0 and self.already_there:
            out.append(
                f"  nothing new: the {self.already_there} certificates of this file were already imported"
            )
        return out


class ErrorsFile:
    """FILE.errors.csv: row, certificateId, reason, detail; every cell spreadsheet-safe."""

    def __init__(self, path: Path):
        self.path = path
        self._file = path.open("w", newline="", encoding="utf-8")
        self._writer = csv.writer(self._file)
        self._writer.writerow(ERROR_COLUMNS)
        self.count = 0

    def add(self, row: int, certificate_id: str, reason: str, detail: str) -> None:
        self._writer.writerow([safe_cell(v) for v in (row, certificate_id, reason, detail[:500])])
        self.count += 1

    def close(self) -> None:
        self._file.close()


def errors_path(path: Path) -> Path:
    return path.with_suffix(".errors.csv")


def migrate(
    path: Path,
    *,
    check: Check,
    catalogue: Catalogue,
    client: Client | None,
    notify: bool = False,
    workers: int = 4,
    errors_to: Path | None = None,
    progress_out: TextIO | None = None,
    jobs: int = 1,
    catalogue_file: str | None = None,
) -> Summary:
    """Stream the export through verify -> map -> submit; `client` None is a dry run.

    `jobs` > 1 verifies and maps in that many worker processes (canonicalisation is CPU-bound);
    `check` must then be a DivocKeys (its keys are sent to the workers) and the workers load the
    catalogue from `catalogue_file`. Rows stay in file order either way.
    """
    started = time.monotonic()
    errors = ErrorsFile(errors_to or errors_path(path))
    summary = Summary(file=str(path), dry_run=client is None, errors_file=str(errors.path))
    seen = SeenIds()
    sink = progress_out or open(os.devnull, "w")  # noqa: SIM115 - closed below
    progress = Progress(count_rows(path), "migrate divoc", unit="row", out=sink, every=1000)
    # Submitted rows in order; at most `limit` in flight, so the file is never read ahead unboundedly.
    inflight: deque[tuple[int, str, Future[tuple[int, Any]]]] = deque()
    limit = max(1, workers) * 2

    def refuse(number: int, certificate_id: str, reason: str, detail: str) -> None:
        summary.refused[reason] += 1
        errors.add(number, certificate_id, reason, detail)

    def settle(number: int, certificate_id: str, future: Future[tuple[int, Any]]) -> None:
        try:
            status, payload = future.result()
        except OSError as exc:
            refuse(number, certificate_id, API_FAILURE, f"{type(exc).__name__}: {exc} (run the file again)")
            return
        outcome = payload.get("status") if isinstance(payload, dict) else None
        if status in (200, 202) and outcome == "accepted":
            summary.issued += 1
        elif status in (200, 202):
            summary.already_there += 1
        elif status == 422:
            problems = payload if isinstance(payload, list) else payload.get("errors", [])
            detail = "; ".join(
                f"{p.get('field')}: {p.get('problem')}" for p in problems if isinstance(p, dict)
            )
            refuse(number, certificate_id, REJECTED_BY_API, detail or str(payload)[:200])
        elif status in (401, 403):
            raise PermissionError(f"the API refused the ingest key (HTTP {status})")
        else:
            message = payload.get("message") if isinstance(payload, dict) else str(payload)
            refuse(number, certificate_id, API_FAILURE, f"HTTP {status}: {message} (run the file again)")

    processes = _process_pool(check, jobs, catalogue_file, notify)
    pool = ThreadPoolExecutor(max(1, workers)) if client is not None else None
    try:
        for number, outcome in _outcomes(
            path, processes, jobs, check=check, catalogue=catalogue, notify=notify
        ):
            summary.rows += 1
            first = seen.first_row(outcome.certificate_id, number) if outcome.body is not None else None
            if first is not None:
                detail = f"certificateId {outcome.certificate_id} is also on row {first}"
                outcome = Outcome(outcome.certificate_id, reason=DUPLICATE, detail=detail)
            if outcome.body is None:
                refuse(number, outcome.certificate_id, outcome.reason, outcome.detail)
                progress.update("refused")
                continue
            if pool is None or client is None:
                summary.ready += 1
            else:
                future = pool.submit(client.post, outcome.body)
                inflight.append((number, outcome.certificate_id, future))
                while len(inflight) >= limit:
                    settle(*inflight.popleft())
            progress.update("verified")
        while inflight:
            settle(*inflight.popleft())
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        if processes is not None:
            processes.shutdown(wait=True, cancel_futures=True)
        progress.close()
        if sink is not progress_out:
            sink.close()
        errors.close()
        seen.close()
        summary.seconds = time.monotonic() - started
    return summary


def _process_pool(
    check: Check, jobs: int, catalogue_file: str | None, notify: bool
) -> ProcessPoolExecutor | None:
    from vaxcert.commands._divoc_trust import DivocKeys

    if jobs <= 1:
        return None
    if not isinstance(check, DivocKeys):
        raise ValueError("--jobs needs the trusted keys as DivocKeys")
    # spawn, not fork: the parent has threads (the HTTP pool), and forking a threaded process is unsafe.
    return ProcessPoolExecutor(
        jobs,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
        initargs=(check.to_pem(), catalogue_file, notify),
    )


def _outcomes(
    path: Path,
    processes: ProcessPoolExecutor | None,
    jobs: int,
    *,
    check: Check,
    catalogue: Catalogue,
    notify: bool,
) -> Iterator[tuple[int, Outcome]]:
    """Each row's outcome in file order; with worker processes at most 2 x jobs chunks are in flight."""
    rows = read_export(path)
    if processes is None:
        for number, raw in rows:
            yield number, outcome_of(raw, check=check, catalogue=catalogue, notify=notify)
        return
    pending: deque[Future[list[tuple[int, Outcome]]]] = deque()
    limit = 2 * jobs
    chunk: list[tuple[int, dict[str, Any] | Outcome]] = []
    for number, raw in rows:
        # A row unreadable in the file is refused here: a Refusal does not cross process boundaries.
        if isinstance(raw, Refusal):
            chunk.append((number, outcome_of(raw, check=check, catalogue=catalogue, notify=notify)))
        else:
            chunk.append((number, raw))
        if len(chunk) == CHUNK:
            pending.append(processes.submit(_prepare_chunk, chunk))
            chunk = []
            while len(pending) >= limit:
                yield from pending.popleft().result()
    if chunk:
        pending.append(processes.submit(_prepare_chunk, chunk))
    while pending:
        yield from pending.popleft().result()


def run(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        print(f"vaxcert migrate divoc: {path}: no such file", file=sys.stderr)
        return 2
    api = header = key = None
    if args.api:
        api, header, key = args.api, args.header or "X-Vaxcert-Key", os.environ.get(args.key_env)
    elif not (args.dry_run and args.trust):
        credentials = local_credentials(args.local or LOCAL_CREDENTIALS)
        api = credentials["api"]
        header = args.header or credentials["ingest"]["header"]
        key = os.environ.get(args.key_env) or credentials["ingest"]["key"]
    if not args.dry_run and not (api and header and key):
        print("vaxcert migrate divoc: give --api and the ingest key in $VAXCERT_INGEST_KEY", file=sys.stderr)
        return 2
    from vaxcert.commands._divoc_trust import TrustError, load_check

    try:
        check = load_check(args.trust, did=args.kid, api=api)
    except TrustError as exc:
        print(f"vaxcert migrate divoc: {exc}", file=sys.stderr)
        return 2
    catalogue_file = os.environ.get("VACCINE_CATALOGUE_FILE") or None
    catalogue = load_catalogue(catalogue_file)
    client = None if args.dry_run else IngestClient(str(api), str(header), str(key))
    try:
        summary = migrate(
            path,
            check=check,
            catalogue=catalogue,
            client=client,
            notify=args.notify,
            workers=args.workers,
            errors_to=Path(args.errors) if args.errors else None,
            progress_out=sys.stderr,
            jobs=args.jobs,
            catalogue_file=catalogue_file,
        )
    except (OSError, ValueError) as exc:
        print(f"vaxcert migrate divoc: {exc}", file=sys.stderr)
        return 2
    emit(args, summary.as_json(), "\n".join(summary.lines()))
    return 1 if sum(summary.refused.values()) else 0
