"""Requests and answers of the ministry admin routes of functions/revoke: certificate lifecycle
(search, details, corrections, revocation, dashboard) and the audit trail."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import ConfigDict, Field, field_validator, model_validator

from vaxcert.http.models.base import Answer, Request
from vaxcert.http.models.facility import CertificateRow, CertificateSearch, SearchResults
from vaxcert.lifecycle import service as lifecycle
from vaxcert.lifecycle.corrections import MAX_REASON
from vaxcert.lifecycle.service import iso_utc
from vaxcert.sources.phone import InvalidMobile, normalise_mobile
from vaxcert.types.audit import AuditEntry
from vaxcert.types.certificate import Certificate

DEFAULT_AUDIT_LIMIT = 100
MAX_AUDIT_LIMIT = 500


class AdminSearch(CertificateSearch):
    """As the facility search; an hcid is looked up as given (an unknown one finds nothing)."""


# --- audit ---------------------------------------------------------------------------------------


def _stripped(value: Any) -> Any:
    return value.strip() or None if isinstance(value, str) else value


class AuditQuery(Request):
    """Entries about one certificate, actor or mobile number; or, with none of them, by time."""

    model_config = ConfigDict(populate_by_name=True)

    hcid: str | None = Field(default=None, description="at most one of hcid, actor, mobile")
    actor: str | None = None
    mobile: str | None = None
    from_: str | None = Field(
        default=None, alias="from", description="none of hcid/actor/mobile: ISO 8601 date or date-time"
    )
    to: str | None = Field(default=None, description="ISO 8601 date (whole day) or date-time; default now")
    action: str | None = Field(default=None, description="only entries of this action, e.g. staff.print")
    next: str | None = Field(default=None, description="the `next` cursor of the previous page")
    limit: int = Field(default=DEFAULT_AUDIT_LIMIT, ge=1, le=MAX_AUDIT_LIMIT)

    _hcid = field_validator("hcid", "actor", "mobile", "next", mode="before")(_stripped)

    @field_validator("limit", mode="before")
    @classmethod
    def _limit(cls, raw: Any) -> int:
        if raw is None or raw == "":
            return DEFAULT_AUDIT_LIMIT
        text = str(raw)
        if not text.isdigit() or not 1 <= int(text) <= MAX_AUDIT_LIMIT:
            raise ValueError(f"must be a number from 1 to {MAX_AUDIT_LIMIT}")
        return int(text)

    @model_validator(mode="after")
    def _one_subject(self) -> AuditQuery:
        if sum(bool(v) for v in (self.hcid, self.actor, self.mobile)) > 1:
            raise ValueError("hcid: give at most one of hcid, actor or mobile (none: entries by time)")
        if self.mobile:
            try:
                self.mobile = normalise_mobile(self.mobile)
            except InvalidMobile as exc:
                raise ValueError(f"mobile: {exc}") from None
        return self

    @property
    def by_time(self) -> bool:
        return not (self.hcid or self.actor or self.mobile)


class AuditExportQuery(Request):
    model_config = ConfigDict(populate_by_name=True)
    missing_problems: ClassVar[dict[str, str]] = {"from": "is required: the first day to export (ISO 8601)"}

    from_: str = Field(alias="from", description="ISO 8601 date or date-time")
    to: str | None = Field(
        default=None, description="ISO 8601 date or date-time (default now); 31 days at most"
    )
    action: str | None = None


class AuditEntryOut(Answer):
    entryId: str
    at: str = Field(description="ISO 8601, UTC")
    actor: str
    actorLabel: str | None
    role: str
    action: str
    outcome: str
    hcid: str | None
    query: dict[str, Any] | None
    resultHcids: list[str] | None
    sourceIp: str | None
    userAgent: str | None

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditEntryOut:
        return cls.model_validate(entry.as_json())


class AuditEntries(Answer):
    entries: list[AuditEntryOut]


class AuditPage(AuditEntries):
    """Entries newest first; browsing by time, `next` pages on (null: the last page)."""

    next: str | None = Field(default=None, description="by time only: the cursor of the next page")


# --- certificates --------------------------------------------------------------------------------


class CorrectionQuery(Request):
    preview: str | None = Field(
        default=None,
        description="true: answer 200 with the changes (old -> new) and the SMS text; issue nothing",
        json_schema_extra={"enum": ["true", "false"]},
    )

    @property
    def is_preview(self) -> bool:
        return (self.preview or "").strip().lower() in ("true", "1", "yes")


class RevokeRequest(Request):
    missing_problems: ClassVar[dict[str, str]] = {"reason": "is required: why the certificate is revoked"}

    reason: str = Field(min_length=1, max_length=MAX_REASON, description="kept in the audit trail")

    @field_validator("reason", mode="before")
    @classmethod
    def _reason(cls, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise ValueError(cls.missing_problems["reason"])
        if len(value) > MAX_REASON:
            raise ValueError(f"at most {MAX_REASON} characters")
        return value.strip()


class AdminSearchResults(SearchResults):
    pass


class CertificateVersion(Answer):
    hcid: str
    version: int
    status: str
    issuedAt: str | None
    supersedes: str | None
    supersededBy: str | None
    revokedAt: str | None
    reason: str | None
    kid: str | None

    @staticmethod
    def fields_of(c: Certificate) -> dict[str, Any]:
        return {
            "hcid": c.hcid,
            "version": c.version,
            "status": c.status.value,
            "issuedAt": iso_utc(c.issued_at),
            "supersedes": c.supersedes,
            "supersededBy": c.superseded_by,
            "revokedAt": iso_utc(c.revoked_at),
            "reason": c.revocation_reason,
            "kid": c.kid,
        }

    @classmethod
    def of(cls, c: Certificate) -> CertificateVersion:
        return cls(**cls.fields_of(c))


class CertificateSms(Answer):
    status: str
    notice: str


class CertificateDetail(CertificateRow):
    """The row, the version fields, and what an admin needs to correct it."""

    version: int
    issuedAt: str | None
    supersedes: str | None
    supersededBy: str | None
    revokedAt: str | None
    reason: str | None
    kid: str | None
    uci: str
    eventId: str
    revision: str
    correctionPending: bool
    expiresAt: str | None
    sms: CertificateSms
    qr: str
    legacyId: str | None = Field(description="the DIVOC certificateId of a migrated certificate")
    fields: dict[str, Any] | None = Field(description="the correctable fields' current values")

    @classmethod
    def of(cls, details: lifecycle.CertificateDetails) -> CertificateDetail:
        c = details.certificate
        return cls(
            **{**cls.fields_of(details.summary), **CertificateVersion.fields_of(c)},
            uci=c.uci,
            eventId=c.event_id,
            revision=c.revision,
            correctionPending=c.correction_pending,
            expiresAt=iso_utc(c.expires_at),
            sms=CertificateSms(status=c.sms_status.value, notice=c.notice_status.value),
            qr=c.qr,
            legacyId=c.legacy_id,
            fields=details.fields,
        )


class CertificateDetails(Answer):
    certificate: CertificateDetail
    history: list[CertificateVersion]
    audit: list[AuditEntryOut]

    @classmethod
    def of(cls, details: lifecycle.CertificateDetails) -> CertificateDetails:
        return cls(
            certificate=CertificateDetail.of(details),
            history=[CertificateVersion.of(c) for c in details.history],
            audit=[AuditEntryOut.of(e) for e in details.audit],
        )


class CorrectionQueued(Answer):
    hcid: str = Field(description="the new certificate being issued")
    supersedes: str
    version: int

    @classmethod
    def of(cls, queued: lifecycle.CorrectionQueued) -> CorrectionQueued:
        return cls(hcid=queued.hcid, supersedes=queued.supersedes, version=queued.version)


class FieldChange(Answer):
    field: str
    from_: Any = Field(alias="from")
    to: Any


class PreviewSms(Answer):
    to: str | None = Field(description="masked")
    text: str | None


class CorrectionPreview(Answer):
    hcid: str
    version: int
    reissue: bool
    changes: list[FieldChange]
    sms: PreviewSms


class Revoked(Answer):
    hcid: str
    status: str = Field(examples=["REVOKED"])
    revokedAt: str | None = Field(description="ISO 8601, UTC")
    reason: str | None

    @classmethod
    def of(cls, certificate: Certificate) -> Revoked:
        return cls(
            hcid=certificate.hcid,
            status=certificate.status.value,
            revokedAt=iso_utc(certificate.revoked_at),
            reason=certificate.revocation_reason,
        )


# --- dashboard -----------------------------------------------------------------------------------


class Count(Answer):
    count: int


class CentreCount(Count):
    centre: str


class VaccineCount(Count):
    vaccine: str


class DoseCount(Count):
    dose: int | str


class DayCount(Count):
    date: str


class IssuanceDelay(Answer):
    count: int
    p50Seconds: int | None
    p95Seconds: int | None


class SmsCounts(Answer):
    sent: int
    failed: int
    pending: int


class QueueCounts(Answer):
    depth: int
    deadLetters: int


class CertificateCounts(Answer):
    valid: int
    revoked: int
    superseded: int
    issued: int


class EditCounts(Answer):
    conflicts: int = Field(description="source edits that changed a field an administrator had corrected")


class Dashboard(Answer):
    issuedByCentre: list[CentreCount]
    issuedByVaccine: list[VaccineCount]
    issuedByDose: list[DoseCount]
    issuanceDelay: IssuanceDelay
    mixDays: int
    issuedPerDay: list[DayCount]
    sms: SmsCounts
    queue: QueueCounts
    certificates: CertificateCounts
    edits: EditCounts

    @classmethod
    def of(cls, d: lifecycle.Dashboard) -> Dashboard:
        return cls(
            issuedByCentre=[CentreCount(centre=c, count=n) for c, n in d.by_centre],
            issuedByVaccine=[VaccineCount(vaccine=v, count=n) for v, n in d.by_vaccine],
            issuedByDose=[DoseCount(dose=k, count=n) for k, n in d.by_dose],
            issuanceDelay=IssuanceDelay(
                count=d.delay.count, p50Seconds=d.delay.p50_seconds, p95Seconds=d.delay.p95_seconds
            ),
            mixDays=d.mix_days,
            issuedPerDay=[DayCount(date=day.isoformat(), count=n) for day, n in d.per_day],
            sms=SmsCounts(sent=d.sms_sent, failed=d.sms_failed, pending=d.sms_pending),
            queue=QueueCounts(depth=d.queue_depth, deadLetters=d.dead_letters),
            certificates=CertificateCounts(
                valid=d.valid, revoked=d.revoked, superseded=d.superseded, issued=d.issued
            ),
            edits=EditCounts(conflicts=d.edit_conflicts),
        )
