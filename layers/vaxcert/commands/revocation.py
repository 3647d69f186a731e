"""`vaxcert revocation ...`: check a downloaded revocation list offline, or republish it."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from vaxcert.commands._output import add_json_argument, emit
from vaxcert.commands._target import add_target_arguments, target_settings

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("revocation", help="check or republish the signed revocation list")
    sub = parser.add_subparsers(dest="revocation_command", required=True)
    verify = sub.add_parser(
        "verify",
        help="check a revocation list offline: signature (trust list certificate by kid), issuer, expiry",
        description="Exit 0 when the list is valid, 1 when not, 2 on usage error.",
    )
    verify.add_argument("file", help="the revocation list JSON (GET /v1/revocation-list); '-' for stdin")
    trust = verify.add_mutually_exclusive_group(required=True)
    trust.add_argument("--trust", metavar="TRUSTLIST.json", help="trust list file (GET /v1/trust-list)")
    trust.add_argument("--trust-url", metavar="URL", help="trust list URL")
    verify.add_argument("--issuer", default="JM", help="country that must have signed it (default JM)")
    verify.add_argument("--at", help="check time, ISO 8601 (default: now)")
    add_json_argument(verify)
    verify.set_defaults(func=run_verify)
    publish = sub.add_parser("publish", help="rebuild, sign and store the revocation list now")
    add_target_arguments(publish)
    add_json_argument(publish)
    publish.set_defaults(func=run_publish)


def run_verify(args: argparse.Namespace) -> int:
    from vaxcert.commands.verify import fetch, parse_time
    from vaxcert.lifecycle.revocation_list import RevocationListError, verify_document
    from vaxcert.verification import InMemoryTrustStore

    try:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text()
        document = json.loads(text)
        trust_raw = Path(args.trust).read_bytes() if args.trust else fetch(args.trust_url)
        trust = InMemoryTrustStore.from_trust_list(trust_raw)
        at = parse_time(args.at) if args.at else datetime.now(UTC)
    except (OSError, ValueError) as exc:
        print(f"vaxcert revocation verify: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        verified = verify_document(document, trust, at=at, issuer=args.issuer)
    except RevocationListError as exc:
        if args.json:
            print(json.dumps({"valid": False, "reason": str(exc)}))
        else:
            print(f"INVALID  {exc}")
        return EXIT_INVALID
    summary = {
        "valid": True,
        "issuer": verified.payload.get("issuer"),
        "kid": verified.kid,
        "issuedAt": verified.payload["issuedAt"],
        "expiresAt": verified.payload["expiresAt"],
        "hashes": verified.count,
    }
    if args.json:
        print(json.dumps(summary))
    else:
        print(
            f"VALID  {verified.count} revoked certificate hashes, issued {summary['issuedAt']} by "
            f"{summary['issuer']} (kid {verified.kid}), expires {summary['expiresAt']}"
        )
    return EXIT_OK


def publish(settings: Any) -> dict[str, Any]:
    """Rebuild, sign and store the list; what was published."""
    from vaxcert.lifecycle.publisher import RevocationPublisher

    document = RevocationPublisher(
        bucket=settings.artefacts_bucket,
        country=settings.country,
        validity=timedelta(hours=settings.revocation_list_validity_hours),
    ).publish()
    return {
        "published": True,
        "hashes": len(document["hashes"]),
        "kid": document["kid"],
        "expiresAt": document["expiresAt"],
    }


def publish_text(summary: dict[str, Any]) -> str:
    return f"published {summary['hashes']} hashes, kid {summary['kid']}, expires {summary['expiresAt']}"


def run_publish(args: argparse.Namespace) -> int:
    summary = publish(target_settings(args))
    emit(args, summary, publish_text(summary))
    return EXIT_OK
