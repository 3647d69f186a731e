"""The audit index: one item per disclosed HCID and per searched number, so "who saw X?" is a query."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from vaxcert.audit.trail import AuditTrail
from vaxcert.types.audit import Action, Actor, AuditEntry, RequestInfo, Role


class MemoryStore:
    """The AuditStore contract in memory: entries by id, index items by key."""

    def __init__(self) -> None:
        self.entries: dict[str, AuditEntry] = {}
        self.index: dict[str, list[AuditEntry]] = {}

    def append(self, entry: AuditEntry) -> None:
        from vaxcert.errors import Conflict

        if entry.entry_id in self.entries:
            raise Conflict("exists")
        self.entries[entry.entry_id] = entry

    def append_index(self, entry: AuditEntry, keys: Sequence[str]) -> None:
        for key in keys:
            items = self.index.setdefault(key, [])
            if entry.entry_id not in [e.entry_id for e in items]:
                items.append(entry)

    def by_index_key(self, key: str, limit: int) -> list[AuditEntry]:
        return sorted(self.index.get(key, []), key=lambda e: e.at, reverse=True)[:limit]

    def by_hcid(self, hcid: str, limit: int) -> list[AuditEntry]:
        found = [e for e in self.entries.values() if e.hcid == hcid]
        return sorted(found, key=lambda e: e.at, reverse=True)[:limit]

    def by_actor(self, actor: str, limit: int) -> list[AuditEntry]:
        found = [e for e in self.entries.values() if e.actor == actor]
        return sorted(found, key=lambda e: e.at, reverse=True)[:limit]


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


REQUEST = RequestInfo("192.0.2.1", "test")
NURSE = Actor("nurse.one", Role.STAFF)


def trail() -> tuple[AuditTrail, MemoryStore]:
    store = MemoryStore()
    return AuditTrail(store, clock=Clock(), mobile_ref=lambda e164: f"ref({e164[-4:]})"), store


def test_a_search_is_found_by_every_hcid_it_showed_and_by_the_number_searched() -> None:
    audit, store = trail()
    search = audit.record(
        NURSE, Action.STAFF_SEARCH, REQUEST, query={"mobile": "+18765550123"}, result_hcids=["A", "B"]
    )
    printed = audit.record(NURSE, Action.STAFF_PRINT, REQUEST, hcid="A", result_hcids=["A", "C"])
    assert [e.entry_id for e in audit.disclosing("A")] == [printed.entry_id, search.entry_id]
    assert [e.entry_id for e in audit.disclosing("C")] == [printed.entry_id]  # a merged dose on the PDF
    assert [e.entry_id for e in audit.disclosing("B")] == [search.entry_id]
    assert [e.entry_id for e in audit.about_mobile("ref(0123)")] == [search.entry_id]
    # The number is indexed by its keyed hash only, and the entry's own hcid needs no index item.
    assert set(store.index) == {"hcid#A", "hcid#B", "hcid#C", "mobile#ref(0123)"}
    assert [e.entry_id for e in store.index["hcid#A"]] == [search.entry_id]


def test_only_searches_index_a_number_and_citizens_are_found_by_actor() -> None:
    audit, _ = trail()
    audit.record(
        Actor("admin.one", Role.ADMIN), Action.ADMIN_AUDIT, REQUEST, query={"mobile": "+18765550123"}
    )
    own = audit.record(
        Actor("citizen:ref(0123)", Role.CITIZEN), Action.CITIZEN_LIST, REQUEST, result_hcids=["A"]
    )
    assert [e.entry_id for e in audit.about_mobile("ref(0123)")] == [own.entry_id]


def test_record_once_writes_one_entry_however_often_retried() -> None:
    audit, store = trail()
    worker = Actor("source:commcare", Role.SYSTEM)
    assert audit.record_once("H1", worker, Action.INGEST_EDIT, hcid="H1", result_hcids=["H1", "H0"])
    assert not audit.record_once("H1", worker, Action.INGEST_EDIT, hcid="H1", result_hcids=["H1", "H0"])
    assert audit.record_once("H1", worker, Action.INGEST_EDIT_CONFLICT, hcid="H1")
    assert len(store.entries) == 2
    assert [e.action for e in audit.disclosing("H0")] == [Action.INGEST_EDIT]
