"""Revocation of our own SMART Health Cards for `/v1/verify`: a card whose rid is on our CRL is REVOKED.

Read live (one query of the sparse revocation index, only for cards of our `iss`), like our HC1
revocation check: a revocation or supersession takes effect at once. The engine passes what it knows
of a verified card (format, issuer = `iss`, kid, identifier = `vc.rid`).
"""

from __future__ import annotations

import time
from typing import Any

from vaxcert.formats.shc_card import rid_for
from vaxcert.issuance.certificate import CertificateStatus
from vaxcert.store.certificates import CertificateRepository
from vaxcert.store.trust import TrustRepository
from vaxcert.trust.shc_keys import CardKey, card_keys

KEYS_CACHE_S = 60


class OwnCardRevocations:
    def __init__(
        self,
        iss: str,
        certificates: CertificateRepository | None = None,
        trust: TrustRepository | None = None,
    ) -> None:
        self.iss = iss
        self._certificates = certificates or CertificateRepository()
        self._trust = trust or TrustRepository()
        self._keys: tuple[float, list[CardKey]] | None = None

    def _card_keys(self) -> list[CardKey]:
        if self._keys is None or time.monotonic() - self._keys[0] > KEYS_CACHE_S:
            # Withdrawn keys too: a revoked card stays revoked whatever happens to its key.
            self._keys = (time.monotonic(), card_keys(self._trust.all(), include_withdrawn=True))
        return self._keys[1]

    def revoked(self, query: Any) -> str | None:
        """The public reason when the card is revoked or superseded, else None (not ours: None)."""
        rid = getattr(query, "identifier", None)
        if getattr(query, "format", None) != "SHC" or getattr(query, "issuer", None) != self.iss or not rid:
            return None
        by_hc1 = {k.hc1_kid: k.kid for k in self._card_keys()}
        kid = getattr(query, "kid", None)
        for hcid, hc1_kid, status in self._certificates.revoked_cards():
            if by_hc1.get(hc1_kid) == kid and rid_for(hcid) == rid:
                if status == CertificateStatus.SUPERSEDED.value:
                    return "certificate has been superseded by a corrected version"
                return "certificate has been revoked by the issuer"
        return None
