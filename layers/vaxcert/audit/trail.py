"""The audit trail: who saw, searched or printed which certificate, when and from where.

Entries are only ever appended. Actors: staff by their Cognito username; citizens by
`citizen:<ref>` (a keyed hash of the mobile number, see citizen.otp.OtpHasher) with the masked
number as a label, so the trail can be searched by number (admins pass the number, the revoke
function hashes it) without holding the number itself. Staff searches store the query as typed,
normalised (mobile E.164, dob, name prefix): an audit trail that cannot say what was searched cannot
answer "who looked me up?". The table is encrypted with the data key and only ministry admins can
read it (GET /v1/admin/audit); nothing from it is logged.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from vaxcert.errors import Conflict
from vaxcert.types.audit import SEARCH_ACTIONS, Action, Actor, AuditEntry, Outcome, RequestInfo

MAX_USER_AGENT = 256
# A GSI key (hcid) must stay under 2 KB; the query a caller typed is kept readable, not verbatim.
MAX_HCID = 64
MAX_QUERY_FIELDS = 20
MAX_QUERY_VALUE = 200


class AuditStore(Protocol):
    def append(self, entry: AuditEntry) -> None:
        """Write once; raises errors.Conflict when that entry id exists."""
        ...

    def by_hcid(self, hcid: str, limit: int) -> list[AuditEntry]: ...

    def by_actor(self, actor: str, limit: int) -> list[AuditEntry]: ...

    def append_index(self, entry: AuditEntry, keys: Sequence[str]) -> None:
        """One index item per key, each findable by `by_index_key` (idempotent per entry and key)."""
        ...

    def by_index_key(self, key: str, limit: int) -> list[AuditEntry]: ...


def hcid_index_key(hcid: str) -> str:
    return f"hcid#{hcid}"


def mobile_index_key(mobile_ref: str) -> str:
    """A searched number is indexed by its keyed hash (citizen.otp.OtpHasher.ref), never in clear."""
    return f"mobile#{mobile_ref}"


def _bounded(query: dict[str, Any] | None) -> dict[str, Any] | None:
    """What a caller typed, kept to a readable size: a request can carry 100 KB of junk, an audit
    entry (and DynamoDB's 400 KB item limit) should not."""
    if query is None:
        return None
    bounded: dict[str, Any] = {}
    for key, value in list(query.items())[:MAX_QUERY_FIELDS]:
        if isinstance(value, str):
            value = value[:MAX_QUERY_VALUE]
        elif isinstance(value, list):
            value = [str(v)[:MAX_QUERY_VALUE] for v in value[:MAX_QUERY_FIELDS]]
        elif not isinstance(value, int | float | bool) and value is not None:
            value = str(value)[:MAX_QUERY_VALUE]
        bounded[str(key)[:MAX_QUERY_VALUE]] = value
    return bounded


@dataclass
class AuditTrail:
    store: AuditStore
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    # Keyed hash of an E.164 number (the OTP pepper's HMAC): searched numbers are indexed by it.
    mobile_ref: Callable[[str], str] | None = None

    def record(
        self,
        actor: Actor,
        action: Action,
        request: RequestInfo,
        *,
        outcome: Outcome = Outcome.OK,
        hcid: str | None = None,
        query: dict[str, Any] | None = None,
        result_hcids: Sequence[str] | None = None,
    ) -> AuditEntry:
        """Append one entry. Failures propagate: what cannot be audited is not served."""
        entry = self._entry(uuid.uuid4().hex, actor, action, request, outcome, hcid, query, result_hcids)
        self._append(entry)
        return entry

    def record_once(
        self,
        key: str,
        actor: Actor,
        action: Action,
        *,
        hcid: str,
        query: dict[str, Any] | None = None,
        result_hcids: Sequence[str] | None = None,
        outcome: Outcome = Outcome.OK,
    ) -> bool:
        """Append the entry named by `key` unless it exists (a retried worker step): True if written."""
        entry_id = hashlib.sha256(f"{action.value}\n{key}".encode()).hexdigest()[:32]
        entry = self._entry(
            entry_id, actor, action, RequestInfo(None, None), outcome, hcid, query, result_hcids
        )
        try:
            self._append(entry)
        except Conflict:
            return False
        return True

    def _entry(
        self,
        entry_id: str,
        actor: Actor,
        action: Action,
        request: RequestInfo,
        outcome: Outcome,
        hcid: str | None,
        query: dict[str, Any] | None,
        result_hcids: Sequence[str] | None,
    ) -> AuditEntry:
        return AuditEntry(
            entry_id=entry_id,
            at=self.clock(),
            actor=actor.id,
            actor_label=actor.label,
            role=actor.role,
            action=action,
            outcome=outcome,
            hcid=hcid[:MAX_HCID] if hcid else None,
            query=_bounded(query),
            result_hcids=list(result_hcids) if result_hcids is not None else None,
            source_ip=request.source_ip,
            user_agent=(request.user_agent or "")[:MAX_USER_AGENT] or None,
        )

    def _append(self, entry: AuditEntry) -> None:
        # The index first, the entry last: a crash in between leaves index items a retry rewrites
        # (or that point at nothing), never an entry missing from "who saw X?".
        keys = self.index_keys(entry)
        if keys:
            self.store.append_index(entry, keys)
        self.store.append(entry)

    def index_keys(self, entry: AuditEntry) -> list[str]:
        """One key per HCID the entry disclosed or changed, and one per number it searched for. The
        entry's own `hcid` needs none: the ByHcid index finds it (`disclosing` asks both)."""
        others = dict.fromkeys(h for h in entry.result_hcids or [] if h and h != entry.hcid)
        keys = [hcid_index_key(h) for h in others]
        mobile = (entry.query or {}).get("mobile") if entry.action in SEARCH_ACTIONS else None
        if isinstance(mobile, str) and mobile.startswith("+") and self.mobile_ref is not None:
            keys.append(mobile_index_key(self.mobile_ref(mobile)))
        return keys

    def disclosing(self, hcid: str, limit: int = 100) -> list[AuditEntry]:
        """Every entry that disclosed or changed `hcid`, newest first: the entries about it (ByHcid,
        also those written before the index existed) and those whose results included it."""
        return _newest(
            [*self.store.by_index_key(hcid_index_key(hcid), limit), *self.store.by_hcid(hcid, limit)], limit
        )

    def about_mobile(self, mobile_ref: str, limit: int = 100) -> list[AuditEntry]:
        """The citizen's own actions (actor `citizen:<ref>`) and every search for their number."""
        return _newest(
            [
                *self.store.by_actor(f"citizen:{mobile_ref}", limit),
                *self.store.by_index_key(mobile_index_key(mobile_ref), limit),
            ],
            limit,
        )

    def find(
        self, *, hcid: str | None = None, actor: str | None = None, limit: int = 100
    ) -> list[AuditEntry]:
        """Newest first."""
        if hcid:
            return self.disclosing(hcid, limit)
        if actor:
            return self.store.by_actor(actor, limit)
        raise ValueError("hcid or actor is required")


def _newest(entries: list[AuditEntry], limit: int) -> list[AuditEntry]:
    unique = {e.entry_id: e for e in entries}
    return sorted(unique.values(), key=lambda e: (e.at, e.entry_id), reverse=True)[:limit]
