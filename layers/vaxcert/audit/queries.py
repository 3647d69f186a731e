"""The admin's questions to the audit trail, each itself audited before anything is read: entries
about one certificate, actor or mobile number; entries by time (pages); an export of a range."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vaxcert.audit.browse import AuditDayStore, AuditRange, Cursor, browse, export_rows
from vaxcert.audit.trail import AuditTrail
from vaxcert.types.audit import Action, Actor, AuditEntry, RequestInfo

MAX_HCID = 64


@dataclass(frozen=True)
class AuditSubject:
    """Exactly one of: a certificate, an actor, a mobile number (E.164)."""

    hcid: str | None = None
    actor: str | None = None
    mobile: str | None = None


@dataclass(frozen=True)
class AuditQueries:
    audit: AuditTrail
    days: AuditDayStore
    # The keyed hash citizens and searched numbers are recorded under (see vaxcert.audit.trail).
    mobile_ref: Callable[[str], str]

    def about(
        self, admin: Actor, subject: AuditSubject, limit: int, request: RequestInfo
    ) -> list[AuditEntry]:
        query: dict[str, Any]
        if subject.hcid:
            query = {"hcid": subject.hcid}
        elif subject.actor:
            query = {"actor": subject.actor}
        else:
            query = {"mobile": subject.mobile}
        self.audit.record(admin, Action.ADMIN_AUDIT, request, query=query)
        if subject.hcid:  # every action that disclosed or changed it (searches, prints, views, ingest, ...)
            return self.audit.disclosing(subject.hcid[:MAX_HCID], limit)
        if subject.mobile:  # the citizen's own actions and every search for the number
            return self.audit.about_mobile(self.mobile_ref(subject.mobile), limit)
        return self.audit.find(actor=subject.actor, limit=limit)

    def by_time(
        self, admin: Actor, wanted: AuditRange, limit: int, cursor: Cursor | None, request: RequestInfo
    ) -> tuple[list[AuditEntry], Cursor | None]:
        """Recent entries newest first, within the range, of one action; the cursor of the next page."""
        query = {**wanted.describe(), **({"next": "yes"} if cursor else {})}
        self.audit.record(admin, Action.ADMIN_AUDIT, request, query=query)
        return browse(self.days, wanted, limit, cursor)

    def export(self, admin: Actor, wanted: AuditRange, request: RequestInfo) -> list[list[Any]]:
        """Every entry of the range as CSV rows (browse.EXPORT_COLUMNS); ExportTooLarge past 5 MB."""
        self.audit.record(admin, Action.ADMIN_AUDIT_EXPORT, request, query=wanted.describe())
        return export_rows(self.days, wanted)
