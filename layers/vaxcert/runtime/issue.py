"""The composition root of functions/issue: settings -> adapters -> services, built on first use (never at
import), once per process. In the layer beside the other roots: on Lambda a function's folder is
/var/task, no package."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from vaxcert.audit.trail import AuditTrail
from vaxcert.cache import TtlCache
from vaxcert.catalogue import Catalogue, load_catalogue
from vaxcert.errors import TransientFailure
from vaxcert.issuance.service import IssuerProfile
from vaxcert.lifecycle.publisher import RevocationPublisher
from vaxcert.notify.budget import BudgetedSms
from vaxcert.notify.sms import SnsSms
from vaxcert.notify.texts import SmsTexts
from vaxcert.runtime.root import Root
from vaxcert.runtime.wiring import settings
from vaxcert.signing.kms import KmsDocumentSigner
from vaxcert.signing.shc import card_issuer
from vaxcert.sources.phone import NumberingPlan
from vaxcert.store.audit import DynamoAuditStore
from vaxcert.store.certificates import DynamoIssuanceStore
from vaxcert.store.sms_budget import DynamoSmsBudgetCounter
from vaxcert.store.trust import TrustRepository
from vaxcert.types.ports import CardIssuer, DocumentSigner, IssuanceStore, SmsSender


@dataclass(frozen=True)
class Services:
    store: IssuanceStore
    # ingest.issue / ingest.edit / ingest.edit_conflict entries (append-only, once per certificate).
    audit: AuditTrail
    sms: SmsSender
    issuer: IssuerProfile
    catalogue: Catalogue
    # The signing DSC's signer and SMART Health Card issuer: changes only on key rotation.
    signer: TtlCache[tuple[DocumentSigner, CardIssuer]]
    publisher: RevocationPublisher
    portal_url: str
    max_corrections: int


def build() -> Services:
    s = settings()
    trust = TrustRepository()

    def load_signer() -> tuple[DocumentSigner, CardIssuer]:
        dsc = trust.signing_dsc()
        if dsc is None or not dsc.key_id:
            raise TransientFailure("no signing DSC: run `vaxcert keys init`")
        # The same key signs the HC1 and the SMART Health Card: both change together on rotation.
        return KmsDocumentSigner(dsc.key_id, dsc.kid, dsc.not_after), card_issuer(dsc, s.shc_issuer)

    return Services(
        store=DynamoIssuanceStore(),
        audit=AuditTrail(DynamoAuditStore()),
        # Past the daily SMS budget `send` raises SmsBudgetExhausted (a TransientFailure): send_sms_once
        # releases the SMS claim and the message is retried, so the notification is late, never lost.
        sms=BudgetedSms(
            SnsSms(s.sms_sender_id, origination_number=s.sms_origination_number),
            DynamoSmsBudgetCounter(),
            s.sms_daily_budget,
            purpose="certificate",
            plan=NumberingPlan.from_settings(s),
        ),
        issuer=IssuerProfile(
            country=s.country,
            name=s.issuer_name,
            validity_days=s.certificate_validity_days,
            portal_url=s.portal_url,
            eu_issuer=s.hc1_issuer_name,
            max_qr_version=s.hc1_max_qr_version,
            texts=SmsTexts.from_settings(s),
        ),
        catalogue=load_catalogue(s.vaccine_catalogue_file),
        # Re-read every few minutes (SIGNER_CACHE_S), not per message.
        signer=TtlCache(load_signer, s.signer_cache_s),
        publisher=RevocationPublisher(
            bucket=s.artefacts_bucket,
            country=s.country,
            validity=timedelta(hours=s.revocation_list_validity_hours),
        ),
        portal_url=s.portal_url,
        max_corrections=s.max_corrections,
    )


services = Root(build)
