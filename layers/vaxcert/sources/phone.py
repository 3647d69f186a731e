"""Mobile numbers: Jamaican local formats -> E.164, the only form stored or sent to SNS."""

from __future__ import annotations

import re

# NANP area codes for Jamaica.
JAMAICA_AREA_CODES = frozenset({"876", "658"})
_SEPARATORS = re.compile(r"[\s\-().]")


class InvalidMobile(ValueError):
    pass


def normalise_mobile(raw: str) -> str:
    """`876-555-0123`, `(876) 555 0123`, `8765550123`, `+1 876 555 0123`, `18765550123` -> `+18765550123`."""
    text = _SEPARATORS.sub("", raw.strip())
    if not text:
        raise InvalidMobile("is empty: give a 10-digit Jamaican number such as 876-555-0123")
    if text.startswith("+"):
        if not text.startswith("+1"):
            raise InvalidMobile("only Jamaican (+1 876 / +1 658) mobile numbers are accepted")
        text = text[2:]
    elif len(text) == 11 and text.startswith("1"):
        text = text[1:]
    # ASCII only: str.isdigit() also accepts other scripts' digits ("٨٧٦..."), which would pass the
    # area code check below and reach SNS as a number nobody meant.
    if not (text.isascii() and text.isdigit()):
        raise InvalidMobile("must contain only digits, spaces, dashes, dots or brackets")
    if len(text) != 10:
        raise InvalidMobile("must be a 10-digit Jamaican number such as 876-555-0123")
    if text[:3] not in JAMAICA_AREA_CODES:
        raise InvalidMobile("area code must be 876 or 658")
    if text[3] in "01":  # NANP exchange codes never start with 0 or 1
        raise InvalidMobile("not a valid NANP number (exchange starts with 0 or 1)")
    return "+1" + text


def mask_mobile(e164: str) -> str:
    """For display and support: `+18765550123` -> `+1876•••0123`."""
    return e164[:5] + "•••" + e164[-4:] if len(e164) >= 9 else "•••"
