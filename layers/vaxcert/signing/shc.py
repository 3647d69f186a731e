"""The SMART Health Card signer: the active DSC's KMS key, under the kid the card's JWS header carries."""

from __future__ import annotations

from vaxcert.trust.shc_keys import card_key
from vaxcert.types.ports import CardIssuer
from vaxcert.types.trust import TrustEntry


def card_issuer(dsc: TrustEntry, iss: str) -> CardIssuer:
    """`iss` and the RFC 7638 thumbprint kid of the signing DSC's public key (read from its certificate)."""
    key = card_key(dsc)
    if key is None:
        raise ValueError(f"DSC {dsc.kid_b64} has no P-256 key: it cannot sign SMART Health Cards")
    return CardIssuer(iss=iss, kid=key.kid)
