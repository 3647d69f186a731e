"""What an audit entry is: who (actor, role) did what (action) with what outcome, from where."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class Action(StrEnum):
    CITIZEN_OTP = "citizen.otp_requested"
    CITIZEN_SESSION = "citizen.session"
    CITIZEN_LIST = "citizen.list"
    CITIZEN_PDF = "citizen.pdf"
    CITIZEN_SHC = "citizen.shc"  # SMART Health Card file downloaded (health wallet)
    CITIZEN_SIGN_OUT = "citizen.sign_out"
    STAFF_LOGIN = "staff.login"  # password step; "ok" whenever a sign-in ends with a token
    STAFF_MFA = "staff.mfa"  # authenticator code at sign-in
    STAFF_MFA_SETUP = "staff.mfa_setup"  # authenticator app enrolled (first sign-in)
    STAFF_PASSWORD_CHANGE = "staff.password_change"  # noqa: S105 - an audit action name, not a password
    STAFF_SIGN_OUT = "staff.sign_out"
    STAFF_SEARCH = "staff.search"
    STAFF_PRINT = "staff.print"
    STAFF_SHC = "staff.shc"  # SMART Health Card file downloaded at a facility
    ADMIN_AUDIT = "admin.audit"
    ADMIN_AUDIT_EXPORT = "admin.audit_export"
    ADMIN_SEARCH = "admin.search"
    ADMIN_VIEW = "admin.view"
    ADMIN_CORRECT = "admin.correct"
    ADMIN_REVOKE = "admin.revoke"
    ADMIN_DASHBOARD = "admin.dashboard"
    ADMIN_KEYS = "admin.keys"
    ADMIN_KEY_ROTATE = "admin.key_rotate"
    ADMIN_KEY_WITHDRAW = "admin.key_withdraw"
    # Written by the issue worker (actor `source:<name>`): a certificate issued from a source's event,
    # a source's edit applied (changed field names only), an edit that met an admin's correction.
    INGEST_ISSUE = "ingest.issue"
    INGEST_EDIT = "ingest.edit"
    INGEST_EDIT_CONFLICT = "ingest.edit_conflict"


# Staff searches: the number they searched for is indexed, so "?mobile=N" finds who looked N up.
SEARCH_ACTIONS = frozenset({Action.STAFF_SEARCH, Action.ADMIN_SEARCH})


class Role(StrEnum):
    CITIZEN = "citizen"
    STAFF = "staff"
    ADMIN = "admin"
    SYSTEM = "system"  # a source system through ingest (CommCare, another API client)


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
