"""Issue: SQS consumer. Each message names one stored vaccination event; each is issued exactly once.

Failed records are reported back (partial batch response), retried by SQS, then dead-lettered; a
record whose message does not parse fails alone (Powertools' BatchProcessor with a message model).
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from vaxcert.issuance.service import issue_for_event, send_notice_once
from vaxcert.runtime.issue import Services, services
from vaxcert.store.queue import IssueMessage, IssueQueueRecord, NoticeMessage

logger = Logger(service="vaxcert-issue")
# Any pydantic model of the record works (Powertools calls model_validate); the annotation names
# only its own models, whose import costs ~80 ms of cold start (see IssueQueueRecord).
_processor = BatchProcessor(event_type=EventType.SQS, model=IssueQueueRecord)  # type: ignore[arg-type]


def notice_record(s: Services, hcid: str) -> None:
    """A revoked certificate's number is told once (the claim makes a redelivery send nothing)."""
    certificate = s.store.get_certificate(hcid)
    if certificate is None:
        logger.warning("notice for an unknown certificate", extra={"hcid": hcid})
        return
    sent = send_notice_once(
        certificate,
        store=s.store,
        sms=s.sms,
        portal_url=s.portal_url,
        now=datetime.now(UTC),
        texts=s.issuer.texts,
    )
    logger.info("certificate notice", extra={"hcid": hcid, "sent": sent})


def issue_record(s: Services, message: IssueMessage) -> str | None:
    """Issue one event revision; the UCI of the certificate it superseded, if any (revocation list)."""
    signer, card = s.signer.get()
    certificate = issue_for_event(
        message.event_id,
        message.revision,
        store=s.store,
        signer=signer,
        card=card,
        sms=s.sms,
        catalogue=s.catalogue,
        issuer=s.issuer,
        now=datetime.now(UTC),
        max_corrections=s.max_corrections,
        audit=s.audit,
    )
    if certificate is None:
        logger.info("edit not issued", extra={"eventId": message.event_id})
        return None
    logger.info(
        "certificate issued",
        extra={
            "eventId": message.event_id,
            "hcid": certificate.hcid,
            "kid": base64.b64encode(signer.kid).decode(),
        },
    )
    if certificate.supersedes:
        old = s.store.get_certificate(certificate.supersedes)
        if old is not None:
            return old.uci
    return None


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    s = services()
    # (message id, UCI) superseded in this batch: the revocation list is republished once per batch.
    superseded: list[tuple[str, str]] = []

    def record_handler(record: IssueQueueRecord) -> None:
        message = record.body
        if isinstance(message, NoticeMessage):
            notice_record(s, message.notice)
            return
        uci = issue_record(s, message)
        if uci is not None:
            superseded.append((record.message_id, uci))

    response = process_partial_response(
        event=event, record_handler=record_handler, processor=_processor, context=context
    )
    if superseded:
        try:
            s.publisher.publish([uci for _, uci in superseded])
        except Exception:
            # Retry those messages: re-issuing is idempotent and the retry publishes again.
            logger.exception("revocation list not republished")
            failures = response.setdefault("batchItemFailures", [])
            failures.extend({"itemIdentifier": message_id} for message_id, _ in superseded)
    return dict(response)
