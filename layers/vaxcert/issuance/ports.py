"""What issuance needs from the outside world; store/, signing/ and notify/ implement these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from vaxcert.issuance.certificate import Certificate
from vaxcert.sources.vaccination import VaccinationEvent


@dataclass(frozen=True)
class StoredEvent:
    event: VaccinationEvent
    hcid: str | None


class IssuanceStore(Protocol):
    def load_event(self, event_id: str, revision: str) -> StoredEvent | None: ...

    def claim_hcid(self, event_id: str, revision: str, candidate: str) -> str:
        """Atomically attach `candidate` to the event unless one is attached; return the attached one."""
        ...

    def get_certificate(self, hcid: str) -> Certificate | None: ...

    def put_certificate(self, certificate: Certificate) -> bool:
        """Store unless that HCID exists (conditional write); False when it already existed."""
        ...

    def claim_sms(self, hcid: str, now: datetime) -> bool:
        """PENDING -> SENDING, atomically: True for exactly one caller."""
        ...

    def release_sms(self, hcid: str) -> None:
        """SENDING -> PENDING after a failed send, so a retry can claim it again."""
        ...

    def sms_sent(self, hcid: str, message_id: str, now: datetime) -> None: ...

    def mark_event_issued(self, event_id: str, revision: str, hcid: str, now: datetime) -> None: ...


class DocumentSigner(Protocol):
    """The active document-signing key (DSC): ES256 over COSE Sig_structure bytes."""

    @property
    def kid(self) -> bytes: ...

    @property
    def dsc_not_after(self) -> datetime: ...

    def sign(self, message: bytes) -> bytes:
        """Raw r||s (64 bytes)."""
        ...


class SmsSender(Protocol):
    def send(self, to_e164: str, message: str) -> str:
        """Returns the provider's message id; raises on failure."""
        ...
