"""Shared test configuration: paths and the conformance-folder guard."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CONFORMANCE = SHARED / "conformance"
EXAMPLE_FORM = SHARED / "examples" / "commcare" / "vaccination-form.json"


def require_shared(path: Path) -> Path:
    """Skip (with the reason) when ../shared is not beside the checkout."""
    if not path.exists():
        pytest.skip(f"{path} is absent: clone the project beside its shared/ folder to run this test")
    return path
