"""Base45 (RFC 9285): the QR-alphanumeric-friendly binary encoding used by HC1."""

from __future__ import annotations

CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_VALUE = {c: i for i, c in enumerate(CHARSET)}


def encode(data: bytes) -> str:
    out: list[str] = []
    append = out.append
    for i in range(0, len(data) - 1, 2):
        n = data[i] * 256 + data[i + 1]
        n, c = divmod(n, 45)
        e, d = divmod(n, 45)
        append(CHARSET[c] + CHARSET[d] + CHARSET[e])
    if len(data) % 2:
        d, c = divmod(data[-1], 45)
        append(CHARSET[c] + CHARSET[d])
    return "".join(out)


def decode(text: str) -> bytes:
    """Decode Base45; ValueError on a character outside the alphabet, a dangling character or overflow."""
    try:
        values = [_VALUE[ch] for ch in text]
    except KeyError as exc:
        raise ValueError(f"invalid base45 character {exc.args[0]!r}") from None
    if len(values) % 3 == 1:
        raise ValueError("invalid base45 length")
    out = bytearray()
    for i in range(0, len(values) - 2, 3):
        n = values[i] + values[i + 1] * 45 + values[i + 2] * 2025
        if n > 0xFFFF:
            raise ValueError("base45 triplet out of range")
        out += n.to_bytes(2, "big")
    if len(values) % 3 == 2:
        n = values[-2] + values[-1] * 45
        if n > 0xFF:
            raise ValueError("base45 pair out of range")
        out.append(n)
    return bytes(out)
