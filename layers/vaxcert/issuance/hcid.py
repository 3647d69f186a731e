"""Health certificate ids (DDCC `hcid`): unguessable, uppercase alphanumeric, URL-safe, barcode-printable."""

from __future__ import annotations

import re
import secrets

# Crockford base32: no I, L, O, U, so an id read aloud or typed from paper is unambiguous.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 20  # 20 x 5 = 100 random bits (the issue asks for >= 80)
HCID_PATTERN = re.compile(rf"^[{ALPHABET}]{{{LENGTH}}}$")


def new_hcid() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def is_hcid(text: str) -> bool:
    return bool(HCID_PATTERN.match(text))
