"""``vaxcert verify``: check a QR code offline with the same engine and JSON as the API."""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from vaxcert.verification import InMemoryTrustStore, VerificationResult, verify_qr

EXIT_VALID = 0
EXIT_NOT_VALID = 1
EXIT_USAGE = 2
_FETCH_TIMEOUT_SECONDS = 15


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="verify a vaccination certificate QR (HC1/EU DCC, WHO DDCC, DIVOC, SHC, ICAO VDS-NC)",
        description="Verify the text of a QR code offline. Exit 0 when valid, 1 when not, 2 on usage error.",
    )
    parser.add_argument("--qr-file", required=True, help="file holding the QR text ('-' for stdin)")
    parser.add_argument(
        "--dsc-file", action="append", default=[], help="trusted signing certificate, DER or PEM (repeatable)"
    )
    parser.add_argument(
        "--trust-file",
        action="append",
        default=[],
        help="trusted keys of --framework: JWKS, JWK, DID document(s), trust list, PEM/DER (repeatable)",
    )
    parser.add_argument(
        "--framework",
        choices=("hc1", "shc", "divoc", "icao"),
        default="hc1",
        help="whose keys --trust-file has",
    )
    parser.add_argument("--issuer", help="shc: the iss URL of the --trust-file keys")
    parser.add_argument("--country", help="ISO 3166-1 alpha-2 of --trust-file keys that do not name one")
    parser.add_argument("--kid", help="key id of a bare PEM public key in --trust-file (divoc: the DID)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--trust-list-url", help="URL of a trust list (GET /v1/trust-list JSON)")
    source.add_argument("--trust-list-file", help="trust list JSON file (GET /v1/trust-list format)")
    revocation = parser.add_mutually_exclusive_group()
    revocation.add_argument(
        "--revocation-list-url", help="URL of the signed revocation list (GET /v1/revocation-list)"
    )
    revocation.add_argument("--revocation-list-file", help="signed revocation list JSON file")
    parser.add_argument("--at", help="verification time, ISO 8601 (default: now)")
    parser.add_argument("--json", action="store_true", help="print the result as the API's JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        qr = sys.stdin.read() if args.qr_file == "-" else Path(args.qr_file).read_text()
        at = parse_time(args.at) if args.at else datetime.now(UTC)
        trust = _trust_store(args)
        revocation = _revocation_list(args, trust, at)
    except (OSError, ValueError) as exc:
        print(f"vaxcert verify: {exc}", file=sys.stderr)
        return EXIT_USAGE
    result = verify_qr(qr, trust, at=at, revocation=revocation)
    if args.json:
        print(json.dumps(result.to_json_dict(), indent=2))
    else:
        print(render(result))
    return EXIT_VALID if result.valid else EXIT_NOT_VALID


def _revocation_list(args: argparse.Namespace, trust: InMemoryTrustStore, at: datetime) -> Any:
    """The signed list, checked against the same trust list; a bad list is a usage error, never ignored."""
    source = getattr(args, "revocation_list_file", None) or getattr(args, "revocation_list_url", None)
    if not source:
        return None
    from vaxcert.lifecycle.revocation_list import RevocationListError, verify_document

    raw = Path(source).read_bytes() if args.revocation_list_file else fetch(source)
    try:
        return verify_document(json.loads(raw), trust, at=at)
    except RevocationListError as exc:
        raise ValueError(f"revocation list rejected: {exc}") from None


def parse_time(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"--at must be an ISO 8601 time, got {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _trust_store(args: argparse.Namespace) -> InMemoryTrustStore:
    if not (args.dsc_file or args.trust_list_url or args.trust_list_file or args.trust_file):
        raise ValueError(
            "give --dsc-file, --trust-file, --trust-list-file or --trust-list-url: nothing to trust otherwise"
        )
    if args.trust_list_file:
        store = InMemoryTrustStore.from_trust_list(Path(args.trust_list_file).read_bytes())
    elif args.trust_list_url:
        store = InMemoryTrustStore.from_trust_list(fetch(args.trust_list_url))
    else:
        store = InMemoryTrustStore()
    for certificate in InMemoryTrustStore.from_files(args.dsc_file).all():
        store.add(certificate)
    from vaxcert.verification.trust_files import read_trust_file

    for path in args.trust_file:
        for key in read_trust_file(
            Path(path).read_bytes(),
            framework=args.framework,
            issuer=args.issuer,
            country=args.country.upper() if args.country else None,
            key_id=args.kid,
        ):
            store.add(key)
    return store


def fetch(url: str) -> bytes:
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"{url!r} is not an http(s) URL")
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310 (scheme checked)
    with urllib.request.urlopen(request, timeout=_FETCH_TIMEOUT_SECONDS) as response:  # noqa: S310
        return bytes(response.read())


def render(result: VerificationResult) -> str:
    """Human-readable result."""
    origin = ", ".join(
        part
        for part in (
            result.format,
            f"issuer {result.issuer}" if result.issuer else None,
            f"kid {result.kid}" if result.kid else None,
        )
        if part
    )
    lines = [f"{result.status}{f'  ({origin})' if origin else ''}", f"  {result.reason}"]
    certificate = result.certificate
    if certificate:
        lines.append(f"  {certificate.name or '?'}, born {certificate.dateOfBirth or '?'}")
        dose = f"dose {certificate.dose}" + (
            f" of {certificate.totalDoses}" if certificate.totalDoses else ""
        )
        lines.append(
            f"  {certificate.vaccine or '?'}, {dose}, {certificate.date or '?'}, {certificate.country or '?'}"
        )
        if certificate.hcid:
            lines.append(f"  certificate {certificate.hcid}")
    return "\n".join(lines)
