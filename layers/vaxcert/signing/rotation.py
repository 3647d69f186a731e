"""Key rotation and DSC withdrawal: what `vaxcert keys rotate|withdraw` and the admin page both do.

Rotation creates a new KMS signing key (tagged, so the issue function may sign with it without a
redeploy), has the CSCA sign its DSC, and makes it the signing DSC; the previous DSC stays in the
trust list, so certificates it signed still verify until it expires or is withdrawn. Withdrawal
removes a DSC from the trust list: certificates it signed then verify UNKNOWN_ISSUER.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from vaxcert.errors import Conflict, NotFound
from vaxcert.resources import SIGNING_KEY_TAG
from vaxcert.signing.trust_material import issue_dsc
from vaxcert.store.trust import TrustRepository
from vaxcert.types.trust import DSC, OWN, WITHDRAWN, TrustEntry

# IAM grants kms:Sign on document-signing keys by this tag, so rotated keys need no redeploy.
PURPOSE_TAG = {"TagKey": SIGNING_KEY_TAG[0], "TagValue": SIGNING_KEY_TAG[1]}
STAGE_TAG = "vaxcert:stage"
DEFAULT_FRAMEWORK = "hc1"


def create_signing_key(kms: Any, stage: str, now: datetime) -> str:
    """A new ES256 KMS key for a DSC, tagged as a document-signing key; its KeyId."""
    key = kms.create_key(
        KeySpec="ECC_NIST_P256",
        KeyUsage="SIGN_VERIFY",
        Description=f"vaxcert document signing key (DSC private key, ES256), rotated {now:%Y-%m-%d}",
        Tags=[PURPOSE_TAG, {"TagKey": STAGE_TAG, "TagValue": stage}],
    )["KeyMetadata"]
    return str(key["KeyId"])


def rotate(
    trust: TrustRepository, *, new_key: Callable[[], str], country: str, now: datetime
) -> tuple[TrustEntry, str]:
    """The new signing DSC and its KMS key id; Conflict when there is no CSCA yet."""
    csca = trust.own_csca()
    if csca is None or not csca.key_id:
        raise Conflict("no CSCA yet: run `vaxcert keys init` first")
    key_id = new_key()
    own_dscs = [e for e in trust.all() if e.origin == OWN and e.certificate_type == DSC]
    entry = issue_dsc(
        trust, signing_key_id=key_id, csca=csca, country=country, now=now, number=len(own_dscs) + 1
    )
    return entry, key_id


def withdraw(trust: TrustRepository, kid_b64: str, now: datetime) -> TrustEntry:
    """Withdraw one of our DSCs (not the signing one); NotFound / Conflict say why not."""
    entry = next((e for e in trust.all() if e.kid_b64 == kid_b64), None)
    if entry is None or entry.certificate_type != DSC or entry.origin != OWN:
        raise NotFound(f"{kid_b64} is not one of our DSCs")
    if entry.signing:
        raise Conflict("this DSC signs new certificates: rotate first, then withdraw it")
    if entry.status == WITHDRAWN:
        return entry
    withdrawn = TrustEntry(**{**entry.__dict__, "status": WITHDRAWN})
    trust.put(withdrawn, now)
    return withdrawn
