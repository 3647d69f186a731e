"""`vaxcert shc backfill`: SMART Health Cards for certificates issued before cards existed."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from vaxcert.commands._output import add_json_argument, emit
from vaxcert.commands._target import add_target_arguments, target_settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("shc", help="SMART Health Cards of issued certificates")
    sub = parser.add_subparsers(dest="shc_command", required=True)
    backfill = sub.add_parser(
        "backfill",
        help="sign the SMART Health Card of every certificate that has none, with the KMS key of the DSC "
        "that signed its HC1 (idempotent: a certificate never gets a second card)",
    )
    add_target_arguments(backfill)
    add_json_argument(backfill)
    backfill.set_defaults(func=run_backfill)


def run_backfill(args: argparse.Namespace) -> int:
    from vaxcert.catalogue import load_catalogue
    from vaxcert.formats.shc_card import issue_card
    from vaxcert.signing.kms import KmsSigner
    from vaxcert.signing.shc import card_issuer
    from vaxcert.store.certificates import CertificateRepository
    from vaxcert.store.trust import TrustRepository
    from vaxcert.types.trust import DSC, OWN

    settings = target_settings(args)
    catalogue = load_catalogue(settings.vaccine_catalogue_file)
    # The HC1's own DSC signs the card, so the card's kid maps back to it (CRL, withdrawal).
    dscs = {
        e.kid_b64: e
        for e in TrustRepository().all()
        if e.origin == OWN and e.certificate_type == DSC and e.key_id
    }
    repository = CertificateRepository()
    signed = present = unsignable = 0
    for certificate in repository.without_card():
        dsc = dscs.get(certificate.kid)
        if dsc is None or dsc.key_id is None:
            unsignable += 1
            continue
        product = catalogue.products.get(certificate.vaccine_key)
        card = card_issuer(dsc, settings.shc_issuer)
        jws = issue_card(
            certificate.record,
            iss=card.iss,
            kid=card.kid,
            cvx=product.cvx if product else None,
            issued_at=certificate.issued_at,
            sign=KmsSigner(dsc.key_id).sign,
        )
        if repository.add_card(certificate.hcid, jws):
            signed += 1
        else:
            present += 1  # another run got there first
    result = {"signed": signed, "alreadySigned": present, "skipped": unsignable}
    emit(args, result, f"{signed} SMART Health Cards signed; {present} already had one")
    if unsignable and not getattr(args, "json", False):
        skipped = f"{unsignable} certificates skipped: not signed by a DSC of ours with a KMS key"
        print(skipped, file=sys.stderr)
    return 0
