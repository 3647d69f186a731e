"""Audit table: append-only (conditional put on a fresh id), queried through ByHcid / ByActor."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import PutError

from vaxcert.errors import Conflict
from vaxcert.store.aws import is_conditional_failure, transient_on_aws_errors
from vaxcert.store.models import AuditIndexItem, AuditItem
from vaxcert.types.audit import Action, AuditEntry, Outcome, Role


def _item(entry: AuditEntry) -> AuditItem:
    return AuditItem(
        entry.entry_id,
        at=entry.at.isoformat(timespec="microseconds"),
        actor=entry.actor,
        actorLabel=entry.actor_label,
        role=entry.role.value,
        action=entry.action.value,
        outcome=entry.outcome.value,
        hcid=entry.hcid,
        searchQuery=entry.query,
        resultHcids=entry.result_hcids,
        sourceIp=entry.source_ip,
        userAgent=entry.user_agent,
        day=audit_day(entry.at),
    )


def audit_day(at: datetime) -> str:
    """The ByDay partition of an entry: its UTC date."""
    return at.astimezone(UTC).date().isoformat()


def _entry(item: AuditItem) -> AuditEntry:
    return AuditEntry(
        entry_id=item.entryId,
        at=datetime.fromisoformat(item.at),
        actor=item.actor,
        actor_label=item.actorLabel,
        role=Role(item.role),
        action=Action(item.action),
        outcome=Outcome(item.outcome),
        hcid=item.hcid,
        query=item.searchQuery,
        result_hcids=item.resultHcids,
        source_ip=item.sourceIp,
        user_agent=item.userAgent,
    )


def _index_item(entry: AuditEntry, key: str) -> AuditIndexItem:
    return AuditIndexItem(
        f"{entry.entry_id}#{hashlib.sha256(key.encode()).hexdigest()[:16]}",
        indexKey=key,
        at=entry.at.isoformat(timespec="microseconds"),
        indexOf=entry.entry_id,
        entry=_as_stored(entry),
    )


def _as_stored(entry: AuditEntry) -> dict[str, Any]:
    return {
        "at": entry.at.isoformat(timespec="microseconds"),
        "actor": entry.actor,
        "actorLabel": entry.actor_label,
        "role": entry.role.value,
        "action": entry.action.value,
        "outcome": entry.outcome.value,
        "hcid": entry.hcid,
        "query": entry.query,
        "resultHcids": entry.result_hcids,
        "sourceIp": entry.source_ip,
        "userAgent": entry.user_agent,
    }


def _from_index(item: AuditIndexItem) -> AuditEntry:
    e = item.entry
    return AuditEntry(
        entry_id=item.indexOf,
        at=datetime.fromisoformat(e["at"]),
        actor=e["actor"],
        actor_label=e.get("actorLabel"),
        role=Role(e["role"]),
        action=Action(e["action"]),
        outcome=Outcome(e["outcome"]),
        hcid=e.get("hcid"),
        query=e.get("query"),
        result_hcids=e.get("resultHcids"),
        source_ip=e.get("sourceIp"),
        user_agent=e.get("userAgent"),
    )


class DynamoAuditStore:
    @transient_on_aws_errors
    def append(self, entry: AuditEntry) -> None:
        try:
            _item(entry).save(condition=AuditItem.entryId.does_not_exist())
        except PutError as exc:
            if is_conditional_failure(exc):  # a 128-bit id collision: never overwrite an entry
                raise Conflict("audit entry id already used") from exc
            raise

    @transient_on_aws_errors
    def by_hcid(self, hcid: str, limit: int) -> list[AuditEntry]:
        return _entries(AuditItem.by_hcid.query(hcid, scan_index_forward=False, limit=limit))

    @transient_on_aws_errors
    def by_actor(self, actor: str, limit: int) -> list[AuditEntry]:
        return _entries(AuditItem.by_actor.query(actor, scan_index_forward=False, limit=limit))

    @transient_on_aws_errors
    def append_index(self, entry: AuditEntry, keys: Sequence[str]) -> None:
        for key in keys:
            try:
                _index_item(entry, key).save(condition=AuditIndexItem.entryId.does_not_exist())
            except PutError as exc:
                if not is_conditional_failure(exc):  # written by an earlier attempt: done
                    raise

    @transient_on_aws_errors
    def by_index_key(self, key: str, limit: int) -> list[AuditEntry]:
        items = AuditIndexItem.by_index_key.query(key, scan_index_forward=False, limit=limit)
        return [_from_index(i) for i in items]

    @transient_on_aws_errors
    def by_day(
        self,
        day: str,
        start: datetime,
        end: datetime,
        action: str | None,
        limit: int,
        after: dict[str, Any] | None,
    ) -> tuple[list[AuditEntry], dict[str, Any] | None]:
        """One ByDay partition, newest first (vaxcert.audit.browse.AuditDayStore)."""
        results = AuditItem.by_day.query(
            day,
            AuditItem.at.between(_at(start), _at(end)),
            filter_condition=(AuditItem.action == action) if action else None,
            scan_index_forward=False,
            limit=limit,
            last_evaluated_key={k: {"S": v} for k, v in after.items()} if after else None,
        )
        entries = _entries(results)
        last = results.last_evaluated_key
        return entries, ({k: str(v["S"]) for k, v in last.items()} if last else None)


def _at(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _entries(items: Iterable[AuditItem]) -> list[AuditEntry]:
    return [_entry(i) for i in items]
