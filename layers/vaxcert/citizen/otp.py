"""One-time passwords for citizen login, and the rate limits around them.

Hashing: a 6-digit code has only 10^6 values, so any unkeyed hash (SHA-256, even scrypt with a
salt) of it is brute-forced offline in seconds to hours by anyone holding a copy of the table.
The code is therefore stored as HMAC-SHA256 under a secret key (the "pepper", from Secrets
Manager, never in the table), over a per-OTP random salt, the mobile number and the code: a table
dump alone reveals nothing, and online guessing is bounded by MAX_ATTEMPTS per code and the
per-number limit on new codes. The same key makes `ref(mobile)`, the opaque handle that stands in
for the mobile number in table keys and in the audit trail.

Each number has up to MAX_LIVE_CODES live codes, each with its own tries, so a stranger asking for codes
for someone else's number cannot kill the code the holder is about to type: a new code takes a free slot
(empty, expired, used or locked), else the oldest slot of a code asked for from the same address, else the
oldest slot. A wrong guess is one try against every live code (it was compared with each), so guessing is
bounded per number as if there were one code. The per-number request limits are also counted per (number,
source address), and the number-wide ones are twice as loose: one address cannot use up a number's day.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from vaxcert.errors import TooManyRequests, TransientFailure
from vaxcert.types.otp import MAX_LIVE_CODES, StoredOtp

OTP_DIGITS = 6
OTP_TTL_S = 300
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Limit:
    name: str
    max_count: int
    window_s: int


# A person needs one code, maybe a resend or two; more is someone else or a script. Counted per
# (number, source address): what one person (or one stranger) may ask for one number.
NUMBER_ADDRESS_LIMITS: tuple[Limit, ...] = (
    Limit("15m", 3, 900),
    Limit("1h", 5, 3600),
    Limit("24h", 10, 86400),
)
# Counted per number whatever the address: twice the above, so a stranger at one address can never use
# up the holder's allowance. The daily cap bounds online guessing per number: 20 codes x MAX_ATTEMPTS =
# 100 guesses per UTC day (10^-4 of the 10^6 codes), and the SMS one number can be sent in a day.
NUMBER_LIMITS: tuple[Limit, ...] = (Limit("15m", 6, 900), Limit("1h", 10, 3600), Limit("24h", 20, 86400))
# Per source IP: looser, since mobile carriers put many subscribers behind one address (CGNAT).
# The first line against distributed abuse is the WAF rate rule in front of API Gateway.
IP_OTP_LIMITS: tuple[Limit, ...] = (Limit("otp-15m", 30, 900), Limit("otp-1h", 100, 3600))
IP_SESSION_LIMITS: tuple[Limit, ...] = (Limit("session-15m", 60, 900),)


class OtpHasher:
    """Keyed hashes (HMAC-SHA256 with domain separation) of codes and of mobile numbers."""

    def __init__(self, key: bytes):
        if len(key) < 16:
            raise ValueError("the OTP key must have at least 128 bits")
        self._key = key

    def _mac(self, label: bytes, *parts: bytes) -> bytes:
        mac = hmac.new(self._key, label, hashlib.sha256)
        for part in parts:
            mac.update(len(part).to_bytes(2, "big") + part)  # length-prefixed: no ambiguity
        return mac.digest()

    def ref(self, subject: str) -> str:
        """Stable opaque handle for a mobile number (or an IP address) in keys and the audit trail."""
        return self._mac(b"vaxcert/ref/v1", subject.encode()).hex()[:32]

    def digest(self, mobile: str, salt: bytes, code: str) -> str:
        return self._mac(b"vaxcert/otp/v1", salt, mobile.encode(), code.encode()).hex()


class OtpStore(Protocol):
    def put_otp(self, otp: StoredOtp, replaces: StoredOtp | None) -> bool:
        """Write `otp` into its slot if the slot still holds `replaces` (None: empty); False otherwise."""
        ...

    def get_otps(self, ref: str) -> list[StoredOtp]:
        """Every stored code of that number (at most MAX_LIVE_CODES), strongly consistent."""
        ...

    def add_failure(self, otp: StoredOtp, max_attempts: int) -> bool:
        """Count one wrong try on that code if it has fewer than `max_attempts`; False otherwise."""
        ...

    def consume(self, otp: StoredOtp, max_attempts: int, now: int) -> bool:
        """Mark that code used if it is unused and not locked; False if another request won."""
        ...

    def hit(self, key: str, max_count: int, expires_at: int) -> bool:
        """Count one event in a rate-limit window; False (and no count) when it is already full."""
        ...

    def unhit(self, key: str) -> None:
        """Take back one counted event (the request was refused by another window)."""
        ...


class OtpOutcome(StrEnum):
    OK = "ok"
    WRONG = "wrong"
    EXPIRED = "expired"
    LOCKED = "locked"  # MAX_ATTEMPTS wrong tries: a new code is needed
    NONE = "none"  # no code requested, or already used


@dataclass(frozen=True)
class OtpCheck:
    outcome: OtpOutcome
    # After a wrong code: how many more tries the number's codes allow (the most any live code has).
    tries_left: int = 0


class RateLimiter:
    """Fixed-window counters in the store. Coarse at window edges, but cheap and exact per window."""

    def __init__(self, store: OtpStore, clock: Callable[[], float] = time.time):
        self._store = store
        self._clock = clock

    def check(self, scope: str, subject_ref: str, limits: Sequence[Limit]) -> None:
        self.check_all([(scope, subject_ref, limits)])

    def check_all(self, groups: Sequence[tuple[str, str, Sequence[Limit]]]) -> None:
        """Count one event in every window of every (scope, subject, limits) group, or in none."""
        now = int(self._clock())
        retry_after = 0
        counted: list[str] = []
        for scope, subject_ref, limits in groups:
            for limit in limits:
                window = now // limit.window_s
                window_end = (window + 1) * limit.window_s
                key = f"rl#{scope}#{limit.name}#{subject_ref}#{window}"
                if self._store.hit(key, limit.max_count, window_end):
                    counted.append(key)
                else:
                    retry_after = max(retry_after, window_end - now)
        if retry_after:
            # A refused request must not use up the other windows (a few impatient "resend" taps
            # would otherwise block the number for the hour).
            for key in counted:
                self._store.unhit(key)
            raise TooManyRequests("too many requests, try again later", retry_after_s=max(1, retry_after))


class OtpService:
    def __init__(
        self,
        store: OtpStore,
        hasher: OtpHasher,
        *,
        clock: Callable[[], float] = time.time,
        new_code: Callable[[], str] | None = None,
        ttl_s: int = OTP_TTL_S,
        max_attempts: int = MAX_ATTEMPTS,
        number_limits: Sequence[Limit] = NUMBER_LIMITS,
        number_address_limits: Sequence[Limit] = NUMBER_ADDRESS_LIMITS,
        ip_limits: Sequence[Limit] = IP_OTP_LIMITS,
        ip_session_limits: Sequence[Limit] = IP_SESSION_LIMITS,
    ):
        self._store = store
        self.hasher = hasher
        self._clock = clock
        self._new_code = new_code or (lambda: f"{secrets.randbelow(10**OTP_DIGITS):0{OTP_DIGITS}d}")
        self.ttl_s = ttl_s
        self.max_attempts = max_attempts
        self._limits = RateLimiter(store, clock)
        self._number_limits = number_limits
        self._number_address_limits = number_address_limits
        self._ip_limits = ip_limits
        self._ip_session_limits = ip_session_limits

    def issue(self, mobile: str, source_ip: str | None) -> str:
        """A fresh code for `mobile` (E.164), in a free slot or the slot chosen by `_slot_for` (see the
        module docstring); TooManyRequests past the limits."""
        ref = self.hasher.ref(mobile)
        source_ref = self.hasher.ref(source_ip) if source_ip else None
        if source_ref:
            self._limits.check("ip", source_ref, self._ip_limits)
        groups: list[tuple[str, str, Sequence[Limit]]] = [("mobile", ref, self._number_limits)]
        if source_ref:
            groups.append(("mobile-ip", f"{ref}#{source_ref}", self._number_address_limits))
        self._limits.check_all(groups)
        code = self._new_code()
        salt = secrets.token_bytes(16)
        for _ in range(3):  # another request took the chosen slot at the same moment: choose again
            now = int(self._clock())
            existing = self._store.get_otps(ref)
            slot, replaces = self._slot_for(existing, source_ref, now)
            otp = StoredOtp(
                ref=ref,
                salt=salt,
                digest=self.hasher.digest(mobile, salt, code),
                issued_at=now,
                expires_at=now + self.ttl_s,
                slot=slot,
                source_ref=source_ref,
            )
            if self._store.put_otp(otp, replaces):
                return code
        raise TransientFailure("could not store the code, please retry")

    def _slot_for(
        self, existing: list[StoredOtp], source_ref: str | None, now: int
    ) -> tuple[int, StoredOtp | None]:
        by_slot = {o.slot: o for o in existing if 0 <= o.slot < MAX_LIVE_CODES}
        for slot in range(MAX_LIVE_CODES):
            if slot not in by_slot:
                return slot, None
        dead = [o for o in by_slot.values() if not o.live(now, self.max_attempts)]
        same_address = [o for o in by_slot.values() if source_ref and o.source_ref == source_ref]
        victim = min(dead or same_address or list(by_slot.values()), key=lambda o: (o.issued_at, o.slot))
        return victim.slot, victim

    def verify(self, mobile: str, code: str, source_ip: str | None) -> OtpOutcome:
        return self.check(mobile, code, source_ip).outcome

    def check(self, mobile: str, code: str, source_ip: str | None) -> OtpCheck:
        if source_ip:
            self._limits.check("ip", self.hasher.ref(source_ip), self._ip_session_limits)
        ref = self.hasher.ref(mobile)
        now = int(self._clock())
        stored = sorted(self._store.get_otps(ref), key=lambda o: o.issued_at)
        live = [o for o in stored if o.live(now, self.max_attempts)]
        if not live:
            return OtpCheck(_dead_outcome(stored[-1] if stored else None, now, self.max_attempts))
        # Compare with every live code (no early exit: the time taken says nothing about which).
        matches = [o for o in live if hmac.compare_digest(o.digest, self.hasher.digest(mobile, o.salt, code))]
        if not matches:
            tries_left = 0
            for otp in live:
                if self._store.add_failure(otp, self.max_attempts):
                    tries_left = max(tries_left, self.max_attempts - otp.attempts - 1)
            if tries_left == 0:
                return OtpCheck(OtpOutcome.LOCKED)
            return OtpCheck(OtpOutcome.WRONG, tries_left)
        # Conditional: of two concurrent requests with the right code, only one gets a session.
        if not self._store.consume(matches[0], self.max_attempts, now):
            return OtpCheck(OtpOutcome.NONE)
        # The holder is in: the number's other codes must not open a second session.
        for otp in live:
            if otp is not matches[0]:
                self._store.consume(otp, self.max_attempts, now)
        return OtpCheck(OtpOutcome.OK)


def _dead_outcome(newest: StoredOtp | None, now: int, max_attempts: int) -> OtpOutcome:
    """Why the newest code of a number no longer works."""
    if newest is None or newest.used_at is not None:
        return OtpOutcome.NONE
    if now >= newest.expires_at:
        return OtpOutcome.EXPIRED
    return OtpOutcome.LOCKED
