"""`make bench`'s SMART Health Card figures cannot rot: tiny iteration count, keys and the QR target."""

from __future__ import annotations

from bench import shc
from bench.__main__ import TARGETS


def test_shc_figures() -> None:
    figures = shc.run(iterations=5)
    assert figures["shc_sign_ms"] > 0
    assert 1 <= figures["shc_qr_version"] <= 22
    assert 0 < figures["shc_jws_chars"] <= 1195
    assert {"shc_sign_ms", "shc_qr_version"} <= set(TARGETS)
