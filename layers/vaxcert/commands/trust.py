"""`vaxcert trust import FILE`: trust other countries' signing certificates (DSCs).

FILE is an EU-gateway style trust list (`{"certificates": [{"kid", "country", "certificateType",
"rawData"}]}` or a bare list of such entries, e.g. another country's `GET /v1/trust-list`) or PEM/DER
certificates. Imported certificates are stored in the trust table (origin IMPORTED), published in
our trust list and JWKS, and used by `POST /v1/verify` and the offline verifier page.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from vaxcert.commands._target import add_target_arguments, target_settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("trust", help="import other countries' signing certificates")
    sub = parser.add_subparsers(dest="trust_command", required=True)
    imp = sub.add_parser("import", help="import DSCs from a trust list JSON or PEM/DER certificates")
    imp.add_argument("file", help="trust list JSON, or a PEM/DER certificate file")
    imp.add_argument("--country", help="ISO 3166-1 alpha-2 of certificates that do not name one")
    add_target_arguments(imp)
    imp.set_defaults(func=run_import)


def run_import(args: argparse.Namespace) -> int:
    from vaxcert.store.trust import ACTIVE, IMPORTED, OWN, TrustEntry, TrustRepository
    from vaxcert.verification.trust import InMemoryTrustStore

    try:
        certificates = InMemoryTrustStore.from_file_bytes(Path(args.file).read_bytes()).certificates()
    except (OSError, ValueError) as exc:
        print(f"vaxcert trust import: {exc}", file=sys.stderr)
        return 2
    if not certificates:
        print("vaxcert trust import: no readable certificate in the file", file=sys.stderr)
        return 2
    target_settings(args)
    repository = TrustRepository()
    own = {e.kid for e in repository.all() if e.origin == OWN}
    now, imported = datetime.now(UTC), 0
    for certificate in certificates:
        country = (certificate.country or args.country or "").upper()
        if len(country) != 2 or not country.isalpha():
            print(f"skipped kid {certificate.kid.hex()}: no country (give --country)", file=sys.stderr)
            continue
        if certificate.kid in own:  # never let an import overwrite our own trust material
            print(f"skipped kid {certificate.kid.hex()}: it is one of our own certificates", file=sys.stderr)
            continue
        entry = TrustEntry(
            kid=certificate.kid,
            country=country,
            certificate_type=certificate.certificate_type,
            der=certificate.der,
            origin=IMPORTED,
            status=ACTIVE,
            key_id=None,
            signing=False,
            not_before=certificate.not_before,
            not_after=certificate.not_after,
        )
        repository.put(entry, now)
        imported += 1
        until = f"{entry.not_after:%Y-%m-%d}"
        print(f"imported {entry.certificate_type} {country} kid={entry.kid_b64} until {until}")
    print(f"{imported} certificate(s) imported")
    return 0 if imported else 1
