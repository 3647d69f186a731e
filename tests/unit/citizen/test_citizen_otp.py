"""OTP issue/verify, hashing, expiry, attempts and rate limits, with an in-memory store and a fake clock."""

from __future__ import annotations

import dataclasses

import pytest

from vaxcert.citizen.otp import Limit, OtpHasher, OtpOutcome, OtpService
from vaxcert.errors import TooManyRequests
from vaxcert.types.otp import StoredOtp

MOBILE = "+18765550123"
KEY = b"k" * 32


class Clock:
    def __init__(self, now: float = 1_700_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


class MemoryStore:
    def __init__(self) -> None:
        self.otps: dict[tuple[str, int], StoredOtp] = {}
        self.counters: dict[str, int] = {}

    def put_otp(self, otp: StoredOtp, replaces: StoredOtp | None) -> bool:
        if self.otps.get((otp.ref, otp.slot)) != replaces:
            return False
        self.otps[(otp.ref, otp.slot)] = otp
        return True

    def get_otps(self, ref: str) -> list[StoredOtp]:
        return [o for (r, _), o in sorted(self.otps.items()) if r == ref]

    def _current(self, otp: StoredOtp) -> StoredOtp | None:
        now = self.otps.get((otp.ref, otp.slot))
        return now if now is not None and (now.issued_at, now.salt) == (otp.issued_at, otp.salt) else None

    def add_failure(self, otp: StoredOtp, max_attempts: int) -> bool:
        now = self._current(otp)
        if now is None or now.attempts >= max_attempts:
            return False
        self.otps[(otp.ref, otp.slot)] = dataclasses.replace(now, attempts=now.attempts + 1)
        return True

    def consume(self, otp: StoredOtp, max_attempts: int, at: int) -> bool:
        now = self._current(otp)
        if now is None or now.used_at is not None or now.attempts >= max_attempts:
            return False
        self.otps[(otp.ref, otp.slot)] = dataclasses.replace(now, used_at=at)
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


def test_earlier_codes_stay_live_each_with_its_own_tries(store, clock) -> None:
    codes = iter(["111111", "222222", "333333"])
    otps = service(store, clock, new_code=lambda: next(codes))
    for _ in range(3):
        otps.issue(MOBILE, None)
    # A wrong code is one try against every live code: the tries left are those of the freshest.
    assert otps.check(MOBILE, "999999", None).tries_left == 4
    assert otps.verify(MOBILE, "111111", None) is OtpOutcome.OK
    # One session per login: the number's other codes are used up with it.
    assert otps.verify(MOBILE, "222222", None) is OtpOutcome.NONE


def test_tries_left_counts_down_and_a_fresh_code_brings_its_own(store, clock) -> None:
    codes = iter(["111111", "222222"])
    otps = service(store, clock, new_code=lambda: next(codes))
    otps.issue(MOBILE, None)
    checks = [otps.check(MOBILE, "999999", None) for _ in range(3)]
    assert [(c.outcome, c.tries_left) for c in checks] == [(OtpOutcome.WRONG, n) for n in (4, 3, 2)]
    otps.issue(MOBILE, None)
    # The first code has 2 tries left, the new one 5: a wrong code costs one of each.
    assert otps.check(MOBILE, "999999", None).tries_left == 4
    assert otps.verify(MOBILE, "111111", None) is OtpOutcome.OK


def test_a_fourth_code_takes_the_oldest_slot_of_its_own_address(store, clock) -> None:
    codes = iter(["111111", "222222", "333333", "444444"])
    otps = service(store, clock, new_code=lambda: next(codes))
    otps.issue(MOBILE, "192.0.2.1")  # the holder
    clock.now += 1
    otps.issue(MOBILE, "198.51.100.9")  # someone else, three times
    clock.now += 1
    otps.issue(MOBILE, "198.51.100.9")
    clock.now += 1
    otps.issue(MOBILE, "198.51.100.9")
    assert len(store.get_otps(otps.hasher.ref(MOBILE))) == 3
    # The stranger's third code replaced their own first one, never the holder's.
    assert otps.verify(MOBILE, "222222", None) is OtpOutcome.WRONG
    assert otps.verify(MOBILE, "111111", None) is OtpOutcome.OK


def test_a_fourth_code_from_a_new_address_takes_the_oldest_slot(store, clock) -> None:
    codes = iter(["111111", "222222", "333333", "444444"])
    otps = service(store, clock, new_code=lambda: next(codes))
    for ip in ("192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"):
        otps.issue(MOBILE, ip)
        clock.now += 1
    assert otps.verify(MOBILE, "111111", None) is OtpOutcome.WRONG
    assert otps.verify(MOBILE, "444444", None) is OtpOutcome.OK


def test_expired_used_and_locked_codes_free_their_slots_first(store, clock) -> None:
    codes = iter(["111111", "222222", "333333", "444444"])
    otps = service(store, clock, new_code=lambda: next(codes))
    otps.issue(MOBILE, "192.0.2.1")
    clock.now += 301  # 111111 expires
    otps.issue(MOBILE, "192.0.2.2")
    otps.issue(MOBILE, "192.0.2.2")
    otps.issue(MOBILE, "192.0.2.2")  # takes the expired slot, not 222222's
    assert otps.verify(MOBILE, "222222", None) is OtpOutcome.OK


def test_outcome_of_a_number_without_live_codes_is_that_of_its_newest(store, clock) -> None:
    otps = service(store, clock, new_code=lambda: "111111")
    otps.issue(MOBILE, None)
    clock.now += 1
    otps.issue(MOBILE, None)
    clock.now += 300
    assert otps.check(MOBILE, "111111", None).outcome is OtpOutcome.EXPIRED


def test_per_number_and_address_limits_with_retry_after(store, clock) -> None:
    clock.now = 900 * 1000  # the start of a 15-minute window
    otps = service(store, clock)
    ip = "198.51.100.7"
    for _ in range(3):
        otps.issue(MOBILE, ip)
    with pytest.raises(TooManyRequests) as refused:
        otps.issue(MOBILE, ip)
    assert refused.value.retry_after_s == 900
    clock.now += 600
    with pytest.raises(TooManyRequests) as refused:
        otps.issue(MOBILE, ip)
    assert refused.value.retry_after_s == 300
    # Next 15-minute window: 2 more fit in the hour (5 per hour; refused requests did not count),
    # then the hourly limit answers.
    clock.now += 300
    otps.issue(MOBILE, ip)
    otps.issue(MOBILE, ip)
    with pytest.raises(TooManyRequests) as refused:
        otps.issue(MOBILE, ip)
    assert refused.value.retry_after_s == 3600 - 900
    # The holder at another address, and other numbers, are unaffected.
    otps.issue(MOBILE, "192.0.2.1")
    otps.issue("+18765550124", ip)


def test_number_wide_limits_are_twice_the_per_address_ones(store, clock) -> None:
    clock.now = 900 * 1000
    otps = service(store, clock, ip_limits=())
    for n in range(6):
        otps.issue(MOBILE, f"192.0.2.{n}")
    with pytest.raises(TooManyRequests):
        otps.issue(MOBILE, "192.0.2.99")
    # Refused by the number-wide window: the new address's own allowance was not used up.
    clock.now += 900
    for _ in range(3):
        otps.issue(MOBILE, "192.0.2.99")


def test_a_stranger_cannot_use_up_the_holders_day(store, clock) -> None:
    clock.now = 86_400 * 20_000
    otps = service(store, clock, ip_limits=())
    sent = 0
    for _ in range(96):  # every 15 minutes for a day
        try:
            otps.issue(MOBILE, "198.51.100.66")
            sent += 1
        except TooManyRequests:
            pass
        clock.now += 900
    assert sent == 10
    clock.now -= 900  # still the same UTC day
    assert otps.issue(MOBILE, "192.0.2.1")


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
