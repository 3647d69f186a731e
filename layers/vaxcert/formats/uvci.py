"""UVCI (Unique Vaccination Certificate Identifier) in the EU DCC format 01 with a Luhn mod N check character.

Checksum, as the eHealth Network UVCI guidelines and the eu-dcc-schema FAQ define it and the published test
data confirm (51 of the 75 ``#``-suffixed UVCIs in dgc-testdata match only this variant):

* alphabet ``ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/:`` in that order (letters first), N = 38;
* computed over the WHOLE identifier before ``#``, including the ``URN:UVCI:`` prefix,
  e.g. over ``URN:UVCI:01:JM:7Q2K9M4XHD3R8T6WB1NC``;
* the check character follows a ``#``.
"""

from __future__ import annotations

import re

LUHN_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/:"
_CODE_POINT = {c: i for i, c in enumerate(LUHN_ALPHABET)}
_N = len(LUHN_ALPHABET)
_OPAQUE = re.compile(r"^[A-Z0-9]{1,50}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


def luhn_mod_n(text: str) -> str:
    """The check character for ``text``; ValueError if it has characters outside the alphabet."""
    factor = 2
    total = 0
    for ch in reversed(text):
        try:
            addend = factor * _CODE_POINT[ch]
        except KeyError:
            raise ValueError(f"character {ch!r} is not allowed in a UVCI") from None
        factor = 1 if factor == 2 else 2
        total += addend // _N + addend % _N
    return LUHN_ALPHABET[(_N - total % _N) % _N]


def make_uci(country_alpha2: str, hcid: str) -> str:
    """``URN:UVCI:01:<CC>:<hcid>#<check>``; the HCID is already an opaque unique id (schema option 3)."""
    if not _COUNTRY.match(country_alpha2):
        raise ValueError("country must be ISO 3166-1 alpha-2, uppercase")
    if not _OPAQUE.match(hcid):
        raise ValueError("hcid must be 1-50 uppercase letters or digits")
    body = f"URN:UVCI:01:{country_alpha2}:{hcid}"
    return f"{body}#{luhn_mod_n(body)}"


def check_uci(uci: str) -> bool:
    """True if ``uci`` ends with ``#<c>`` and ``c`` is the right check character for what precedes it."""
    body, sep, check = uci.rpartition("#")
    if not sep or len(check) != 1 or not body:
        return False
    try:
        return luhn_mod_n(body) == check
    except ValueError:
        return False


def split_uci(uci: str) -> tuple[str, str] | None:
    """(country, opaque id) of a format-01 UVCI ``URN:UVCI:01:<CC>:<id>[#c]``; None for anything else."""
    prefix = "URN:UVCI:01:"
    if not uci.startswith(prefix):
        return None
    parts = uci[len(prefix) :].split("#", 1)[0].split(":")
    if len(parts) != 2 or not parts[1]:
        return None
    return parts[0], parts[1]


def parse_uci_hcid(uci: str, country_alpha2: str) -> str | None:
    """The HCID inside one of ``country``'s UVCIs (``URN:UVCI:01:<CC>:<hcid>#c``); None for any other UVCI."""
    split = split_uci(uci)
    if split is None or split[0] != country_alpha2 or not _OPAQUE.match(split[1]):
        return None
    return split[1]
