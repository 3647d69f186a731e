"""OTP issue/verify, hashing, expiry, attempts and rate limits, with an in-memory store and a fake clock."""

from __future__ import annotations

import dataclasses

import pytest

from vaxcert.citizen.otp import Limit, OtpHasher, OtpOutcome, OtpService, StoredOtp
from vaxcert.errors import TooManyRequests

MOBILE = "+18765550123"
KEY = b"k" * 32


class Clock:
    def __init__(self, now: float = 1_700_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


class MemoryStore:
    def __init__(self) -> None:
        self.otps: dict[str, StoredOtp] = {}
        self.counters: dict[str, int] = {}

    def put_otp(self, otp: StoredOtp) -> None:
        self.otps[otp.ref] = otp

    def get_otp(self, ref: str) -> StoredOtp | None:
        return self.otps.get(ref)

    def add_failure(self, ref: str, issued_at: int, max_attempts: int) -> bool:
        otp = self.otps.get(ref)
        if otp is None or otp.issued_at != issued_at or otp.attempts >= max_attempts:
            return False
        self.otps[ref] = dataclasses.replace(otp, attempts=otp.attempts + 1)
        return True

    def consume(self, ref: str, issued_at: int, max_attempts: int, now: int) -> bool:
        otp = self.otps.get(ref)
        if (
            otp is None
            or otp.issued_at != issued_at
            or otp.used_at is not None
            or otp.attempts >= max_attempts
        ):
            return False
        self.otps[ref] = dataclasses.replace(otp, used_at=now)
        return True

    def unhit(self, key: str) -> None:
        self.counters[key] -= 1

    def hit(self, key: str, max_count: int, expires_at: int) -> bool:
        if self.counters.get(key, 0) >= max_count:
            return False
        self.counters[key] = self.counters.get(key, 0) + 1
        return True


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


def service(store: MemoryStore, clock: Clock, **kwargs) -> OtpService:
    return OtpService(store, OtpHasher(KEY), clock=clock, **kwargs)


def test_code_is_six_digits_and_stored_only_as_keyed_hash(store, clock) -> None:
    otps = service(store, clock)
    code = otps.issue(MOBILE, "192.0.2.1")
    assert len(code) == 6 and code.isdigit()
    [stored] = store.otps.values()
    assert code not in repr(stored) and "5550123" not in repr(stored)
    assert len(stored.salt) == 16
    # Keyed: the same code, number and salt under another key gives another digest.
    assert OtpHasher(b"x" * 32).digest(MOBILE, stored.salt, code) != stored.digest
    assert stored.expires_at - stored.issued_at == 300


def test_hasher_separates_domains_and_needs_a_real_key() -> None:
    hasher = OtpHasher(KEY)
    assert hasher.ref(MOBILE) == hasher.ref(MOBILE) != hasher.ref("+18765550124")
    assert len(hasher.ref(MOBILE)) == 32
    assert hasher.digest(MOBILE, b"s" * 16, "123456") != hasher.digest(MOBILE, b"s" * 16, "123457")
    with pytest.raises(ValueError):
        OtpHasher(b"short")


def test_right_code_once(store, clock) -> None:
    otps = service(store, clock)
    code = otps.issue(MOBILE, None)
    assert otps.verify(MOBILE, code, None) is OtpOutcome.OK
    assert otps.verify(MOBILE, code, None) is OtpOutcome.NONE  # single use


def test_code_is_bound_to_the_number(store, clock) -> None:
    otps = service(store, clock)
    code = otps.issue(MOBILE, None)
    assert otps.verify("+18765550124", code, None) is OtpOutcome.NONE


def test_expires_after_five_minutes(store, clock) -> None:
    otps = service(store, clock)
    code = otps.issue(MOBILE, None)
    clock.now += 299
    assert otps.verify(MOBILE, "000000" if code != "000000" else "111111", None) is OtpOutcome.WRONG
    clock.now += 1
    assert otps.verify(MOBILE, code, None) is OtpOutcome.EXPIRED


def test_five_wrong_tries_lock_until_a_new_code(store, clock) -> None:
    codes = iter(["111111", "222222"])
    otps = service(store, clock, new_code=lambda: next(codes))
    otps.issue(MOBILE, None)
    outcomes = [otps.verify(MOBILE, "999999", None) for _ in range(5)]
    assert outcomes == [OtpOutcome.WRONG] * 4 + [OtpOutcome.LOCKED]
    assert otps.verify(MOBILE, "111111", None) is OtpOutcome.LOCKED
    otps.issue(MOBILE, None)
    assert otps.verify(MOBILE, "222222", None) is OtpOutcome.OK


def test_new_code_replaces_the_old_one(store, clock) -> None:
    codes = iter(["111111", "222222"])
    otps = service(store, clock, new_code=lambda: next(codes))
    otps.issue(MOBILE, None)
    otps.issue(MOBILE, None)
    assert otps.verify(MOBILE, "111111", None) is OtpOutcome.WRONG
    assert otps.verify(MOBILE, "222222", None) is OtpOutcome.OK


def test_per_number_limits_with_retry_after(store, clock) -> None:
    clock.now = 900 * 1000  # the start of a 15-minute window
    otps = service(store, clock)
    for _ in range(3):
        otps.issue(MOBILE, None)
    with pytest.raises(TooManyRequests) as refused:
        otps.issue(MOBILE, None)
    assert refused.value.retry_after_s == 900
    clock.now += 600
    with pytest.raises(TooManyRequests) as refused:
        otps.issue(MOBILE, None)
    assert refused.value.retry_after_s == 300
    # Next 15-minute window: 2 more fit in the hour (5 per hour; refused requests did not count),
    # then the hourly limit answers.
    clock.now += 300
    otps.issue(MOBILE, None)
    otps.issue(MOBILE, None)
    with pytest.raises(TooManyRequests) as refused:
        otps.issue(MOBILE, None)
    assert refused.value.retry_after_s == 3600 - 900
    # Other numbers are unaffected.
    otps.issue("+18765550124", None)


def test_per_ip_limit(store, clock) -> None:
    otps = service(store, clock, ip_limits=(Limit("t", 2, 60),))
    otps.issue("+18765550001", "198.51.100.7")
    otps.issue("+18765550002", "198.51.100.7")
    with pytest.raises(TooManyRequests):
        otps.issue("+18765550003", "198.51.100.7")
    otps.issue("+18765550003", "198.51.100.8")


def test_per_ip_limit_on_code_checks(store, clock) -> None:
    otps = service(store, clock, ip_session_limits=(Limit("s", 3, 60),))
    for _ in range(3):
        otps.verify(MOBILE, "123456", "198.51.100.7")
    with pytest.raises(TooManyRequests):
        otps.verify(MOBILE, "123456", "198.51.100.7")


def test_codes_are_uniformish() -> None:
    otps = OtpService(MemoryStore(), OtpHasher(KEY), number_limits=(), ip_limits=())
    codes = {otps.issue(f"+1876555{n:04d}", None) for n in range(200)}
    assert len(codes) > 190  # 200 draws from 10^6: collisions are rare
