"""One function's composition root: settings -> adapters -> services, built on first use (never at
import time), once per process, and replaceable by a test that builds the services with fakes."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any, Generic, TypeVar

S = TypeVar("S")

# Every root of this process, so that vaxcert.runtime.wiring.rebind() can reset them all.
_roots: weakref.WeakSet[Root[Any]] = weakref.WeakSet()


class Root(Generic[S]):
    def __init__(self, build: Callable[[], S]):
        self._build = build
        self._built: S | None = None
        self._lock = threading.Lock()
        _roots.add(self)

    def __call__(self) -> S:
        built = self._built
        if built is None:
            with self._lock:  # the local gateway serves requests on threads
                if self._built is None:
                    self._built = self._build()
                built = self._built
        return built

    def use(self, services: S) -> None:
        """Tests: answer with these services (built from fakes) instead of building the real ones."""
        with self._lock:
            self._built = services

    def reset(self) -> None:
        with self._lock:
            self._built = None


def reset_all() -> None:
    """Every root of this process builds its services afresh on next use."""
    for root in list(_roots):
        root.reset()
