"""Where the shared conformance material lives (../shared/conformance next to the repository), and a skip
when it is absent: a fresh clone must pass without it; CI has it."""

from __future__ import annotations

from pathlib import Path

import pytest

CONFORMANCE_DIR = Path(__file__).resolve().parents[1] / ".." / "shared" / "conformance"


def conformance_path(*parts: str) -> Path:
    """The path under the conformance folder, or skip the calling test if it is not there."""
    path = CONFORMANCE_DIR.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"conformance data not found at {path.resolve()} (checkout ../shared/conformance to run)")
    return path
