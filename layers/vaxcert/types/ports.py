"""What issuance needs from the outside world; store/, signing/ and notify/ implement these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from vaxcert.sources.vaccination import VaccinationEvent
from vaxcert.types.certificate import Certificate, SmsSlot


@dataclass(frozen=True)
class StoredEvent:
    event: VaccinationEvent
    hcid: str | None
    # Corrections (admin or CommCare edit): the certificate replaced and the new version number.
    supersedes: str | None = None
    version: int | None = None
    # A source's edit applied on a corrected certificate (issuance.edits): `event` is what is issued,
    # `form` the edit as the source sent it; `conflicts` the admin-corrected fields the edit changed.
    form: VaccinationEvent | None = None
    conflicts: tuple[str, ...] = ()

    @property
    def as_sent(self) -> VaccinationEvent:
        """The revision as the source sent it (before it was applied on top of a correction)."""
        return self.form or self.event


class IssuanceStore(Protocol):
    def load_event(self, event_id: str, revision: str) -> StoredEvent | None: ...

    def claim_hcid(self, event_id: str, revision: str, candidate: str) -> str:
        """Atomically attach `candidate` to the event unless one is attached; return the attached one."""
        ...

    def get_certificate(self, hcid: str) -> Certificate | None: ...

    def put_certificate(self, certificate: Certificate) -> bool:
        """Store unless that HCID exists (conditional write); False when it already existed."""
        ...

    def claim_sms(self, hcid: str, now: datetime, token: str, slot: SmsSlot = SmsSlot.ISSUE) -> bool:
        """PENDING -> SENDING, atomically: True for exactly one caller."""
        ...

    def release_sms(self, hcid: str, slot: SmsSlot = SmsSlot.ISSUE) -> None:
        """SENDING -> PENDING after a failed send, so a retry can claim it again."""
        ...

    def sms_sent(self, hcid: str, message_id: str, now: datetime, slot: SmsSlot = SmsSlot.ISSUE) -> None: ...

    def sms_unconfirmed(self, hcid: str, claimed_at: datetime, slot: SmsSlot = SmsSlot.ISSUE) -> None:
        """SENDING -> UNCONFIRMED for a claim (of that time) whose worker died."""
        ...

    def mark_event_issued(self, event_id: str, revision: str, hcid: str, now: datetime) -> None: ...

    # --- corrections --------------------------------------------------------------------------
    def latest_certificate(self, event_id: str) -> Certificate | None:
        """The highest version issued for the event (any status)."""
        ...

    def attach_correction(
        self,
        event_id: str,
        revision: str,
        supersedes: str,
        version: int,
        *,
        applied: VaccinationEvent | None = None,
        conflicts: tuple[str, ...] = (),
    ) -> StoredEvent:
        """Record which certificate an edit replaces and the content it issues (`applied`, keeping the
        form as sent), unless already recorded; returns the stored event."""
        ...

    def claim_supersession(self, old_hcid: str, new_hcid: str) -> bool:
        """Reserve `old` for replacement by `new` (only while VALID and unclaimed); True if `new` holds it."""
        ...

    def mark_superseded(self, old_hcid: str, new_hcid: str, now: datetime, notify: bool = False) -> bool:
        """VALID -> SUPERSEDED once `new` is issued; False if it was not VALID (e.g. revoked meanwhile).
        `notify`: the old certificate's number is owed the notice SMS (SmsSlot.NOTICE -> PENDING)."""
        ...

    def count_edit_conflict(self) -> None:
        """One more source edit that met an admin correction (dashboard)."""
        ...

    def reject_event(self, event_id: str, revision: str, reason: str) -> None:
        """An edit that will never be issued (e.g. the certificate was revoked)."""
        ...


class DocumentSigner(Protocol):
    """The active document-signing key (DSC): ES256 over COSE Sig_structure bytes."""

    @property
    def kid(self) -> bytes: ...

    @property
    def dsc_not_after(self) -> datetime: ...

    def sign(self, message: bytes) -> bytes:
        """Raw r||s (64 bytes)."""
        ...


@dataclass(frozen=True)
class CardIssuer:
    """Who signs the SMART Health Cards: `iss` (https URL, no trailing slash) and the kid (RFC 7638
    thumbprint) of the document-signing key, which signs the card too (through DocumentSigner.sign)."""

    iss: str
    kid: str


class SmsSender(Protocol):
    def send(self, to_e164: str, message: str) -> str:
        """Returns the provider's message id; raises on failure."""
        ...
