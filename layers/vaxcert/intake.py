"""Intake: store a vaccination event durably, then queue it for issuance.

Answers fit CommCare's retry rules: a new event is "accepted", an identical re-delivery is a
"duplicate" (2xx, so CommCare stops), an edit of a known event is a "correction". Nothing is
acknowledged before it is stored; an event stored but not yet issued is queued again on every
re-delivery, so a lost queue message cannot lose a vaccination.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from vaxcert.sources.vaccination import VaccinationEvent, edit_time, is_source_edit
from vaxcert.types.events import ISSUED, REJECTED, Recorded


class IntakeStatus(StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    CORRECTION = "correction"
    STALE = "stale"  # an edit not newer than one already received for the form: nothing changes


@dataclass(frozen=True)
class IntakeResult:
    event_id: str
    status: IntakeStatus


class EventLogPort(Protocol):
    def record(self, event: VaccinationEvent, content_hash: str, now: datetime) -> Recorded: ...
    def mark_queued(self, event_id: str, revision: str, now: datetime) -> None: ...
    def revisions(self, event_id: str) -> list[str]: ...


class QueuePort(Protocol):
    def send(self, event_id: str, revision: str) -> None: ...


def content_hash(event: VaccinationEvent) -> str:
    data = event.model_dump(mode="json", by_alias=True)
    # Fields added later are left out at their defaults, so events stored before keep their hash.
    if data.get("legacy") is None:
        data.pop("legacy", None)
    if data.get("notify") is True:
        data.pop("notify", None)
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def is_stale_edit(revision: str, known: list[str]) -> bool:
    """An edit at or before the latest edit already received for the form (compared as times)."""
    if revision == "0" or revision in known:
        return False  # the original, or a re-delivery (answered "duplicate")
    edits = [t for t in (_time_or_none(r) for r in known if is_source_edit(r)) if t is not None]
    return bool(edits) and edit_time(revision) <= max(edits)


def _time_or_none(revision: str) -> datetime | None:
    try:
        return edit_time(revision)
    except ValueError:  # stored before edits were checked on arrival
        return None


def receive(event: VaccinationEvent, *, log: EventLogPort, queue: QueuePort, now: datetime) -> IntakeResult:
    # A late, older edit must not undo a newer one: refused here, so no 2xx is ever silently dropped.
    # (Two edits racing past this check are ordered again by the issue worker.)
    if event.revision != "0" and is_stale_edit(event.revision, log.revisions(event.event_id)):
        return IntakeResult(event.event_id, IntakeStatus.STALE)
    recorded = log.record(event, content_hash(event), now)
    is_edit = event.revision != "0" and recorded.original_exists
    # An edit is queued like a new event: the issue worker re-issues the event's current certificate
    # from the edited content (a correction). Re-deliveries re-queue what is not finished yet.
    if recorded.status not in (ISSUED, REJECTED):
        queue.send(event.event_id, event.revision)
        log.mark_queued(event.event_id, event.revision, now)
    if is_edit:
        status = IntakeStatus.CORRECTION if recorded.created else IntakeStatus.DUPLICATE
    else:
        status = IntakeStatus.ACCEPTED if recorded.created else IntakeStatus.DUPLICATE
    return IntakeResult(event.event_id, status)
