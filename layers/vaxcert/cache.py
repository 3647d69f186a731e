"""One time-limited cache for values that are slow to load and change rarely (keys, secrets, trust).

    keys = TtlCache(load_jwks, ttl_s=6 * 3600, keep_on_failure=(OSError,))
    key = keys.lookup(lambda jwks: jwks.get(kid), min_age_s=60)   # unknown kid: reload once, then look again

- `get()` loads on first use and again once the value is older than `ttl_s`.
- `lookup(find, min_age_s)`: a miss (find returns None) reloads once, at most every `min_age_s`
  seconds, and looks again: a key created a moment ago (rotation) is found without waiting for
  the TTL, and unknown ids cannot make every request reload.
- `keep_on_failure`: when a reload raises one of these and a value was loaded before, keep serving
  it (the failure is retried on the next call); without a value the exception propagates.

`TtlCacheMap` is the same for values looked up by key (a staff account's status by username): one
TtlCache per key, at most `max_entries` of them.

    statuses = TtlCacheMap(load_status, ttl_s=300)
    status = statuses.get("nurse1")
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")
K = TypeVar("K", bound=Hashable)


class TtlCache(Generic[T]):
    def __init__(
        self,
        load: Callable[[], T],
        ttl_s: float = math.inf,
        *,
        keep_on_failure: tuple[type[BaseException], ...] = (),
        clock: Callable[[], float] = time.monotonic,
    ):
        self._load = load
        self.ttl_s = ttl_s
        self._keep_on_failure = keep_on_failure
        self._clock = clock
        self._value: T | None = None
        self._loaded = False
        self.loaded_at: float | None = None

    def get(self) -> T:
        if not self._loaded or self._age() > self.ttl_s:
            return self.reload()
        return self._value  # type: ignore[return-value]

    def reload(self) -> T:
        try:
            value = self._load()
        except self._keep_on_failure:
            if not self._loaded:
                raise
            return self._value  # type: ignore[return-value]
        self._value, self._loaded, self.loaded_at = value, True, self._clock()
        return value

    def lookup(self, find: Callable[[T], R | None], min_age_s: float = 0.0) -> R | None:
        """find(value); on a miss, reload once if the value is older than `min_age_s`, and find again."""
        found = find(self.get())
        if found is None and self._age() > min_age_s:
            found = find(self.reload())
        return found

    def peek(self) -> T | None:
        """The value last loaded (None before the first load), without loading."""
        return self._value

    def clear(self) -> None:
        self._value, self._loaded, self.loaded_at = None, False, None

    def _age(self) -> float:
        return math.inf if self.loaded_at is None else self._clock() - self.loaded_at


class TtlCacheMap(Generic[K, T]):
    """A TtlCache per key, loaded by `load(key)`; past `max_entries` keys all are dropped (memory
    stays bounded whatever keys callers send)."""

    def __init__(
        self,
        load: Callable[[K], T],
        ttl_s: float = math.inf,
        *,
        keep_on_failure: tuple[type[BaseException], ...] = (),
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._load = load
        self.ttl_s = ttl_s
        self._keep_on_failure = keep_on_failure
        self._max_entries = max_entries
        self._clock = clock
        self._entries: dict[K, TtlCache[T]] = {}

    def get(self, key: K) -> T:
        entry = self._entries.get(key)
        if entry is None:
            if len(self._entries) >= self._max_entries:
                self._entries.clear()
            entry = TtlCache(
                lambda: self._load(key), self.ttl_s, keep_on_failure=self._keep_on_failure, clock=self._clock
            )
            value = entry.get()  # a failed first load leaves no entry behind
            self._entries[key] = entry
            return value
        return entry.get()

    def forget(self, key: K) -> None:
        """The next `get(key)` loads again."""
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
