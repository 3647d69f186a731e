"""`vaxcert keys ...`: the signing keys' certificates (CSCA and DSC), held in KMS."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from vaxcert.commands._target import add_target_arguments, target_settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("keys", help="create and inspect the CSCA and DSC certificates")
    sub = parser.add_subparsers(dest="keys_command", required=True)
    init = sub.add_parser(
        "init",
        help="create the CSCA certificate and the DSC for the signing key (idempotent; run after cdk deploy)",
    )
    add_target_arguments(init)
    init.set_defaults(func=run_init)
    show = sub.add_parser("list", help="list the trust list entries (kid, type, validity, signing)")
    add_target_arguments(show)
    show.set_defaults(func=run_list)


def run_init(args: argparse.Namespace) -> int:
    from vaxcert.signing.trust_material import ensure_trust_material
    from vaxcert.store.trust import TrustRepository

    settings = target_settings(args)
    entries = ensure_trust_material(
        TrustRepository(),
        csca_key_id=settings.csca_key_id,
        signing_key_id=settings.signing_key_id,
        country=settings.country,
        now=datetime.now(UTC),
    )
    for entry in entries:
        print(
            f"{entry.certificate_type:4} kid={entry.kid_b64} "
            f"valid {entry.not_before:%Y-%m-%d}..{entry.not_after:%Y-%m-%d}"
        )
    return 0


def run_list(args: argparse.Namespace) -> int:
    from vaxcert.store.trust import TrustRepository

    target_settings(args)
    for e in sorted(TrustRepository().all(), key=lambda e: (e.origin, e.certificate_type, e.not_before)):
        flags = " signing" if e.signing else ""
        print(
            f"{e.origin:8} {e.certificate_type:4} {e.country} kid={e.kid_b64} {e.status}{flags} "
            f"{e.not_before:%Y-%m-%d}..{e.not_after:%Y-%m-%d}"
        )
    return 0
