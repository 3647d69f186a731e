"""`vaxcert keys ...`: the signing keys' certificates (CSCA and DSC), held in KMS."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import Any

from vaxcert.commands._output import add_json_argument, emit
from vaxcert.commands._target import add_target_arguments, target_settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("keys", help="create and inspect the CSCA and DSC certificates")
    sub = parser.add_subparsers(dest="keys_command", required=True)
    init = sub.add_parser(
        "init",
        help="create the CSCA certificate and the DSC for the signing key (idempotent; run after cdk deploy)",
    )
    add_target_arguments(init)
    add_json_argument(init)
    init.set_defaults(func=run_init)
    show = sub.add_parser("list", help="list the trust list entries (kid, type, validity, signing)")
    add_target_arguments(show)
    add_json_argument(show)
    show.set_defaults(func=run_list)
    rotate = sub.add_parser(
        "rotate",
        help="create a new KMS signing key and its DSC (signed by the CSCA); new certificates use it, "
        "the old DSC stays in the trust list until it expires or is withdrawn",
    )
    add_target_arguments(rotate)
    add_json_argument(rotate)
    rotate.set_defaults(func=run_rotate)
    withdraw = sub.add_parser(
        "withdraw",
        help="remove a DSC from the trust list: certificates it signed then verify UNKNOWN_ISSUER",
    )
    withdraw.add_argument("kid", help="base64 kid of the DSC (see `vaxcert keys list`)")
    add_target_arguments(withdraw)
    add_json_argument(withdraw)
    withdraw.set_defaults(func=run_withdraw)


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
    lines = [
        f"{entry.certificate_type:4} kid={entry.kid_b64} "
        f"valid {entry.not_before:%Y-%m-%d}..{entry.not_after:%Y-%m-%d}"
        for entry in entries
    ]
    # A first (empty) signed revocation list, so verifiers can cache one from day one; the
    # scheduled refresh (resources.SCHEDULES) keeps it from expiring afterwards.
    from vaxcert.commands.revocation import publish, publish_text

    published = publish(settings)
    result = {"certificates": [entry_json(e) for e in entries], "revocationList": published}
    emit(args, result, "\n".join([*lines, publish_text(published)]))
    return 0


def entry_json(e: Any) -> dict[str, Any]:
    """A trust entry as `--json` prints it (kid as the trust list publishes it; no validity: null)."""
    from vaxcert.types.trust import stored_time

    return {
        "kid": e.key_ref,
        "framework": e.framework,
        "certificateType": e.certificate_type,
        "country": e.country or None,
        "issuer": e.issuer,
        "origin": e.origin,
        "status": e.status,
        "signing": e.signing,
        "keyId": e.key_id,
        "notBefore": stored_time(e.not_before),
        "notAfter": stored_time(e.not_after),
    }


def run_list(args: argparse.Namespace) -> int:
    from vaxcert.store.trust import TrustRepository
    from vaxcert.types.trust import HC1, stored_time

    target_settings(args)
    entries = sorted(
        TrustRepository().all(), key=lambda e: (e.framework, e.origin, e.certificate_type, e.not_before)
    )
    lines = []
    for e in entries:
        flags = " signing" if e.signing else ""
        framework = "" if e.framework == HC1 else f"{e.framework} "
        issuer = f" {e.issuer}" if e.issuer else ""
        valid = (
            f"{e.not_before:%Y-%m-%d}..{e.not_after:%Y-%m-%d}"
            if stored_time(e.not_before)
            else "no validity period"
        )
        lines.append(
            f"{framework}{e.origin:8} {e.certificate_type:4} {e.country or '-'}{issuer} kid={e.key_ref} "
            f"{e.status}{flags} {valid}"
        )
    emit(args, {"entries": [entry_json(e) for e in entries]}, "\n".join(lines))
    return 0


def run_rotate(args: argparse.Namespace) -> int:
    from vaxcert.errors import Conflict
    from vaxcert.signing.rotation import create_signing_key, rotate
    from vaxcert.store.aws import client
    from vaxcert.store.trust import TrustRepository

    settings = target_settings(args)
    now = datetime.now(UTC)
    try:
        entry, key_id = rotate(
            TrustRepository(),
            new_key=lambda: create_signing_key(client("kms"), settings.stage, now),
            country=settings.country,
            now=now,
        )
    except Conflict as exc:
        print(f"vaxcert keys rotate: {exc}", file=sys.stderr)
        return 1
    text = (
        f"DSC  kid={entry.kid_b64} key={key_id} "
        f"valid {entry.not_before:%Y-%m-%d}..{entry.not_after:%Y-%m-%d}\n"
        "New certificates use it within the issue function's signer cache period (5 minutes)."
    )
    emit(args, {"rotated": entry_json(entry)}, text)
    return 0


def run_withdraw(args: argparse.Namespace) -> int:
    from vaxcert.errors import Conflict, NotFound
    from vaxcert.signing.rotation import withdraw
    from vaxcert.store.trust import TrustRepository

    target_settings(args)
    try:
        withdrawn = withdraw(TrustRepository(), args.kid, datetime.now(UTC))
    except (NotFound, Conflict) as exc:
        print(f"vaxcert keys withdraw: {exc}", file=sys.stderr)
        return 1
    text = f"withdrawn kid={withdrawn.kid_b64}: certificates it signed now verify UNKNOWN_ISSUER"
    emit(args, {"withdrawn": entry_json(withdrawn)}, text)
    return 0
