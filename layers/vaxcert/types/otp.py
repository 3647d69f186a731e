"""A citizen's stored one-time password (citizen.otp makes and checks them, store.citizen_auth keeps them)."""

from __future__ import annotations

from dataclasses import dataclass

MAX_LIVE_CODES = 3


@dataclass(frozen=True)
class StoredOtp:
    ref: str
    salt: bytes
    digest: str
    issued_at: int
    expires_at: int
    attempts: int = 0
    used_at: int | None = None
    slot: int = 0  # 0 .. MAX_LIVE_CODES - 1
    source_ref: str | None = None  # keyed hash of the address the code was asked for from

    def live(self, now: int, max_attempts: int) -> bool:
        return self.used_at is None and now < self.expires_at and self.attempts < max_attempts
