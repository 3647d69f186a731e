"""Issue: SQS consumer. Each message names one stored vaccination event; each is issued exactly once.

Failed records are reported back (partial batch response), retried by SQS, then dead-lettered.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from vaxcert.audit.trail import AuditTrail
from vaxcert.cache import TtlCache
from vaxcert.catalogue import load_catalogue
from vaxcert.errors import TransientFailure
from vaxcert.issuance.service import IssuerProfile, issue_for_event, send_notice_once
from vaxcert.lifecycle.publisher import RevocationPublisher
from vaxcert.notify.budget import BudgetedSms
from vaxcert.notify.sms import SnsSms
from vaxcert.runtime.wiring import settings
from vaxcert.signing.kms import KmsDocumentSigner
from vaxcert.signing.shc import card_issuer
from vaxcert.store.audit import DynamoAuditStore
from vaxcert.store.certificates import DynamoIssuanceStore
from vaxcert.store.queue import parse_issue_message, parse_notice_message
from vaxcert.store.sms_budget import DynamoSmsBudgetCounter
from vaxcert.store.trust import TrustRepository
from vaxcert.types.ports import CardIssuer

logger = Logger(service="vaxcert-issue")
_settings = settings()
_processor = BatchProcessor(event_type=EventType.SQS)
_store = DynamoIssuanceStore()
# ingest.issue / ingest.edit / ingest.edit_conflict entries (append-only, once per certificate).
_audit = AuditTrail(DynamoAuditStore())
# Past the daily SMS budget `send` raises SmsBudgetExhausted (a TransientFailure): send_sms_once
# releases the SMS claim and the message is retried, so the notification is late, never lost.
_sms = BudgetedSms(
    SnsSms(_settings.sms_sender_id, origination_number=_settings.sms_origination_number),
    DynamoSmsBudgetCounter(),
    _settings.sms_daily_budget,
    purpose="certificate",
)
_issuer = IssuerProfile(
    country=_settings.country,
    name=_settings.issuer_name,
    validity_days=_settings.certificate_validity_days,
    portal_url=_settings.portal_url,
    eu_issuer=_settings.hc1_issuer_name,
    max_qr_version=_settings.hc1_max_qr_version,
)

# The signing DSC changes only on key rotation; re-read it every few minutes, not per message.
SIGNER_CACHE_S = _settings.signer_cache_s
_publisher = RevocationPublisher(
    bucket=_settings.artefacts_bucket,
    country=_settings.country,
    validity=timedelta(hours=_settings.revocation_list_validity_hours),
)
# (message id, UCI) superseded in the current batch: the revocation list is republished once per batch.
_superseded: list[tuple[str, str]] = []


def _load_signer() -> tuple[KmsDocumentSigner, CardIssuer]:
    dsc = TrustRepository().signing_dsc()
    if dsc is None or not dsc.key_id:
        raise TransientFailure("no signing DSC: run `vaxcert keys init`")
    # The same key signs the HC1 and the SMART Health Card: both change together on rotation.
    signer = KmsDocumentSigner(dsc.key_id, dsc.kid, dsc.not_after)
    return signer, card_issuer(dsc, _settings.shc_issuer)


_signer = TtlCache(_load_signer, SIGNER_CACHE_S)


def current_signer() -> KmsDocumentSigner:
    return _signer.get()[0]


def notice_record(hcid: str) -> None:
    """A revoked certificate's number is told once (the claim makes a redelivery send nothing)."""
    certificate = _store.get_certificate(hcid)
    if certificate is None:
        logger.warning("notice for an unknown certificate", extra={"hcid": hcid})
        return
    sent = send_notice_once(
        certificate, store=_store, sms=_sms, portal_url=_settings.portal_url, now=datetime.now(UTC)
    )
    logger.info("certificate notice", extra={"hcid": hcid, "sent": sent})


def issue_record(record: SQSRecord) -> None:
    notice = parse_notice_message(record.body)
    if notice is not None:
        notice_record(notice)
        return
    event_id, revision = parse_issue_message(record.body)
    signer, card = _signer.get()
    certificate = issue_for_event(
        event_id,
        revision,
        store=_store,
        signer=signer,
        card=card,
        sms=_sms,
        catalogue=load_catalogue(_settings.vaccine_catalogue_file),
        issuer=_issuer,
        now=datetime.now(UTC),
        max_corrections=_settings.max_corrections,
        audit=_audit,
    )
    if certificate is None:
        logger.info("edit not issued", extra={"eventId": event_id})
        return
    if certificate.supersedes:
        old = _store.get_certificate(certificate.supersedes)
        if old is not None:
            _superseded.append((record.message_id, old.uci))
    logger.info(
        "certificate issued",
        extra={
            "eventId": event_id,
            "hcid": certificate.hcid,
            "kid": base64.b64encode(current_signer().kid).decode(),
        },
    )


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    _superseded.clear()
    response = process_partial_response(
        event=event, record_handler=issue_record, processor=_processor, context=context
    )
    if _superseded:
        try:
            _publisher.publish([uci for _, uci in _superseded])
        except Exception:
            # Retry those messages: re-issuing is idempotent and the retry publishes again.
            logger.exception("revocation list not republished")
            failures = response.setdefault("batchItemFailures", [])
            failures.extend({"itemIdentifier": message_id} for message_id, _ in _superseded)
    return dict(response)
