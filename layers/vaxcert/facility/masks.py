"""What tells two namesakes apart on a facility screen without disclosing it: masked number and identifier."""

from __future__ import annotations

from vaxcert.formats.ddcc import Identifier

MASK = "\u2022\u2022\u2022"  # "•••"
IDENTIFIER_VISIBLE = 3


def mask_mobile(e164: str | None) -> str | None:
    """ "+18765551234" -> "876•••1234": the area code and the last four digits, as staff read them."""
    if not e164:
        return None
    digits = "".join(c for c in e164 if c.isdigit())
    national = digits[1:] if len(digits) == 11 and digits.startswith("1") else digits
    if len(national) < 8:
        return MASK
    return f"{national[:3]}{MASK}{national[-4:]}"


def mask_identifier(identifier: Identifier | None) -> str | None:
    """The identifier's type and its last 3 characters ("TRN •••789"); never the whole value."""
    if identifier is None:
        return None
    value = "".join(identifier.value.split())
    visible = value[-IDENTIFIER_VISIBLE:] if len(value) > IDENTIFIER_VISIBLE else ""
    return f"{identifier.type.strip()} {MASK}{visible}".strip()
