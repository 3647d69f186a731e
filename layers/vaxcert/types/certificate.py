"""The stored certificate: one per vaccination event version, as the rest of vaxcert sees it."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from vaxcert.formats.ddcc import DdccRecord


class CertificateStatus(StrEnum):
    VALID = "VALID"
    REVOKED = "REVOKED"
    SUPERSEDED = "SUPERSEDED"


class SmsStatus(StrEnum):
    NONE = "NONE"  # no mobile number: nothing to send
    PENDING = "PENDING"
    SENDING = "SENDING"  # claimed by one worker; never sent twice
    SENT = "SENT"
    # A worker claimed the SMS and then died: SNS may or may not have accepted it. Never resent
    # automatically (a second SMS is worse than none: the citizen can still log in); shown to operators.
    UNCONFIRMED = "UNCONFIRMED"


class SmsSlot(StrEnum):
    """The SMS a certificate can owe, each sent at most once with its own claim (PENDING -> SENDING ->
    SENT): ISSUE tells the new certificate's holder it is ready; NOTICE tells the holder's number
    that this certificate stopped being valid (revoked, or replaced by a correction)."""

    ISSUE = "sms"
    NOTICE = "notice"


class Certificate(BaseModel):
    model_config = ConfigDict(frozen=True)

    hcid: str
    uci: str
    event_id: str
    revision: str
    version: int
    status: CertificateStatus
    record: DdccRecord
    vaccine_key: str
    mobile: str | None
    qr: str
    # The same certificate as a SMART Health Card (compact JWS); None for certificates issued before it.
    shc: str | None = None
    kid: str  # base64 of the 8-byte COSE kid
    issued_at: datetime
    expires_at: datetime
    sms_status: SmsStatus
    sms_claimed_at: datetime | None = None
    supersedes: str | None = None
    superseded_by: str | None = None  # set when a correction is claimed; status SUPERSEDED once issued
    revoked_at: datetime | None = None  # REVOKED or SUPERSEDED since
    revocation_reason: str | None = None
    legacy_id: str | None = None  # DIVOC certificateId of a migrated certificate
    # Person link keys (sources.person_keys): the only way other doses join this one's PDF.
    case_key: str | None = None
    identity_key: str | None = None
    notice_status: SmsStatus = SmsStatus.NONE
    notice_claimed_at: datetime | None = None

    def sms_state(self, slot: SmsSlot) -> tuple[SmsStatus, datetime | None]:
        if slot is SmsSlot.NOTICE:
            return self.notice_status, self.notice_claimed_at
        return self.sms_status, self.sms_claimed_at

    @property
    def person_keys(self) -> tuple[str, ...]:
        return tuple(k for k in (self.case_key, self.identity_key) if k)

    @property
    def correction_pending(self) -> bool:
        return self.status is CertificateStatus.VALID and self.superseded_by is not None

    @property
    def dob(self) -> date:
        return self.record.person.birth_date
