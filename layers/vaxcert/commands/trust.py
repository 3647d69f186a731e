"""`vaxcert trust import FILE`: trust other issuers' keys, for every framework we verify.

FILE is an EU-gateway style trust list (`{"certificates": [...]}` or a bare list, e.g. another country's
`GET /v1/trust-list`), a JWKS (`{"keys": [...]}`: EC P-256/P-384, RSA, OKP Ed25519), a JWK, the WHO
GDHCN trust list (DID documents whose verification methods carry JWKs with `x5c`), PEM/DER certificates,
or a PEM public key (`--kid`). `--framework` says whose keys they are (see verification.trust_files for
how each framework names them): hc1 (EU DCC and WHO DDCC in HC1, the default), shc (SMART Health Card
issuers: `--issuer` is the `iss` URL), divoc (the DID of `proof.verificationMethod`), icao (CSCAs of the
country whose health proofs they sign). Imported keys are stored in the trust table (origin IMPORTED),
published in our trust list and JWKS, and used at once by `POST /v1/verify` and the offline page.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from vaxcert.commands._output import add_json_argument, emit
from vaxcert.commands._target import add_target_arguments, target_settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("trust", help="import other issuers' keys (HC1, SHC, DIVOC, ICAO)")
    sub = parser.add_subparsers(dest="trust_command", required=True)
    imp = sub.add_parser(
        "import", help="import keys from a trust list, JWKS, GDHCN DID documents, or PEM/DER certificates"
    )
    imp.add_argument("file", help="trust list JSON, JWKS, DID document(s), PEM/DER certificate or PEM key")
    imp.add_argument(
        "--framework",
        choices=("hc1", "shc", "divoc", "icao"),
        default="hc1",
        help="whose keys: hc1 (EU DCC / WHO DDCC, default), shc, divoc, icao (CSCAs)",
    )
    imp.add_argument(
        "--issuer",
        help="shc: the iss URL the keys sign for (required); divoc: the credential issuer URL the key is "
        "bound to (optional; advisable for DIVOC's shared default DID did:india)",
    )
    imp.add_argument("--country", help="ISO 3166-1 alpha-2 of keys that do not name one")
    imp.add_argument("--kid", help="the key id of a bare PEM public key (divoc: the DID)")
    add_target_arguments(imp)
    add_json_argument(imp)
    imp.set_defaults(func=run_import)


def run_import(args: argparse.Namespace) -> int:
    from vaxcert.commands.keys import entry_json
    from vaxcert.store.trust import TrustRepository
    from vaxcert.types.trust import IMPORTED, OWN
    from vaxcert.verification.trust_files import read_trust_file

    framework = args.framework
    try:
        keys = read_trust_file(
            Path(args.file).read_bytes(),
            framework=framework,
            issuer=args.issuer,
            country=args.country.upper() if args.country else None,
            key_id=args.kid,
        )
    except (OSError, ValueError) as exc:
        print(f"vaxcert trust import: {exc}", file=sys.stderr)
        return 2
    if not keys:
        print("vaxcert trust import: no readable key in the file", file=sys.stderr)
        return 2
    target_settings(args)
    repository = TrustRepository()
    own = {e.item_key for e in repository.all() if e.origin == OWN}
    now = datetime.now(UTC)
    imported: list[dict[str, Any]] = []
    lines: list[str] = []
    for key in keys:
        country = (key.country or args.country or "").upper()
        needs_country = key.framework in ("hc1", "icao")
        if needs_country and (len(country) != 2 or not country.isalpha()):
            print(f"skipped kid {key.key_id}: no country (give --country)", file=sys.stderr)
            continue
        entry = imported_entry(key, country, IMPORTED)
        if entry.item_key in own:  # never let an import overwrite our own trust material
            print(f"skipped kid {key.key_id}: it is one of our own keys", file=sys.stderr)
            continue
        repository.put(entry, now)
        imported.append(entry_json(entry))
        until = f" until {entry.not_after:%Y-%m-%d}" if key.not_after else ""
        where = f" {entry.issuer}" if entry.issuer else ""
        kind = f"{framework} {entry.certificate_type} {country or '-'}{where}"
        lines.append(f"imported {kind} kid={entry.key_ref}{until}")
    lines.append(f"{len(imported)} key(s) imported")
    emit(args, {"imported": len(imported), "keys": imported}, "\n".join(lines))
    return 0 if imported else 1


def imported_entry(key: Any, country: str, origin: str) -> Any:
    """The trust table entry of a key read from a file (verification.trust.TrustedCertificate)."""
    from vaxcert.trust.keys import jwk_from_public_key
    from vaxcert.types.trust import ACTIVE, NO_END, NO_START, TrustEntry

    return TrustEntry(
        kid=key.kid,
        country=country,
        certificate_type=key.certificate_type,
        der=key.der,
        origin=origin,
        status=ACTIVE,
        key_id=None,
        signing=False,
        not_before=key.not_before or NO_START,
        not_after=key.not_after or NO_END,
        framework=key.framework,
        issuer=key.issuer,
        jwk=None if key.der else (key.jwk or jwk_from_public_key(key.public_key)),
    )
