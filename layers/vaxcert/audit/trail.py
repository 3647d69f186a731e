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

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol

MAX_USER_AGENT = 256
# A GSI key (hcid) must stay under 2 KB; the query a caller typed is kept readable, not verbatim.
MAX_HCID = 64
MAX_QUERY_FIELDS = 20
MAX_QUERY_VALUE = 200


class Action(StrEnum):
    CITIZEN_OTP = "citizen.otp_requested"
    CITIZEN_SESSION = "citizen.session"
    CITIZEN_LIST = "citizen.list"
    CITIZEN_PDF = "citizen.pdf"
    CITIZEN_SHC = "citizen.shc"  # SMART Health Card file downloaded (health wallet)
    STAFF_LOGIN = "staff.login"  # password step; "ok" whenever a sign-in ends with a token
    STAFF_MFA = "staff.mfa"  # authenticator code at sign-in
    STAFF_MFA_SETUP = "staff.mfa_setup"  # authenticator app enrolled (first sign-in)
    STAFF_PASSWORD_CHANGE = "staff.password_change"  # noqa: S105 - an audit action name, not a password
    STAFF_SEARCH = "staff.search"
    STAFF_PRINT = "staff.print"
    STAFF_SHC = "staff.shc"  # SMART Health Card file downloaded at a facility
    ADMIN_AUDIT = "admin.audit"
    ADMIN_SEARCH = "admin.search"
    ADMIN_VIEW = "admin.view"
    ADMIN_CORRECT = "admin.correct"
    ADMIN_REVOKE = "admin.revoke"
    ADMIN_DASHBOARD = "admin.dashboard"


class Role(StrEnum):
    CITIZEN = "citizen"
    STAFF = "staff"
    ADMIN = "admin"


class Outcome(StrEnum):
    OK = "ok"
    DENIED = "denied"  # wrong code / password
    NOT_FOUND = "not_found"  # asked for a certificate that is not theirs or does not exist
    CONFLICT = "conflict"  # a correction or revocation the certificate's state does not allow
    CHALLENGED = "challenged"  # password accepted; a further step (MFA code, enrolment) is required


@dataclass(frozen=True)
class Actor:
    id: str
    role: Role
    label: str | None = None  # e.g. a masked mobile number


@dataclass(frozen=True)
class RequestInfo:
    source_ip: str | None
    user_agent: str | None


@dataclass(frozen=True)
class AuditEntry:
    entry_id: str
    at: datetime
    actor: str
    role: Role
    action: Action
    outcome: Outcome
    actor_label: str | None = None
    hcid: str | None = None
    query: dict[str, Any] | None = None
    result_hcids: list[str] | None = None
    source_ip: str | None = None
    user_agent: str | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "entryId": self.entry_id,
            "at": self.at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "actor": self.actor,
            "actorLabel": self.actor_label,
            "role": self.role.value,
            "action": self.action.value,
            "outcome": self.outcome.value,
            "hcid": self.hcid,
            "query": self.query,
            "resultHcids": self.result_hcids,
            "sourceIp": self.source_ip,
            "userAgent": self.user_agent,
        }
        return out


class AuditStore(Protocol):
    def append(self, entry: AuditEntry) -> None: ...

    def by_hcid(self, hcid: str, limit: int) -> list[AuditEntry]: ...

    def by_actor(self, actor: str, limit: int) -> list[AuditEntry]: ...


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
        entry = AuditEntry(
            entry_id=uuid.uuid4().hex,
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
        self.store.append(entry)
        return entry

    def find(
        self, *, hcid: str | None = None, actor: str | None = None, limit: int = 100
    ) -> list[AuditEntry]:
        """Newest first."""
        if hcid:
            return self.store.by_hcid(hcid, limit)
        if actor:
            return self.store.by_actor(actor, limit)
        raise ValueError("hcid or actor is required")
