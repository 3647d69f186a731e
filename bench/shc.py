"""shc_sign_ms and shc_qr_version: the example form's SMART Health Card, signed with a local P-256 key."""

from __future__ import annotations

from typing import Any

from bench.common import log, median, rounded, time_calls
from bench.issue import NOW, default_issuer, example_event, local_signer
from vaxcert.catalogue import load_catalogue
from vaxcert.formats import shc_card
from vaxcert.issuance.service import sign_certificate
from vaxcert.settings import Settings
from vaxcert.types.ports import CardIssuer


def run(iterations: int = 2000) -> dict[str, Any]:
    log(f"shc: {iterations} SMART Health Cards in-process (local P-256 key)")
    event, _ = example_event()
    product = load_catalogue().find(event.vaccination.vaccine)
    assert product is not None
    signer = local_signer()
    kid = shc_card.issuer_jwk(signer.key.public_key())["kid"]
    iss = Settings().shc_issuer
    certificate = sign_certificate(
        event,
        hcid="7Q2K9M4XHD3R8T6WB1NC",
        version=1,
        catalogue=load_catalogue(),
        signer=signer,
        issuer=default_issuer(),
        now=NOW,
        card=CardIssuer(iss=iss, kid=kid),
    )
    assert certificate.shc is not None

    def card_one() -> str:  # what issuance adds per certificate: bundle + JSON + DEFLATE + ES256
        return shc_card.issue_card(
            certificate.record, iss=iss, kid=kid, cvx=product.cvx, issued_at=NOW, sign=signer.sign
        )

    time_calls(card_one, 50)  # warm-up
    sign_s = median(time_calls(card_one, iterations))
    text = shc_card.qr_text(certificate.shc)
    return {
        "shc_sign_ms": rounded(sign_s * 1e3, 4),
        "shc_qr_version": shc_card.qr_version(text),
        "shc_jws_chars": len(certificate.shc),
        "shc_iterations": iterations,
    }
