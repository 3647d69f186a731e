"""One-time passwords for citizen login, and the rate limits around them.

Hashing: a 6-digit code has only 10^6 values, so any unkeyed hash (SHA-256, even scrypt with a
salt) of it is brute-forced offline in seconds to hours by anyone holding a copy of the table.
The code is therefore stored as HMAC-SHA256 under a secret key (the "pepper", from Secrets
Manager, never in the table), over a per-OTP random salt, the mobile number and the code: a table
dump alone reveals nothing, and online guessing is bounded by MAX_ATTEMPTS per code and the
per-number limit on new codes. The same key makes `ref(mobile)`, the opaque handle that stands in
for the mobile number in table keys and in the audit trail.

Each number has at most one live code: a new request replaces the old one (and its attempts).
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

from vaxcert.errors import TooManyRequests

OTP_DIGITS = 6
OTP_TTL_S = 300
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Limit:
    name: str
    max_count: int
    window_s: int


# A person needs one code, maybe a resend or two; more is someone else or a script. The daily cap
# bounds online guessing per number: 10 codes x MAX_ATTEMPTS = 50 guesses per UTC day (5 x 10^-5 of
# the 10^6 codes), and the SMS one number can be sent in a day.
NUMBER_LIMITS: tuple[Limit, ...] = (Limit("15m", 3, 900), Limit("1h", 5, 3600), Limit("24h", 10, 86400))
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


@dataclass(frozen=True)
class StoredOtp:
    ref: str
    salt: bytes
    digest: str
    issued_at: int
    expires_at: int
    attempts: int = 0
    used_at: int | None = None


class OtpStore(Protocol):
    def put_otp(self, otp: StoredOtp) -> None: ...

    def get_otp(self, ref: str) -> StoredOtp | None: ...

    def add_failure(self, ref: str, issued_at: int, max_attempts: int) -> bool:
        """Count one wrong try on that code if it has fewer than `max_attempts`; False otherwise."""
        ...

    def consume(self, ref: str, issued_at: int, max_attempts: int, now: int) -> bool:
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


class RateLimiter:
    """Fixed-window counters in the store. Coarse at window edges, but cheap and exact per window."""

    def __init__(self, store: OtpStore, clock: Callable[[], float] = time.time):
        self._store = store
        self._clock = clock

    def check(self, scope: str, subject_ref: str, limits: Sequence[Limit]) -> None:
        now = int(self._clock())
        retry_after = 0
        counted: list[str] = []
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
        self._ip_limits = ip_limits
        self._ip_session_limits = ip_session_limits

    def issue(self, mobile: str, source_ip: str | None) -> str:
        """A fresh code for `mobile` (E.164), replacing any earlier one; TooManyRequests past the limits."""
        if source_ip:
            self._limits.check("ip", self.hasher.ref(source_ip), self._ip_limits)
        ref = self.hasher.ref(mobile)
        self._limits.check("mobile", ref, self._number_limits)
        code = self._new_code()
        salt = secrets.token_bytes(16)
        now = int(self._clock())
        self._store.put_otp(
            StoredOtp(
                ref=ref,
                salt=salt,
                digest=self.hasher.digest(mobile, salt, code),
                issued_at=now,
                expires_at=now + self.ttl_s,
            )
        )
        return code

    def verify(self, mobile: str, code: str, source_ip: str | None) -> OtpOutcome:
        if source_ip:
            self._limits.check("ip", self.hasher.ref(source_ip), self._ip_session_limits)
        ref = self.hasher.ref(mobile)
        otp = self._store.get_otp(ref)
        now = int(self._clock())
        if otp is None or otp.used_at is not None:
            return OtpOutcome.NONE
        if now >= otp.expires_at:
            return OtpOutcome.EXPIRED
        if otp.attempts >= self.max_attempts:
            return OtpOutcome.LOCKED
        if not hmac.compare_digest(otp.digest, self.hasher.digest(mobile, otp.salt, code)):
            counted = self._store.add_failure(ref, otp.issued_at, self.max_attempts)
            if not counted or otp.attempts + 1 >= self.max_attempts:
                return OtpOutcome.LOCKED
            return OtpOutcome.WRONG
        # Conditional: of two concurrent requests with the right code, only one gets a session.
        if not self._store.consume(ref, otp.issued_at, self.max_attempts, now):
            return OtpOutcome.NONE
        return OtpOutcome.OK
