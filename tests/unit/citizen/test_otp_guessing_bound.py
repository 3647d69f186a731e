"""How many guesses an attacker gets at one number's codes, with the real limits and a fake clock.

The attacker has unlimited source addresses (no per-IP limit applies: the worst case), asks for a new
code whenever the limits allow, and spends all MAX_ATTEMPTS tries on each. The bound:

- per code: MAX_ATTEMPTS = 5 tries, then the code is locked;
- a wrong guess is one try against every live code (up to 3), so live codes add no guesses;
- per number, whatever the address: 6 codes / 15 min, 10 / clock hour, 20 / UTC day (fixed windows,
  twice the per-(number, address) limits, so one address cannot use up the holder's day);
- so <= 50 guesses per clock hour and <= 100 per UTC day; across window edges any rolling hour
  holds <= 20 codes (100 guesses) and any rolling 24 hours <= 40 codes (200 guesses);
- success chance: each guess is compared with at most 3 live codes, but every code takes at most
  5 guesses, so <= 5 x 10^-6 per code, <= 10^-4 per day, <= 3.7% per year of uninterrupted attack
  from unlimited addresses, which also sends the holder 7,300 codes by SMS.
  Searching the 10^6 space is impossible: every code is new, and 10^6 guesses take 20,000 days.
"""

from __future__ import annotations

from collections import Counter

from tests.unit.citizen.test_citizen_otp import KEY, MOBILE, Clock, MemoryStore
from vaxcert.citizen.otp import (
    MAX_ATTEMPTS,
    NUMBER_ADDRESS_LIMITS,
    NUMBER_LIMITS,
    OtpHasher,
    OtpOutcome,
    OtpService,
)
from vaxcert.errors import TooManyRequests

DAY = 86_400
REAL_CODE = "999999"  # the attacker's guesses count up from 000000 and never reach it


def attack(days: int, start: float) -> tuple[list[float], list[float]]:
    """Run the attacker for `days`; returns the times of codes issued and of guesses compared."""
    clock = Clock(start)
    otps = OtpService(MemoryStore(), OtpHasher(KEY), clock=clock, new_code=lambda: REAL_CODE, ip_limits=())
    codes: list[float] = []
    guesses: list[float] = []
    guess = 0
    end = start + days * DAY
    while clock.now < end:
        try:
            otps.issue(MOBILE, None)
        except TooManyRequests as refused:
            clock.now += refused.retry_after_s  # come back the second the limit allows
            continue
        codes.append(clock.now)
        while True:
            outcome = otps.verify(MOBILE, f"{guess:06d}", None)
            guess += 1
            guesses.append(clock.now)
            assert outcome in (OtpOutcome.WRONG, OtpOutcome.LOCKED)
            if outcome is OtpOutcome.LOCKED:
                break
        assert otps.verify(MOBILE, REAL_CODE, None) is OtpOutcome.LOCKED  # even the right code now
        clock.now += 1
    return codes, guesses


def max_in_window(times: list[float], width: float) -> int:
    return max(sum(1 for t in times if s <= t < s + width) for s in times)


def test_the_limits_are_what_the_bound_assumes() -> None:
    assert MAX_ATTEMPTS == 5
    assert {(limit.max_count, limit.window_s) for limit in NUMBER_LIMITS} == {(6, 900), (10, 3600), (20, DAY)}
    assert {(limit.max_count, limit.window_s) for limit in NUMBER_ADDRESS_LIMITS} == {
        (3, 900),
        (5, 3600),
        (10, DAY),
    }


def test_guesses_per_number_are_bounded_per_hour_and_per_day() -> None:
    start = 1_714_608_000.0  # 2024-05-02T00:00:00Z
    codes, guesses = attack(days=3, start=start)
    per_day = Counter(int(t // DAY) for t in guesses)
    per_hour = Counter(int(t // 3600) for t in guesses)
    assert set(per_day.values()) == {20 * MAX_ATTEMPTS}  # exactly 100 a UTC day: the limit binds
    assert max(per_hour.values()) <= 10 * MAX_ATTEMPTS
    assert len(guesses) == 3 * 100 and len(codes) == 60
    # Rolling windows: at most twice the fixed-window figure (the documented edge effect).
    assert max_in_window(codes, 3600) <= 20
    assert max_in_window(codes, DAY) <= 40


def test_an_attacker_timing_the_day_edge_gets_at_most_twice_the_daily_bound() -> None:
    # Start two hours before midnight UTC: a full day's codes before it, another day's after.
    _, guesses = attack(days=1, start=1_714_608_000.0 - 7200)
    assert max_in_window(guesses, DAY) <= 2 * 20 * MAX_ATTEMPTS
    # A year at this rate covers under 4% of the code space.
    assert 365 * 20 * MAX_ATTEMPTS / 10**6 < 0.04
