"""Our SMART Health Card keys as the specification publishes them: the JWKS and the per-key CRLs.

The card is signed by the document-signing key of the certificate (the DSC's KMS key), so our SHC
keys are the public keys of our own DSCs, each under its RFC 7638 thumbprint. A certificate names its
DSC by the HC1 kid; revoked and superseded certificates become rids on the CRL of that DSC's key.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from vaxcert.formats.shc_card import crl_document, crl_version, issuer_jwk, rid_for
from vaxcert.types.trust import ACTIVE, DSC, HC1, NO_END, NO_START, OWN, TrustEntry


@dataclass(frozen=True)
class CardKey:
    hc1_kid: str  # base64 of the DSC's 8-byte kid, as stored on each certificate
    jwk: dict[str, Any]  # without crlVersion

    @property
    def kid(self) -> str:
        return str(self.jwk["kid"])


def card_key(entry: TrustEntry) -> CardKey | None:
    """The SHC key of one of our DSCs (None for anything else: CSCAs, imported or RSA keys)."""
    if entry.origin != OWN or entry.certificate_type != DSC or entry.framework != HC1 or not entry.der:
        return None
    key = x509.load_der_x509_certificate(entry.der).public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        return None
    return CardKey(entry.kid_b64, issuer_jwk(key))


def card_keys(entries: Iterable[TrustEntry], *, include_withdrawn: bool = False) -> list[CardKey]:
    keys = [card_key(e) for e in entries if include_withdrawn or e.status == ACTIVE]
    return [k for k in keys if k is not None]


def card_trust_entries(entries: Iterable[TrustEntry], iss: str) -> list[TrustEntry]:
    """Our card keys as trust-list entries (framework `shc`, issuer = our `iss`, a bare JWK), so verifiers
    that read `/v1/trust-list` (the offline page) check our cards like any SHC issuer's."""
    out = []
    for entry in entries:
        key = card_key(entry) if entry.status == ACTIVE else None
        if key is None:
            continue
        out.append(
            TrustEntry(
                kid=key.kid.encode(),
                country=entry.country,
                certificate_type=DSC,
                der=b"",
                origin=OWN,
                status=ACTIVE,
                key_id=None,
                signing=False,
                not_before=NO_START,
                not_after=NO_END,
                framework="shc",
                issuer=iss,
                jwk=key.jwk,
            )
        )
    return out


def revoked_rids(keys: Iterable[CardKey], revoked: Iterable[tuple[str, str, str]]) -> dict[str, list[str]]:
    """SHC kid -> rids of the revoked/superseded certificates (hcid, HC1 kid, status) that key signed."""
    by_hc1 = {k.hc1_kid: k.kid for k in keys}
    rids: dict[str, set[str]] = {kid: set() for kid in by_hc1.values()}
    for hcid, hc1_kid, _ in revoked:
        kid = by_hc1.get(hc1_kid)
        if kid is not None:
            rids[kid].add(rid_for(hcid))
    return {kid: sorted(found) for kid, found in rids.items()}


def jwks_document(keys: Iterable[CardKey], rids: dict[str, list[str]]) -> dict[str, Any]:
    """`<iss>/.well-known/jwks.json`: every active key, with the version of its CRL."""
    return {"keys": [{**k.jwk, "crlVersion": crl_version(len(rids.get(k.kid, [])))} for k in keys]}


def crl_for(kid: str, keys: Iterable[CardKey], rids: dict[str, list[str]]) -> dict[str, Any] | None:
    """`<iss>/.well-known/crl/<kid>.json`, or None for a kid that is not ours."""
    if not any(k.kid == kid for k in keys):
        return None
    return crl_document(kid, rids.get(kid, []))
