"""Our own SMART Health Cards in `/v1/verify`: their keys as trust anchors, and their rid revocation.

Keys: each active DSC of ours also signs cards, so its public key is trusted for framework ``shc``
under our ``iss`` and its RFC 7638 thumbprint (a bare key, as the JWKS publishes it: no validity
period, cards have no expiry either). Revocation: a card whose rid is on our CRL is REVOKED, read
live (one query of the sparse revocation index, only for cards of our `iss`) like our HC1 revocation
check: a revocation or supersession takes effect at once. The engine passes what it knows
of a verified card (format, issuer = `iss`, kid, identifier = `vc.rid`).
"""

from __future__ import annotations

from typing import Any

from vaxcert.cache import TtlCache
from vaxcert.formats.shc_card import rid_for
from vaxcert.trust.keys import public_key_from_jwk
from vaxcert.trust.shc_keys import CardKey, card_keys
from vaxcert.types.certificate import CertificateStatus
from vaxcert.types.trust import TrustEntry
from vaxcert.verification.ports import CertificateReader, TrustEntries
from vaxcert.verification.trust import TrustedCertificate, normalize_issuer

KEYS_CACHE_S = 60


def own_card_anchors(entries: list[TrustEntry], iss: str) -> list[TrustedCertificate]:
    """Trust anchors for our own cards, from the trust table's active entries."""
    return [
        TrustedCertificate.from_public_key(
            public_key_from_jwk(key.jwk), framework="shc", key_id=key.kid, issuer=iss, jwk=key.jwk
        )
        for key in card_keys(entries)
    ]


class OwnCardRevocations:
    def __init__(
        self,
        iss: str,
        certificates: CertificateReader,
        trust: TrustEntries,
    ) -> None:
        self.iss = iss
        self._certificates = certificates
        self._trust = trust
        # Withdrawn keys too: a revoked card stays revoked whatever happens to its key.
        self._keys = TtlCache(lambda: card_keys(self._trust.all(), include_withdrawn=True), KEYS_CACHE_S)

    def _card_keys(self) -> list[CardKey]:
        return self._keys.get()

    def revoked(self, query: Any) -> str | None:
        """The public reason when the card is revoked or superseded, else None (not ours: None)."""
        rid = getattr(query, "identifier", None)
        issuer = normalize_issuer(getattr(query, "issuer", None))
        if getattr(query, "format", None) != "SHC" or issuer != normalize_issuer(self.iss) or not rid:
            return None
        by_hc1 = {k.hc1_kid: k.kid for k in self._card_keys()}
        kid = getattr(query, "kid", None)
        for hcid, hc1_kid, status in self._certificates.revoked_cards():
            if by_hc1.get(hc1_kid) == kid and rid_for(hcid) == rid:
                if status == CertificateStatus.SUPERSEDED.value:
                    return "certificate has been superseded by a corrected version"
                return "certificate has been revoked by the issuer"
        return None
