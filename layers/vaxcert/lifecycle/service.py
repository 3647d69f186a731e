"""Admin operations on issued certificates: correct, revoke, inspect, search, dashboard.

Pure domain over small ports (store/ implements them). Every call is written to the audit trail,
refusals included, before anything is returned. Exactly one current version per chain: a correction
claims the old certificate with a conditional write before it is queued, so a concurrent second
correction gets 409, and the issue worker marks the old one SUPERSEDED only once the new one exists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Protocol

from vaxcert.audit.trail import AuditTrail
from vaxcert.catalogue import Catalogue
from vaxcert.documents.people import CertificateSummary, summary
from vaxcert.errors import Conflict, NotFound, TransientFailure
from vaxcert.facility.masks import mask_mobile
from vaxcert.facility.search import (
    MAX_RESULTS,
    CertificateFinder,
    SearchResult,
    SearchTerms,
    find,
    parse_search,
    result_row,
)
from vaxcert.intake import content_hash
from vaxcert.issuance.hcid import is_hcid, new_hcid
from vaxcert.issuance.service import corrected_sms_text
from vaxcert.lifecycle.corrections import CorrectionRequest, apply_correction, correction_revision
from vaxcert.notify.texts import SmsTexts, default_texts
from vaxcert.sources.phone import NumberingPlan, default_plan
from vaxcert.sources.vaccination import VaccinationEvent
from vaxcert.types.audit import Action, AuditEntry, Outcome, RequestInfo
from vaxcert.types.certificate import Certificate, CertificateStatus, SmsStatus
from vaxcert.types.delay import DelayPercentiles, delay_percentiles
from vaxcert.types.ports import StoredEvent
from vaxcert.types.staff import StaffPrincipal

AUDIT_PER_CERTIFICATE = 100


@dataclass(frozen=True)
class CorrectionQueued:
    hcid: str  # the new certificate being issued
    supersedes: str
    version: int


@dataclass(frozen=True)
class CertificateDetails:
    """One certificate as an admin inspects it: its chain of versions and the audit trail about them."""

    certificate: Certificate
    summary: CertificateSummary
    fields: dict[str, Any] | None  # correctable_fields of its event (None: the event is missing)
    history: tuple[Certificate, ...]  # the chain, oldest version first
    audit: tuple[AuditEntry, ...]  # about any version, newest first


@dataclass(frozen=True)
class Dashboard:
    """The ministry's counters: issuance mix over `mix_days` (most first), per day, SMS, queue, totals."""

    by_centre: tuple[tuple[str, int], ...]  # (centre, certificates)
    by_vaccine: tuple[tuple[str, int], ...]  # (the catalogue's display name, certificates)
    by_dose: tuple[tuple[int | str, int], ...]  # (dose number, certificates), by dose
    delay: DelayPercentiles
    mix_days: int
    per_day: tuple[tuple[date, int], ...]  # (day, certificates issued)
    sms_sent: int
    sms_failed: int
    sms_pending: int
    queue_depth: int
    dead_letters: int
    valid: int
    revoked: int
    superseded: int
    issued: int
    # Source edits that changed a field an administrator had corrected (ingest.edit_conflict).
    edit_conflicts: int


class LifecycleCertificates(CertificateFinder, Protocol):
    def for_event(self, event_id: str) -> list[Certificate]: ...

    def claim_supersession(self, old_hcid: str, new_hcid: str) -> bool: ...

    def revoke(self, hcid: str, reason: str, now: datetime, notify: bool = False) -> bool: ...


class LifecycleEvents(Protocol):
    def load_stored(self, event_id: str, revision: str) -> StoredEvent | None: ...

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
    ) -> None: ...

    def mark_queued(self, event_id: str, revision: str, now: datetime) -> None: ...


class IssueQueuePort(Protocol):
    def send(self, event_id: str, revision: str) -> None: ...

    def send_notice(self, hcid: str) -> None: ...


class StatsPort(Protocol):
    def revoked(self) -> None: ...

    def read(self, today: date, days: int = 30) -> dict[str, Any]: ...


class IssuanceMixPort(Protocol):
    def read(self, today: date, days: int = 30) -> dict[str, dict[str, int]]: ...


@dataclass
class Lifecycle:
    certificates: LifecycleCertificates
    events: LifecycleEvents
    queue: IssueQueuePort
    audit: AuditTrail
    catalogue: Catalogue
    stats: StatsPort
    # Republish the signed revocation list; the arguments: UCIs and legacy DIVOC certificate ids just
    # revoked (the index may lag).
    publish_revocations: Callable[[list[str], list[str]], Any]
    # (queue depth, dead letters) of the issue queue.
    queue_depths: Callable[[], tuple[int, int]]
    max_corrections: int = 5
    # Issuance by centre / vaccine / dose and the delay histogram (store.stats.IssuanceMix); optional.
    mix: IssuanceMixPort | None = None
    # The portal address in the SMS a correction sends (settings.portal_url), for its preview.
    portal_url: str = ""
    texts: SmsTexts = field(default_factory=default_texts)  # settings.sms_*_text
    plan: NumberingPlan = field(default_factory=default_plan)  # the country's mobile numbers
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    # --- corrections ---------------------------------------------------------------------------
    def correct(
        self, staff: StaffPrincipal, hcid: str, correction: CorrectionRequest, request: RequestInfo
    ) -> CorrectionQueued:
        old = self._certificate(staff, Action.ADMIN_CORRECT, hcid, request)
        audit_query = {
            "reason": correction.reason,
            "changes": correction.changes,
            "reissue": correction.reissue,
        }

        def refuse(message: str) -> Conflict:
            self.audit.record(
                staff.actor,
                Action.ADMIN_CORRECT,
                request,
                outcome=Outcome.CONFLICT,
                hcid=hcid,
                query=audit_query,
            )
            return Conflict(message)

        refusal = self._correction_refusal(old)
        if refusal:
            raise refuse(refusal)
        base = self.events.load_stored(old.event_id, old.revision)
        if base is None:
            raise TransientFailure(f"the event of {hcid} is missing from the event log")
        new = new_hcid()
        version = old.version + 1
        corrected = apply_correction(
            base.event,
            correction.changes,
            revision=correction_revision(version, new),
            catalogue=self.catalogue,
        )
        now = self.clock()
        # Stored (not yet queued) before the claim: a claim that loses leaves an inert event revision.
        self.events.record_correction(
            corrected,
            content_hash(corrected),
            hcid=new,
            supersedes=old.hcid,
            version=version,
            reason=correction.reason,
            now=now,
        )
        if not self.certificates.claim_supersession(old.hcid, new):
            current = self.certificates.get(old.hcid) or old
            raise refuse(self._correction_refusal(current) or f"certificate {hcid} changed; try again")
        self.audit.record(
            staff.actor, Action.ADMIN_CORRECT, request, hcid=hcid, query=audit_query, result_hcids=[new]
        )
        self.queue.send(corrected.event_id, corrected.revision)
        self.events.mark_queued(corrected.event_id, corrected.revision, now)
        return CorrectionQueued(hcid=new, supersedes=old.hcid, version=version)

    def _correction_refusal(self, old: Certificate) -> str | None:
        if old.status is CertificateStatus.SUPERSEDED:
            return (
                f"certificate {old.hcid} was superseded by {old.superseded_by}: "
                f"correct the current version {old.superseded_by}"
            )
        if old.status is CertificateStatus.REVOKED:
            return f"certificate {old.hcid} is revoked and cannot be corrected"
        if old.correction_pending:
            self._requeue_pending(old)
            return f"a correction of {old.hcid} is in progress: {old.superseded_by} is being issued"
        if old.version - 1 >= self.max_corrections:
            return (
                f"certificate {old.hcid} has been corrected {old.version - 1} times, the limit is "
                f"{self.max_corrections}: revoke it and issue a new one instead"
            )
        return None

    def _requeue_pending(self, old: Certificate) -> None:
        """A correction claimed but never issued (e.g. the queue send failed): send it again."""
        new = old.superseded_by or ""
        revision = correction_revision(old.version + 1, new)
        if self.certificates.get(new) is None and self.events.load_stored(old.event_id, revision):
            self.queue.send(old.event_id, revision)

    def preview_correction(
        self, staff: StaffPrincipal, hcid: str, correction: CorrectionRequest, request: RequestInfo
    ) -> dict[str, Any]:
        """What `correct` would do, without doing it: each changed field (old -> new) and the SMS the
        holder will get, for the admin page's confirmation."""
        old = self._certificate(staff, Action.ADMIN_CORRECT, hcid, request)
        refusal = self._correction_refusal(old)
        if refusal:
            raise Conflict(refusal)
        base = self.events.load_stored(old.event_id, old.revision)
        if base is None:
            raise TransientFailure(f"the event of {hcid} is missing from the event log")
        version = old.version + 1
        corrected = apply_correction(
            base.event,
            correction.changes,
            revision=correction_revision(version, "PREVIEW"),
            catalogue=self.catalogue,
        )
        before, after = correctable_fields(base.event), correctable_fields(corrected)
        changes = [
            {"field": name, "from": before.get(name), "to": after.get(name)}
            for name in after
            if before.get(name) != after.get(name)
        ]
        person = old.record.person.model_copy(
            update={"given_name": corrected.person.given_name, "family_name": corrected.person.family_name}
        )
        holder = old.model_copy(update={"record": old.record.model_copy(update={"person": person})})
        mobile = corrected.person.mobile
        self.audit.record(staff.actor, Action.ADMIN_VIEW, request, hcid=hcid, query={"preview": "correction"})
        return {
            "hcid": hcid,
            "version": version,
            "reissue": correction.reissue,
            "changes": changes,
            "sms": {
                "to": mask_mobile(mobile),
                "text": corrected_sms_text(holder, self.portal_url, self.texts) if mobile else None,
            },
        }

    # --- revocation ----------------------------------------------------------------------------
    def revoke(self, staff: StaffPrincipal, hcid: str, reason: str, request: RequestInfo) -> Certificate:
        """Revoke with `reason` (checked by the request model: text, at most MAX_REASON); the
        certificate as it now is (REVOKED, or REVOKED before)."""
        certificate = self._certificate(staff, Action.ADMIN_REVOKE, hcid, request)
        if certificate.status is CertificateStatus.VALID:
            # The holder's number is owed one SMS saying so (set in the same write).
            if self.certificates.revoke(hcid, reason, self.clock(), notify=bool(certificate.mobile)):
                self.stats.revoked()
            certificate = self.certificates.get(hcid) or certificate
        if certificate.status is CertificateStatus.SUPERSEDED:
            self.audit.record(
                staff.actor,
                Action.ADMIN_REVOKE,
                request,
                outcome=Outcome.CONFLICT,
                hcid=hcid,
                query={"reason": reason},
            )
            raise Conflict(
                f"certificate {hcid} was superseded by {certificate.superseded_by} and is no longer valid: "
                f"revoke the current version {certificate.superseded_by}"
            )
        self.audit.record(staff.actor, Action.ADMIN_REVOKE, request, hcid=hcid, query={"reason": reason})
        # Every call republishes (idempotent): a retry after a failed publication completes it.
        legacy = [certificate.legacy_id] if certificate.legacy_id else []
        self.publish_revocations([certificate.uci], legacy)
        if certificate.notice_status is SmsStatus.PENDING:
            # The issue worker sends it, through the SMS budget; its claim makes a repeat send nothing.
            self.queue.send_notice(hcid)
        return certificate

    # --- inspection ----------------------------------------------------------------------------
    def details(self, staff: StaffPrincipal, hcid: str, request: RequestInfo) -> CertificateDetails:
        certificate = self._certificate(staff, Action.ADMIN_VIEW, hcid, request)
        self.audit.record(staff.actor, Action.ADMIN_VIEW, request, hcid=hcid)
        chain = {c.hcid: c for c in self.certificates.for_event(certificate.event_id)}
        chain[certificate.hcid] = certificate  # the index may lag the table
        history = sorted(chain.values(), key=lambda c: (c.version, c.issued_at))
        entries: dict[str, AuditEntry] = {}
        for c in history:
            for entry in self.audit.find(hcid=c.hcid, limit=AUDIT_PER_CERTIFICATE):
                entries[entry.entry_id] = entry
        base = self.events.load_stored(certificate.event_id, certificate.revision)
        return CertificateDetails(
            certificate=certificate,
            summary=summary(certificate, self.catalogue),
            fields=correctable_fields(base.event) if base else None,
            history=tuple(history),
            audit=tuple(sorted(entries.values(), key=lambda e: e.at, reverse=True)),
        )

    def search(self, staff: StaffPrincipal, terms: SearchTerms, request: RequestInfo) -> SearchResult:
        raw_hcid = terms.hcid.strip().upper()
        if raw_hcid:
            found = [c for c in [self.certificates.get(raw_hcid) if is_hcid(raw_hcid) else None] if c]
            query: dict[str, Any] = {"hcid": raw_hcid}
        else:
            parsed = parse_search(terms, self.clock().date(), self.plan)
            found = find(parsed, self.certificates)
            query = parsed.describe()
        truncated = len(found) > MAX_RESULTS
        found = found[:MAX_RESULTS]
        self.audit.record(
            staff.actor, Action.ADMIN_SEARCH, request, query=query, result_hcids=[c.hcid for c in found]
        )
        return SearchResult(tuple(result_row(c, self.catalogue) for c in found), truncated)

    def dashboard(self, staff: StaffPrincipal, request: RequestInfo, days: int = 30) -> Dashboard:
        self.audit.record(staff.actor, Action.ADMIN_DASHBOARD, request)
        today = self.clock().date()
        counts = self.stats.read(today, days)
        mix = self.mix.read(today, days) if self.mix else {}
        depth, dead = self.queue_depths()
        expected, sent, failed = counts["smsExpected"], counts["smsSent"], counts["smsFailed"]

        def ranked(kind: str) -> list[tuple[str, int]]:
            return sorted((mix.get(kind) or {}).items(), key=lambda kv: (-kv[1], kv[0]))

        def vaccine(key: str) -> str:
            product = self.catalogue.products.get(key)
            return product.display if product else key

        doses: list[tuple[int | str, int]] = [(int(d) if d.isdigit() else d, n) for d, n in ranked("dose")]
        return Dashboard(
            by_centre=tuple(ranked("centre")),
            by_vaccine=tuple((vaccine(k), n) for k, n in ranked("vaccine")),
            by_dose=tuple(sorted(doses, key=lambda r: str(r[0]))),
            delay=delay_percentiles(mix.get("delay") or {}),
            mix_days=days,
            per_day=tuple((date.fromisoformat(d["date"]), d["count"]) for d in counts["perDay"]),
            sms_sent=sent,
            sms_failed=failed,
            sms_pending=max(expected - sent, 0),
            queue_depth=depth,
            dead_letters=dead,
            valid=counts["valid"],
            revoked=counts["revoked"],
            superseded=counts["superseded"],
            issued=counts["issued"],
            edit_conflicts=counts.get("editConflicts", 0),
        )

    # --- helpers -------------------------------------------------------------------------------
    def _certificate(
        self, staff: StaffPrincipal, action: Action, hcid: str, request: RequestInfo
    ) -> Certificate:
        certificate = self.certificates.get(hcid) if is_hcid(hcid) else None
        if certificate is None:
            self.audit.record(staff.actor, action, request, outcome=Outcome.NOT_FOUND, hcid=hcid[:40])
            raise NotFound("no such certificate")
        return certificate


def correctable_fields(event: VaccinationEvent) -> dict[str, Any]:
    """The event's values under the names a correction request uses (to prefill the admin's form)."""
    data = event.model_dump(mode="json", by_alias=True)
    person, vaccination = data["person"], data["vaccination"]
    return {
        **{k: person.get(k) for k in ("givenName", "familyName", "birthDate", "sex", "identifier", "mobile")},
        **{
            k: vaccination.get(k)
            for k in ("vaccine", "lot", "date", "dose", "totalDoses", "centre", "practitioner", "nextDose")
        },
    }


def iso_utc(at: datetime | None) -> str | None:
    """The API's time format: ISO 8601 in UTC with `Z`."""
    return at.isoformat().replace("+00:00", "Z") if at else None
