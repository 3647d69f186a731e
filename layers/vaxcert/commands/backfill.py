"""`vaxcert backfill FILE.csv`: load historic vaccinations through the same path as live ones.

Each row is posted to `POST /v1/vaccinations` (same authentication, validation, exactly-once intake
and issuance as CommCare events), so a re-run after an interruption only adds what is missing.
Rejected rows are written to FILE.errors.csv (row, eventId, field, problem).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import sys
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TextIO

from vaxcert.commands._output import add_json_argument
from vaxcert.commands._progress import progress
from vaxcert.commands._target import LOCAL_CREDENTIALS, add_target_arguments, local_credentials
from vaxcert.spreadsheet import safe_row

# caseId: the source system's id of the person; doses with the same one are linked on the PDF.
PERSON_COLUMNS = ("givenName", "familyName", "birthDate", "sex", "mobile", "caseId")
VACCINATION_COLUMNS = (
    "vaccine", "lot", "date", "dose", "totalDoses", "country",
    "centre", "centreCode", "practitioner", "practitionerId", "nextDose",
)  # fmt: skip
COLUMNS = ("eventId", *PERSON_COLUMNS, "identifierType", "identifierValue", *VACCINATION_COLUMNS)
INTEGER_COLUMNS = {"dose", "totalDoses"}
RETRIES = 5


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "backfill",
        help="load historic vaccinations from a CSV file through the ingest API",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", help=f"CSV with a header row; columns: {', '.join(COLUMNS)}")
    parser.add_argument("--api", help="API base URL (default: the local stack's)")
    parser.add_argument("--header", help="ingest auth header name (default: the local stack's)")
    parser.add_argument("--key-env", default="VAXCERT_INGEST_KEY", help="env var holding the ingest key")
    add_target_arguments(parser)
    add_json_argument(parser)  # the summary is always JSON; --json is accepted like everywhere else
    parser.add_argument("--workers", type=int, default=4, help="parallel requests (default 4)")
    parser.set_defaults(func=run)


def row_to_event(row: dict[str, str], source: str) -> dict[str, Any]:
    """A CSV row as the `POST /v1/vaccinations` body (empty cells are omitted)."""

    def value(column: str) -> Any:
        cell = (row.get(column) or "").strip()
        if column in INTEGER_COLUMNS and cell.isdigit():
            return int(cell)
        return cell

    person = {c: value(c) for c in PERSON_COLUMNS if value(c) != ""}
    if value("identifierValue"):
        person["identifier"] = {"type": value("identifierType") or "ID", "value": value("identifierValue")}
    vaccination = {c: value(c) for c in VACCINATION_COLUMNS if value(c) != ""}
    return {"eventId": value("eventId"), "source": source, "person": person, "vaccination": vaccination}


@dataclass
class Outcome:
    row: int
    event_id: str
    status: str  # accepted | duplicate | rejected | failed
    problems: list[dict[str, str]]


class IngestClient:
    def __init__(self, api: str, header: str, key: str):
        self.url = api.rstrip("/") + "/v1/vaccinations"
        self.headers = {"Content-Type": "application/json", header: key}

    def post(self, body: dict[str, Any]) -> tuple[int, Any]:
        request = urllib.request.Request(  # noqa: S310 - operator-supplied API URL
            self.url, data=json.dumps(body).encode(), headers=self.headers, method="POST"
        )
        for attempt in range(RETRIES):
            try:
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                    return response.status, json.loads(response.read() or b"null")
            except urllib.error.HTTPError as error:
                if error.code in (429, 503) and attempt < RETRIES - 1:
                    time.sleep(min(2**attempt, 10))
                    continue
                payload = error.read()
                try:
                    return error.code, json.loads(payload)
                except ValueError:
                    return error.code, payload.decode(errors="replace")
            except OSError:
                if attempt == RETRIES - 1:
                    raise
                time.sleep(min(2**attempt, 10))
        raise RuntimeError("unreachable")


def submit(client: Client, number: int, row: dict[str, str], source: str) -> Outcome:
    body = row_to_event(row, source)
    try:
        status, payload = client.post(body)
    except OSError as exc:
        return Outcome(number, body["eventId"], "failed", [{"field": "-", "problem": str(exc)}])
    if status in (200, 202):
        return Outcome(number, body["eventId"], payload["status"], [])
    if status == 422:
        problems = payload if isinstance(payload, list) else payload.get("errors", [])
        return Outcome(number, body["eventId"], "rejected", problems)
    message = payload.get("message", str(payload)) if isinstance(payload, dict) else str(payload)
    return Outcome(
        number, body["eventId"], "failed", [{"field": "-", "problem": f"HTTP {status}: {message}"}]
    )


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        missing = {"eventId", "familyName", "birthDate", "vaccine", "lot", "date", "dose"} - set(
            reader.fieldnames or []
        )
        if missing:
            raise ValueError(f"{path}: missing columns {sorted(missing)}")
        yield from enumerate(reader, start=2)  # row 1 is the header


def count_rows(path: Path) -> int:
    """Records in the file (a first streaming pass, for the progress bar's total)."""
    with path.open(newline="", encoding="utf-8-sig") as f:
        return max(sum(1 for _ in csv.reader(f)) - 1, 0)


class Client(Protocol):
    def post(self, body: dict[str, Any]) -> tuple[int, Any]: ...


def backfill(path: Path, client: Client, *, workers: int = 4, out: TextIO | None = None) -> dict[str, Any]:
    """Submit every row of `path`, streaming: memory stays flat however many rows the file has.

    At most `workers` x 4 rows are in flight; outcomes are taken in file order, counted, and each
    rejected or failed row is written to FILE.errors.csv as soon as it is known.
    """
    rows = read_rows(path)
    first = next(rows, None)  # checks the header before anything is sent
    total = count_rows(path)
    errors_file = path.with_suffix(".errors.csv")
    counts = dict.fromkeys(("accepted", "duplicate", "rejected", "failed"), 0)
    workers = max(1, workers)
    with (
        errors_file.open("w", newline="", encoding="utf-8") as report,
        progress(total, "backfill", unit="row", out=out) as bar,
        ThreadPoolExecutor(workers) as pool,
    ):
        # Values come from the input file (and the API's answers): spreadsheet-safe cells only.
        writer = csv.writer(report)
        writer.writerow(safe_row(["row", "eventId", "status", "field", "problem"]))
        window: deque[Future[Outcome]] = deque()

        def record(outcome: Outcome) -> None:
            counts[outcome.status] = counts.get(outcome.status, 0) + 1
            bar.update(outcome.status)
            if outcome.status in ("rejected", "failed"):
                for p in outcome.problems or [{"field": "", "problem": ""}]:
                    row = [
                        outcome.row,
                        outcome.event_id,
                        outcome.status,
                        p.get("field", ""),
                        p.get("problem", ""),
                    ]
                    writer.writerow(safe_row(row))

        for number, row in itertools.chain([first] if first else [], rows):
            window.append(pool.submit(submit, client, number, row, "backfill"))
            if len(window) >= workers * 4:
                record(window.popleft().result())
        while window:
            record(window.popleft().result())
    bad = counts["rejected"] + counts["failed"]
    return {"rows": sum(counts.values()), **counts, "errorReport": str(errors_file) if bad else None}


def run(args: argparse.Namespace) -> int:
    path = Path(args.file)
    api, header, key = args.api, args.header, os.environ.get(args.key_env)
    if args.local or not api:
        credentials = local_credentials(args.local or LOCAL_CREDENTIALS)
        api = api or credentials["api"]
        header = header or credentials["ingest"]["header"]
        key = key or credentials["ingest"]["key"]
    if not (api and header and key):
        print("vaxcert backfill: give --api, --header and the key in $VAXCERT_INGEST_KEY", file=sys.stderr)
        return 2
    try:
        summary = backfill(path, IngestClient(api, header, key), workers=args.workers)
    except (OSError, ValueError) as exc:
        print(f"vaxcert backfill: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(summary, indent=2 if args.json else None))
    return 1 if summary["errorReport"] else 0
