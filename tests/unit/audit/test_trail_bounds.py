"""An audit entry keeps what a caller asked for, but not 100 KB of it."""

from __future__ import annotations

from vaxcert.audit.trail import MAX_HCID, MAX_QUERY_VALUE, AuditTrail
from vaxcert.types.audit import Action, Actor, AuditEntry, RequestInfo, Role


class MemoryStore:
    def __init__(self) -> None:
        self.entries: list[AuditEntry] = []

    def append(self, entry: AuditEntry) -> None:
        self.entries.append(entry)

    def by_hcid(self, hcid: str, limit: int) -> list[AuditEntry]:
        return []

    def by_actor(self, actor: str, limit: int) -> list[AuditEntry]:
        return []

    def append_index(self, entry: AuditEntry, keys: object) -> None:
        pass

    def by_index_key(self, key: str, limit: int) -> list[AuditEntry]:
        return []


def test_huge_query_values_and_hcids_are_cut_to_a_readable_size() -> None:
    store = MemoryStore()
    trail = AuditTrail(store)
    entry = trail.record(
        Actor("staff:nurse", Role.STAFF),
        Action.STAFF_SEARCH,
        RequestInfo("192.0.2.1", "x" * 10_000),
        hcid="H" * 5000,
        query={"name": "李" * 100_000, "dob": "1984-03-07", "n": 3, "many": ["a" * 1000] * 50},
    )
    assert entry.hcid is not None and len(entry.hcid) == MAX_HCID
    assert entry.query is not None
    assert len(entry.query["name"]) == MAX_QUERY_VALUE
    assert entry.query["dob"] == "1984-03-07" and entry.query["n"] == 3
    assert all(len(v) <= MAX_QUERY_VALUE for v in entry.query["many"])
    assert store.entries == [entry]
