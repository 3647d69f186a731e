"""Certificates in DynamoDB: conditional writes make issuance and SMS exactly-once."""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import PutError, UpdateError
from pynamodb.expressions.update import Action

from vaxcert.formats.ddcc import DdccRecord
from vaxcert.issuance.certificate import Certificate, CertificateStatus, SmsStatus
from vaxcert.issuance.ports import StoredEvent
from vaxcert.store.aws import is_conditional_failure, transient_on_aws_errors
from vaxcert.store.events import EventLog
from vaxcert.store.models import CertificateItem


def to_item(c: Certificate) -> CertificateItem:
    return CertificateItem(
        c.hcid,
        uci=c.uci,
        eventId=c.event_id,
        revision=c.revision,
        version=c.version,
        status=c.status.value,
        mobile=c.mobile,
        dob=c.record.person.birth_date.isoformat(),
        issuedAt=c.issued_at.isoformat(),
        expiresAt=c.expires_at.isoformat(),
        vaccineKey=c.vaccine_key,
        kid=c.kid,
        qr=c.qr,
        record=c.record.model_dump(mode="json"),
        smsStatus=c.sms_status.value,
        supersedes=c.supersedes,
        supersededBy=c.superseded_by,
    )


def from_item(item: CertificateItem) -> Certificate:
    return Certificate(
        hcid=item.hcid,
        uci=item.uci,
        event_id=item.eventId,
        revision=item.revision,
        version=int(item.version),
        status=CertificateStatus(item.status),
        record=DdccRecord.model_validate(item.record),
        vaccine_key=item.vaccineKey,
        mobile=item.mobile,
        qr=item.qr,
        kid=item.kid,
        issued_at=datetime.fromisoformat(item.issuedAt),
        expires_at=datetime.fromisoformat(item.expiresAt),
        sms_status=SmsStatus(item.smsStatus),
        supersedes=item.supersedes,
        superseded_by=item.supersededBy,
    )


class CertificateRepository:
    def get(self, hcid: str) -> Certificate | None:
        try:
            return from_item(CertificateItem.get(hcid, consistent_read=True))
        except CertificateItem.DoesNotExist:
            return None

    def put_new(self, certificate: Certificate) -> bool:
        try:
            to_item(certificate).save(condition=CertificateItem.hcid.does_not_exist())
        except PutError as exc:
            if is_conditional_failure(exc):
                return False
            raise
        return True

    def by_mobile(self, mobile: str) -> list[Certificate]:
        return [from_item(i) for i in CertificateItem.by_mobile.query(mobile)]

    def by_dob(self, dob: str) -> list[Certificate]:
        return [from_item(i) for i in CertificateItem.by_dob.query(dob)]

    def _transition_sms(
        self, hcid: str, want: SmsStatus, to: SmsStatus, stamp: tuple[str, str] | None
    ) -> bool:
        actions: list[Action] = [CertificateItem.smsStatus.set(to.value)]
        if stamp:
            actions.append(getattr(CertificateItem, stamp[0]).set(stamp[1]))
        try:
            CertificateItem(hcid).update(actions=actions, condition=CertificateItem.smsStatus == want.value)
        except UpdateError as exc:
            if is_conditional_failure(exc):
                return False
            raise
        return True

    def claim_sms(self, hcid: str, now: datetime) -> bool:
        return self._transition_sms(
            hcid, SmsStatus.PENDING, SmsStatus.SENDING, ("smsClaimedAt", now.isoformat())
        )

    def release_sms(self, hcid: str) -> None:
        self._transition_sms(hcid, SmsStatus.SENDING, SmsStatus.PENDING, None)

    def sms_sent(self, hcid: str, message_id: str, now: datetime) -> None:
        CertificateItem(hcid).update(
            actions=[
                CertificateItem.smsStatus.set(SmsStatus.SENT.value),
                CertificateItem.smsSentAt.set(now.isoformat()),
                CertificateItem.smsMessageId.set(message_id),
            ],
            condition=CertificateItem.smsStatus == SmsStatus.SENDING.value,
        )


class DynamoIssuanceStore:
    """IssuanceStore on the events and certificates tables."""

    def __init__(self, events: EventLog | None = None, certificates: CertificateRepository | None = None):
        self.events = events or EventLog()
        self.certificates = certificates or CertificateRepository()

    @transient_on_aws_errors
    def load_event(self, event_id: str, revision: str) -> StoredEvent | None:
        loaded = self.events.load(event_id, revision)
        return StoredEvent(loaded[0], loaded[1]) if loaded else None

    @transient_on_aws_errors
    def claim_hcid(self, event_id: str, revision: str, candidate: str) -> str:
        return self.events.claim_hcid(event_id, revision, candidate)

    @transient_on_aws_errors
    def get_certificate(self, hcid: str) -> Certificate | None:
        return self.certificates.get(hcid)

    @transient_on_aws_errors
    def put_certificate(self, certificate: Certificate) -> bool:
        return self.certificates.put_new(certificate)

    @transient_on_aws_errors
    def claim_sms(self, hcid: str, now: datetime) -> bool:
        return self.certificates.claim_sms(hcid, now)

    @transient_on_aws_errors
    def release_sms(self, hcid: str) -> None:
        self.certificates.release_sms(hcid)

    @transient_on_aws_errors
    def sms_sent(self, hcid: str, message_id: str, now: datetime) -> None:
        self.certificates.sms_sent(hcid, message_id, now)

    @transient_on_aws_errors
    def mark_event_issued(self, event_id: str, revision: str, hcid: str, now: datetime) -> None:
        self.events.mark_issued(event_id, revision, hcid, now)
