"""The event log: every vaccination event delivery, stored before anyone is told "accepted"."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.exceptions import PutError, UpdateError

from vaxcert.sources.vaccination import VaccinationEvent
from vaxcert.store.aws import is_conditional_failure
from vaxcert.store.models import EventItem
from vaxcert.types.events import ISSUED, QUEUED, RECEIVED, REJECTED, Recorded
from vaxcert.types.ports import StoredEvent


class EventLog:
    @staticmethod
    def _new_item(event: VaccinationEvent, content_hash: str, now: datetime, **extra: Any) -> EventItem:
        return EventItem(
            event.event_id,
            event.revision,
            source=event.source,
            contentHash=content_hash,
            event=event.model_dump(mode="json", by_alias=True),
            receivedAt=now.isoformat(),
            status=RECEIVED,
            **extra,
        )

    def record(self, event: VaccinationEvent, content_hash: str, now: datetime) -> Recorded:
        item = self._new_item(event, content_hash, now)
        try:
            item.save(condition=EventItem.eventId.does_not_exist())
        except PutError as exc:
            if not is_conditional_failure(exc):
                raise
            existing = EventItem.get(event.event_id, event.revision, consistent_read=True)
            existing.update(actions=[EventItem.deliveries.add(1)])
            return Recorded(False, existing.contentHash, existing.status, True)
        original = event.revision == "0" or self.exists(event.event_id, "0")
        return Recorded(True, content_hash, RECEIVED, original)

    def revisions(self, event_id: str) -> list[str]:
        """Every revision stored for one event (its original, edits and admin corrections)."""
        return [
            i.revision
            for i in EventItem.query(event_id, consistent_read=True, attributes_to_get=["revision"])
        ]

    def exists(self, event_id: str, revision: str) -> bool:
        try:
            EventItem.get(event_id, revision, consistent_read=True, attributes_to_get=["eventId"])
        except EventItem.DoesNotExist:
            return False
        return True

    def mark_queued(self, event_id: str, revision: str, now: datetime) -> None:
        # Never move an issued event back to QUEUED.
        try:
            EventItem(event_id, revision).update(
                actions=[EventItem.status.set(QUEUED), EventItem.queuedAt.set(now.isoformat())],
                condition=EventItem.status != ISSUED,
            )
        except UpdateError as exc:
            if not is_conditional_failure(exc):
                raise

    def claim_hcid(self, event_id: str, revision: str, candidate: str) -> str:
        try:
            EventItem(event_id, revision).update(
                actions=[EventItem.hcid.set(candidate)],
                condition=EventItem.eventId.exists() & EventItem.hcid.does_not_exist(),
            )
            return candidate
        except UpdateError as exc:
            if not is_conditional_failure(exc):
                raise
        item = EventItem.get(event_id, revision, consistent_read=True)
        if item.hcid is None:
            raise LookupError("event vanished while claiming its HCID")
        return item.hcid

    def mark_issued(self, event_id: str, revision: str, hcid: str, now: datetime) -> None:
        EventItem(event_id, revision).update(
            actions=[EventItem.status.set(ISSUED), EventItem.issuedAt.set(now.isoformat())],
            condition=EventItem.hcid == hcid,
        )

    def received_at(self, event_id: str, revision: str) -> datetime | None:
        """When the form (or correction) of this revision first arrived."""
        try:
            item = EventItem.get(event_id, revision, attributes_to_get=["receivedAt"])
        except EventItem.DoesNotExist:
            return None
        return datetime.fromisoformat(item.receivedAt)

    def load(self, event_id: str, revision: str) -> tuple[VaccinationEvent, str | None] | None:
        try:
            item = EventItem.get(event_id, revision, consistent_read=True)
        except EventItem.DoesNotExist:
            return None
        return VaccinationEvent.model_validate(item.event), item.hcid

    def load_stored(self, event_id: str, revision: str) -> StoredEvent | None:
        try:
            item = EventItem.get(event_id, revision, consistent_read=True)
        except EventItem.DoesNotExist:
            return None
        return _stored(item)

    def record_correction(
        self,
        event: VaccinationEvent,
        content_hash: str,
        *,
        hcid: str,
        supersedes: str,
        version: int,
        reason: str,
        now: datetime,
    ) -> None:
        """An admin correction: a new revision with its HCID claimed up front (the answer names it)."""
        self._new_item(
            event,
            content_hash,
            now,
            hcid=hcid,
            supersedes=supersedes,
            version=version,
            correctionReason=reason,
        ).save(condition=EventItem.eventId.does_not_exist())

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
        actions: list[Any] = [EventItem.supersedes.set(supersedes), EventItem.version.set(version)]
        if applied is not None:
            sent = self.load_stored(event_id, revision)
            if sent is not None and sent.supersedes is None and sent.event != applied:
                actions += [
                    EventItem.event.set(applied.model_dump(mode="json", by_alias=True)),
                    EventItem.form.set(sent.event.model_dump(mode="json", by_alias=True)),
                ]
            if conflicts:
                actions.append(EventItem.editConflicts.set(list(conflicts)))
        try:
            EventItem(event_id, revision).update(
                actions=actions,
                condition=EventItem.eventId.exists() & EventItem.supersedes.does_not_exist(),
            )
        except UpdateError as exc:
            if not is_conditional_failure(exc):
                raise
        stored = self.load_stored(event_id, revision)
        if stored is None:
            raise LookupError("event vanished while attaching its correction")
        return stored

    def reject(self, event_id: str, revision: str, reason: str) -> None:
        EventItem(event_id, revision).update(
            actions=[EventItem.status.set(REJECTED), EventItem.rejectedReason.set(reason)],
            condition=EventItem.status != ISSUED,
        )


def _stored(item: EventItem) -> StoredEvent:
    return StoredEvent(
        VaccinationEvent.model_validate(item.event),
        item.hcid,
        supersedes=item.supersedes,
        version=int(item.version) if item.version is not None else None,
        form=VaccinationEvent.model_validate(item.form) if item.form else None,
        conflicts=tuple(item.editConflicts or ()),
    )
