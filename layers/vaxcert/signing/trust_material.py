"""Create and rotate the trust material: the CSCA certificate and the DSC for the signing key.

Both keys live in KMS; the certificates are built around KMS signatures (vaxcert.trust.x509).
Run by the local stack at start and, deployed, once after `cdk deploy` (`vaxcert keys init`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from vaxcert.formats.hc1 import kid_for_certificate
from vaxcert.signing.kms import KmsSigner
from vaxcert.store.trust import TrustRepository
from vaxcert.trust.x509 import build_csca_certificate, build_dsc_certificate
from vaxcert.types.trust import ACTIVE, CSCA, DSC, OWN, TrustEntry

# EU DCC certificate governance: CSCA up to 4-5 years, DSC up to 2 years (HC1 exp never beyond it).
CSCA_VALIDITY = timedelta(days=5 * 365)
DSC_VALIDITY = timedelta(days=2 * 365)


def _entry(der: bytes, *, kind: str, key_id: str, signing: bool, country: str, nb: datetime, na: datetime):
    return TrustEntry(
        kid=kid_for_certificate(der),
        country=country,
        certificate_type=kind,
        der=der,
        origin=OWN,
        status=ACTIVE,
        key_id=key_id,
        signing=signing,
        not_before=nb,
        not_after=na,
    )


def ensure_csca(trust: TrustRepository, *, csca_key_id: str, country: str, now: datetime) -> TrustEntry:
    existing = trust.own_csca()
    if existing is not None:
        return existing
    signer = KmsSigner(csca_key_id)
    not_before, not_after = now.replace(microsecond=0), now.replace(microsecond=0) + CSCA_VALIDITY
    der = build_csca_certificate(
        signer.public_key_der(),
        country=country,
        not_before=not_before,
        not_after=not_after,
        sign=signer.sign_der,
    )
    entry = _entry(
        der, kind=CSCA, key_id=csca_key_id, signing=False, country=country, nb=not_before, na=not_after
    )
    trust.put(entry, now)
    return entry


def issue_dsc(
    trust: TrustRepository, *, signing_key_id: str, csca: TrustEntry, country: str, now: datetime, number: int
) -> TrustEntry:
    """A DSC for `signing_key_id`, signed by the CSCA; it becomes the signing DSC, others stop signing."""
    csca_signer = KmsSigner(csca.key_id or "")
    not_before = now.replace(microsecond=0)
    not_after = min(not_before + DSC_VALIDITY, csca.not_after)
    der = build_dsc_certificate(
        KmsSigner(signing_key_id).public_key_der(),
        issuer_certificate_der=csca.der,
        not_before=not_before,
        not_after=not_after,
        common_name=f"Jamaica DSC {number}",
        country=country,
        sign=csca_signer.sign_der,
    )
    entry = _entry(
        der, kind=DSC, key_id=signing_key_id, signing=True, country=country, nb=not_before, na=not_after
    )
    for old in trust.active():
        if old.signing and old.origin == OWN:
            trust.put(TrustEntry(**{**old.__dict__, "signing": False}), now)
    trust.put(entry, now)
    return entry


def ensure_trust_material(
    trust: TrustRepository, *, csca_key_id: str, signing_key_id: str, country: str, now: datetime
) -> list[TrustEntry]:
    """Idempotent: creates what is missing, returns the CSCA and the signing DSC."""
    csca = ensure_csca(trust, csca_key_id=csca_key_id, country=country, now=now)
    dsc = trust.signing_dsc()
    if dsc is None:
        own_dscs = [e for e in trust.all() if e.origin == OWN and e.certificate_type == DSC]
        dsc = issue_dsc(
            trust,
            signing_key_id=signing_key_id,
            csca=csca,
            country=country,
            now=now,
            number=len(own_dscs) + 1,
        )
    return [csca, dsc]
