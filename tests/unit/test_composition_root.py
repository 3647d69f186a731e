"""A composition root builds once, on first use, and a test can hand it services built with fakes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

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
