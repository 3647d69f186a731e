"""A composition root builds once, on first use, and a test can hand it services built with fakes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from vaxcert.runtime.root import Root


def test_built_on_first_use_only_once_even_from_many_threads() -> None:
    builds: list[int] = []

    def build() -> dict[str, int]:
        builds.append(1)
        return {"service": len(builds)}

    root = Root(build)
    assert builds == []  # nothing at definition time
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: root(), range(32)))
    assert builds == [1] and all(a is answers[0] for a in answers)


def test_a_test_can_use_fakes_and_reset() -> None:
    root = Root(lambda: "real")
    root.use("fake")
    assert root() == "fake"
    root.reset()
    assert root() == "real"


def test_rebind_builds_settings_services_and_resolvers_afresh_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from functions.verify import handler
    from vaxcert.runtime import wiring
    from vaxcert.settings import get_settings

    root = Root(lambda: object())
    built = root()
    monkeypatch.setenv("PORTAL_URL", "https://certificates.moh.gov.jm")
    wiring.rebind()
    before = wiring.settings()
    resolver = handler.api.app
    monkeypatch.setenv("PORTAL_URL", "https://vaccines.moh.gov.example")
    assert wiring.settings() is before  # warm: the environment is read once
    wiring.rebind()
    assert get_settings().portal_url.startswith("https://vaccines.moh.gov.example")
    assert wiring.settings() is not before
    assert root() is not built  # every root of the process: each function's `services` among them
    assert handler.api.app is not resolver  # CORS origins read again
    monkeypatch.undo()
    wiring.rebind()
