"""vaxcert.cache.TtlCache: load once, reload after the TTL, reload once on a miss, keep serving on failure."""

from __future__ import annotations

import pytest

from vaxcert.cache import TtlCache, TtlCacheMap


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Source:
    def __init__(self) -> None:
        self.loads = 0
        self.fail: Exception | None = None
        self.keys = {"k1"}

    def __call__(self) -> set[str]:
        self.loads += 1
        if self.fail:
            raise self.fail
        return set(self.keys)


def test_loads_on_first_use_and_again_after_the_ttl() -> None:
    clock, source = Clock(), Source()
    cache = TtlCache(source, 60, clock=clock)
    assert source.loads == 0
    assert cache.get() == {"k1"} and cache.get() == {"k1"}
    assert source.loads == 1
    clock.now += 60
    cache.get()
    assert source.loads == 1  # not older than the TTL yet
    clock.now += 1
    cache.get()
    assert source.loads == 2


def test_a_miss_reloads_once_at_most_every_min_age() -> None:
    clock, source = Clock(), Source()
    cache = TtlCache(source, 3600, clock=clock)

    def find(keys: set[str]) -> str | None:
        return "k2" if "k2" in keys else None

    assert cache.lookup(find, min_age_s=5) is None
    assert source.loads == 1  # just loaded: no second load for the miss
    source.keys.add("k2")  # a key rotated in
    clock.now += 3
    assert cache.lookup(find, min_age_s=5) is None and source.loads == 1
    clock.now += 3
    assert cache.lookup(find, min_age_s=5) == "k2" and source.loads == 2
    assert cache.lookup(find, min_age_s=5) == "k2" and source.loads == 2  # a hit never reloads


def test_failed_reload_keeps_serving_the_last_value_and_retries() -> None:
    clock, source = Clock(), Source()
    cache = TtlCache(source, 60, keep_on_failure=(OSError,), clock=clock)
    assert cache.get() == {"k1"}
    source.fail = OSError("down")
    clock.now += 61
    assert cache.get() == {"k1"} and cache.get() == {"k1"}
    assert source.loads == 3  # each call after the TTL tries again
    source.fail = None
    source.keys = {"k3"}
    assert cache.get() == {"k3"}


def test_failure_without_a_value_and_other_errors_propagate() -> None:
    source = Source()
    source.fail = OSError("down")
    with pytest.raises(OSError):
        TtlCache(source, 60, keep_on_failure=(OSError,)).get()
    source.fail = ValueError("bad document")
    cache = TtlCache(source, 0, keep_on_failure=(OSError,))
    with pytest.raises(ValueError):
        cache.get()
    assert cache.peek() is None


class Statuses:
    def __init__(self) -> None:
        self.loads: list[str] = []
        self.fail: Exception | None = None

    def __call__(self, key: str) -> str:
        self.loads.append(key)
        if self.fail:
            raise self.fail
        return f"{key}@{len(self.loads)}"


def test_a_map_loads_each_key_once_per_ttl() -> None:
    clock, load = Clock(), Statuses()
    cache: TtlCacheMap[str, str] = TtlCacheMap(load, ttl_s=300, clock=clock)
    assert cache.get("a") == "a@1" and cache.get("b") == "b@2"
    clock.now += 299
    assert cache.get("a") == "a@1" and load.loads == ["a", "b"]
    clock.now += 2
    assert cache.get("a") == "a@3"
    cache.forget("b")
    assert cache.get("b") == "b@4"


def test_a_map_keeps_serving_a_key_when_its_reload_fails() -> None:
    clock, load = Clock(), Statuses()
    cache: TtlCacheMap[str, str] = TtlCacheMap(load, ttl_s=10, keep_on_failure=(OSError,), clock=clock)
    assert cache.get("a") == "a@1"
    load.fail = OSError("down")
    clock.now += 11
    assert cache.get("a") == "a@1"  # stale, but served
    with pytest.raises(OSError):
        cache.get("new")  # nothing to serve
    assert len(cache) == 1  # the failed first load left no entry
    load.fail = None
    assert cache.get("a") == "a@4"  # retried on the next call


def test_a_map_stays_bounded() -> None:
    load = Statuses()
    cache: TtlCacheMap[str, str] = TtlCacheMap(load, max_entries=3)
    for key in "abcde":
        cache.get(key)
    assert len(cache) <= 3
