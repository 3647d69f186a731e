"""Certificates in DynamoDB: conditional writes make issuance and SMS exactly-once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from pynamodb.exceptions import PutError, UpdateError
from pynamodb.expressions.update import Action

from vaxcert.formats.ddcc import DdccRecord
from vaxcert.logs import get_logger
from vaxcert.sources.vaccination import VaccinationEvent
from vaxcert.store.aws import is_conditional_failure, transient_on_aws_errors
from vaxcert.store.events import EventLog
from vaxcert.store.models import CertificateItem
from vaxcert.store.stats import IssuanceMix, Stats
from vaxcert.types.certificate import Certificate, CertificateStatus, SmsSlot, SmsStatus
from vaxcert.types.ports import StoredEvent

logger = get_logger()


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
        shc=c.shc,
        record=c.record.model_dump(mode="json"),
        smsStatus=c.sms_status.value,
        supersedes=c.supersedes,
        supersededBy=c.superseded_by,
        revokedAt=c.revoked_at.isoformat() if c.revoked_at else None,
        revocationReason=c.revocation_reason,
        revocationList=REVOKED_PARTITION if c.status is not CertificateStatus.VALID else None,
        legacyId=c.legacy_id,
        caseKey=c.case_key,
        identityKey=c.identity_key,
        noticeStatus=c.notice_status.value if c.notice_status is not SmsStatus.NONE else None,
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
        shc=item.shc,
        kid=item.kid,
        issued_at=datetime.fromisoformat(item.issuedAt),
        expires_at=datetime.fromisoformat(item.expiresAt),
        sms_status=SmsStatus(item.smsStatus),
        sms_claimed_at=datetime.fromisoformat(item.smsClaimedAt) if item.smsClaimedAt else None,
        supersedes=item.supersedes,
        superseded_by=item.supersededBy,
        revoked_at=datetime.fromisoformat(item.revokedAt) if item.revokedAt else None,
        revocation_reason=item.revocationReason,
        legacy_id=item.legacyId,
        case_key=item.caseKey,
        identity_key=item.identityKey,
        notice_status=SmsStatus(item.noticeStatus) if item.noticeStatus else SmsStatus.NONE,
        notice_claimed_at=datetime.fromisoformat(item.noticeClaimedAt) if item.noticeClaimedAt else None,
    )


# The one partition of the sparse ByRevocation index (revocations are rare: one partition is plenty).
REVOKED_PARTITION = "revoked"


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

    def by_person_key(self, key: str, limit: int = 50) -> list[Certificate]:
        """Certificates carrying this person link key (a case key or an identity key), at most `limit`."""
        index = CertificateItem.by_case if key.startswith("case:") else CertificateItem.by_identity
        return [from_item(i) for i in index.query(key, limit=limit)]

    def for_event(self, event_id: str) -> list[Certificate]:
        """Every version issued for one vaccination event (a correction chain), oldest first."""
        return [from_item(i) for i in CertificateItem.by_event.query(event_id, scan_index_forward=True)]

    def latest_for_event(self, event_id: str) -> Certificate | None:
        items = list(CertificateItem.by_event.query(event_id, scan_index_forward=False, limit=1))
        return from_item(items[0]) if items else None

    def by_legacy_id(self, legacy_id: str) -> list[Certificate]:
        """Migrated certificates (every version) carrying another system's certificate id."""
        return [from_item(i) for i in CertificateItem.by_legacy_id.query(legacy_id)]

    def revoked_ucis(self) -> list[str]:
        """UCIs of every REVOKED or SUPERSEDED certificate, from the sparse index (no table scan)."""
        return [
            i.uci for i in CertificateItem.by_revocation.query(REVOKED_PARTITION, attributes_to_get=["uci"])
        ]

    def revoked_legacy_ids(self) -> list[str]:
        """Legacy (DIVOC) certificate ids of every REVOKED or SUPERSEDED migrated certificate."""
        items = CertificateItem.by_revocation.query(REVOKED_PARTITION, attributes_to_get=["legacyId"])
        return [i.legacyId for i in items if i.legacyId]

    def revoked_cards(self) -> list[tuple[str, str, str]]:
        """(hcid, HC1 kid, status) of every REVOKED or SUPERSEDED certificate: the SMART Health Card CRLs."""
        items = CertificateItem.by_revocation.query(
            REVOKED_PARTITION, attributes_to_get=["hcid", "kid", "status"]
        )
        return [(i.hcid, i.kid, i.status) for i in items]

    def without_card(self) -> Iterator[Certificate]:
        """Certificates issued before SMART Health Cards existed (a scan: for the one-off backfill)."""
        for item in CertificateItem.scan(CertificateItem.shc.does_not_exist()):
            yield from_item(item)

    def add_card(self, hcid: str, jws: str) -> bool:
        """Attach a SMART Health Card unless the certificate has one (conditional: never two cards)."""
        try:
            CertificateItem(hcid).update(
                actions=[CertificateItem.shc.set(jws)],
                condition=CertificateItem.hcid.exists() & CertificateItem.shc.does_not_exist(),
            )
        except UpdateError as exc:
            if is_conditional_failure(exc):
                return False
            raise
        return True

    def claim_supersession(self, old_hcid: str, new_hcid: str) -> bool:
        """Reserve a VALID, unclaimed certificate for replacement by `new_hcid` (idempotent for it)."""
        try:
            CertificateItem(old_hcid).update(
                actions=[CertificateItem.supersededBy.set(new_hcid)],
                condition=(CertificateItem.supersededBy == new_hcid)
                | (
                    (CertificateItem.status == CertificateStatus.VALID.value)
                    & CertificateItem.supersededBy.does_not_exist()
                ),
            )
        except UpdateError as exc:
            if is_conditional_failure(exc):
                return False
            raise
        return True

    def mark_superseded(self, old_hcid: str, new_hcid: str, now: datetime, notify: bool = False) -> bool:
        """VALID -> SUPERSEDED; `notify`: its number is owed the notice SMS (set in the same write)."""
        return self._revoke_if_valid(
            old_hcid,
            CertificateStatus.SUPERSEDED,
            now,
            [CertificateItem.revocationReason.set(f"superseded by {new_hcid}"), *_notice_owed(notify)],
            CertificateItem.supersededBy == new_hcid,
        )

    def revoke(self, hcid: str, reason: str, now: datetime, notify: bool = False) -> bool:
        return self._revoke_if_valid(
            hcid,
            CertificateStatus.REVOKED,
            now,
            [CertificateItem.revocationReason.set(reason), *_notice_owed(notify)],
            None,
        )

    def _revoke_if_valid(
        self, hcid: str, status: CertificateStatus, now: datetime, extra: list[Action], condition: Any
    ) -> bool:
        wanted = (CertificateItem.status == CertificateStatus.VALID.value) & CertificateItem.hcid.exists()
        try:
            CertificateItem(hcid).update(
                actions=[
                    CertificateItem.status.set(status.value),
                    CertificateItem.revokedAt.set(now.isoformat()),
                    CertificateItem.revocationList.set(REVOKED_PARTITION),
                    *extra,
                ],
                condition=wanted if condition is None else wanted & condition,
            )
        except UpdateError as exc:
            if is_conditional_failure(exc):
                return False
            raise
        return True

    def _transition_sms(
        self, hcid: str, want: SmsStatus, to: SmsStatus, slot: SmsSlot = SmsSlot.ISSUE
    ) -> bool:
        try:
            CertificateItem(hcid).update(
                actions=[_sms_attr(slot, "Status").set(to.value)],
                condition=_sms_attr(slot, "Status") == want.value,
            )
        except UpdateError as exc:
            if is_conditional_failure(exc):
                return False
            raise
        return True

    def claim_sms(self, hcid: str, now: datetime, token: str, slot: SmsSlot = SmsSlot.ISSUE) -> bool:
        status, claim = _sms_attr(slot, "Status"), _sms_attr(slot, "Claim")
        try:
            CertificateItem(hcid).update(
                actions=[
                    status.set(SmsStatus.SENDING.value),
                    _sms_attr(slot, "ClaimedAt").set(now.isoformat()),
                    claim.set(token),
                ],
                condition=status == SmsStatus.PENDING.value,
            )
        except UpdateError as exc:
            # Taken by someone, or unknown (the reply was lost, maybe after our write landed, and
            # the SDK's retry was refused or failed too): the stored token says whose claim it is.
            item = CertificateItem.get(
                hcid, consistent_read=True, attributes_to_get=[status.attr_name, claim.attr_name]
            )
            ours = (
                getattr(item, status.attr_name) == SmsStatus.SENDING.value
                and getattr(item, claim.attr_name) == token
            )
            if not ours and not is_conditional_failure(exc):
                raise
            return ours
        return True

    def release_sms(self, hcid: str, slot: SmsSlot = SmsSlot.ISSUE) -> None:
        self._transition_sms(hcid, SmsStatus.SENDING, SmsStatus.PENDING, slot)

    def sms_sent(self, hcid: str, message_id: str, now: datetime, slot: SmsSlot = SmsSlot.ISSUE) -> None:
        message = _sms_attr(slot, "MessageId")
        try:
            CertificateItem(hcid).update(
                actions=[
                    _sms_attr(slot, "Status").set(SmsStatus.SENT.value),
                    _sms_attr(slot, "SentAt").set(now.isoformat()),
                    message.set(message_id),
                ],
                condition=_sms_attr(slot, "Status") == SmsStatus.SENDING.value,
            )
        except UpdateError:
            # Already SENT with this message: our own write landed and its reply was lost.
            item = CertificateItem.get(hcid, consistent_read=True, attributes_to_get=[message.attr_name])
            if getattr(item, message.attr_name) != message_id:
                raise

    def sms_unconfirmed(self, hcid: str, claimed_at: datetime, slot: SmsSlot = SmsSlot.ISSUE) -> None:
        try:
            CertificateItem(hcid).update(
                actions=[_sms_attr(slot, "Status").set(SmsStatus.UNCONFIRMED.value)],
                condition=(_sms_attr(slot, "Status") == SmsStatus.SENDING.value)
                & (_sms_attr(slot, "ClaimedAt") == claimed_at.isoformat()),
            )
        except UpdateError as exc:
            if not is_conditional_failure(exc):
                raise


def _sms_attr(slot: SmsSlot, suffix: str) -> Any:
    """The attribute of one SMS slot: smsStatus, noticeClaimedAt, ..."""
    return getattr(CertificateItem, f"{slot.value}{suffix}")


def _notice_owed(notify: bool) -> list[Action]:
    return [CertificateItem.noticeStatus.set(SmsStatus.PENDING.value)] if notify else []


class DynamoIssuanceStore:
    """IssuanceStore on the events and certificates tables."""

    def __init__(
        self,
        events: EventLog | None = None,
        certificates: CertificateRepository | None = None,
        stats: Stats | None = None,
        mix: IssuanceMix | None = None,
    ):
        self.events = events or EventLog()
        self.certificates = certificates or CertificateRepository()
        self.stats = stats or Stats()
        self.mix = mix or IssuanceMix()

    @transient_on_aws_errors
    def load_event(self, event_id: str, revision: str) -> StoredEvent | None:
        return self.events.load_stored(event_id, revision)

    @transient_on_aws_errors
    def claim_hcid(self, event_id: str, revision: str, candidate: str) -> str:
        return self.events.claim_hcid(event_id, revision, candidate)

    @transient_on_aws_errors
    def get_certificate(self, hcid: str) -> Certificate | None:
        return self.certificates.get(hcid)

    @transient_on_aws_errors
    def put_certificate(self, certificate: Certificate) -> bool:
        stored = self.certificates.put_new(certificate)
        if stored:
            # An SMS is expected only when one will be sent (not for a migration without --notify).
            self.stats.issued(certificate.issued_at.date(), certificate.sms_status is SmsStatus.PENDING)
            vaccination = certificate.record.vaccination
            self.mix.issued(
                certificate.issued_at.date(),
                centre=vaccination.centre,
                vaccine=certificate.vaccine_key,
                dose=vaccination.dose,
            )
        return stored

    @transient_on_aws_errors
    def claim_sms(self, hcid: str, now: datetime, token: str, slot: SmsSlot = SmsSlot.ISSUE) -> bool:
        return self.certificates.claim_sms(hcid, now, token, slot)

    @transient_on_aws_errors
    def sms_unconfirmed(self, hcid: str, claimed_at: datetime, slot: SmsSlot = SmsSlot.ISSUE) -> None:
        self.certificates.sms_unconfirmed(hcid, claimed_at, slot)

    @transient_on_aws_errors
    def release_sms(self, hcid: str, slot: SmsSlot = SmsSlot.ISSUE) -> None:
        self.certificates.release_sms(hcid, slot)
        if slot is SmsSlot.ISSUE:  # the dashboard's SMS figures are the certificates' own
            self.stats.sms_failed()  # released only after a failed send

    @transient_on_aws_errors
    def sms_sent(self, hcid: str, message_id: str, now: datetime, slot: SmsSlot = SmsSlot.ISSUE) -> None:
        self.certificates.sms_sent(hcid, message_id, now, slot)
        if slot is SmsSlot.ISSUE:
            self.stats.sms_sent()
            self._count_delay(hcid, now)

    def _count_delay(self, hcid: str, now: datetime) -> None:
        """Form received -> SMS accepted, for the dashboard; never fails the send it measures."""
        try:
            certificate = self.certificates.get(hcid)
            received = certificate and self.events.received_at(certificate.event_id, certificate.revision)
            if received:
                self.mix.sms_delay(now.date(), (now - received).total_seconds())
        except Exception as exc:
            logger.warning("issuance delay not counted", extra={"error_type": type(exc).__name__})

    @transient_on_aws_errors
    def mark_event_issued(self, event_id: str, revision: str, hcid: str, now: datetime) -> None:
        self.events.mark_issued(event_id, revision, hcid, now)

    @transient_on_aws_errors
    def latest_certificate(self, event_id: str) -> Certificate | None:
        return self.certificates.latest_for_event(event_id)

    @transient_on_aws_errors
    def attach_correction(
        self,
        event_id: str,
        revision: str,
        supersedes: str,
        version: int,
        *,
        applied: VaccinationEvent | None = None,
        conflicts: tuple[str, ...] = (),
    ) -> StoredEvent:
        return self.events.attach_correction(
            event_id, revision, supersedes, version, applied=applied, conflicts=conflicts
        )

    def count_edit_conflict(self) -> None:
        self.stats.edit_conflict()

    @transient_on_aws_errors
    def claim_supersession(self, old_hcid: str, new_hcid: str) -> bool:
        return self.certificates.claim_supersession(old_hcid, new_hcid)

    @transient_on_aws_errors
    def mark_superseded(self, old_hcid: str, new_hcid: str, now: datetime, notify: bool = False) -> bool:
        changed = self.certificates.mark_superseded(old_hcid, new_hcid, now, notify)
        if changed:
            self.stats.superseded()
        return changed

    @transient_on_aws_errors
    def reject_event(self, event_id: str, revision: str, reason: str) -> None:
        self.events.reject(event_id, revision, reason)
