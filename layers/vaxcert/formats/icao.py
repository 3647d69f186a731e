# ruff: noqa: RUF001  (the tables map look-alike Cyrillic/Greek letters on purpose)
"""ICAO Doc 9303 Part 3 (section 6) name transliteration for the machine-readable ``fnt``/``gnt`` fields.

Result alphabet: ``A-Z`` and the filler ``<``. Latin letters with diacritics use the recommended ICAO
transliterations (Ä->AE, Ö->OE, Ü->UE, ß->SS, Å->AA, Æ->AE, Ø->OE, Þ->TH, ...), other diacritics are
dropped (Zoë -> ZOE). Cyrillic and Greek follow the ICAO tables. Apostrophes and other punctuation are
omitted (O'Brien -> OBRIEN); spaces, hyphens and commas become one filler per run
(Smith-Jones -> SMITH<JONES).
Scripts ICAO has no table for here (Chinese, Japanese, ...) cannot be transliterated without a dictionary:
those characters are dropped, and ``transliterate`` returns "" when nothing is left, so the caller can ask for
the Latin-script form of the name (as on the person's passport) instead of inventing one.
"""

from __future__ import annotations

import re
import unicodedata

_LATIN_SPECIAL = {
    "Ä": "AE", "Å": "AA", "Æ": "AE", "Ĳ": "IJ", "Ð": "D", "Đ": "D", "Ö": "OE", "Ø": "OE", "Œ": "OE",
    "ß": "SS", "ẞ": "SS", "Þ": "TH", "Ü": "UE", "Ł": "L", "Ħ": "H", "Ŀ": "L", "Ŋ": "N",
    "Ŧ": "T", "ĸ": "K", "ı": "I",
}  # fmt: skip
_CYRILLIC = {
    "А": "A", "Б": "B", "В": "V", "Г": "G", "Ґ": "G", "Д": "D", "Ђ": "D", "Ѓ": "G", "Е": "E", "Ё": "E",
    "Є": "IE", "Ж": "ZH", "З": "Z", "Ѕ": "DZ", "И": "I", "І": "I", "Ї": "I", "Й": "I", "Ј": "J", "К": "K",
    "Л": "L", "Љ": "LJ", "М": "M", "Н": "N", "Њ": "NJ", "О": "O", "П": "P", "Р": "R", "С": "S", "Т": "T",
    "Ћ": "C", "Ќ": "K", "У": "U", "Ў": "U", "Ф": "F", "Х": "KH", "Ц": "TS", "Ч": "CH", "Џ": "DZ", "Ш": "SH",
    "Щ": "SHCH", "Ъ": "IE", "Ы": "Y", "Ь": "", "Э": "E", "Ю": "IU", "Я": "IA",
}  # fmt: skip
_GREEK = {
    "Α": "A", "Β": "V", "Γ": "G", "Δ": "D", "Ε": "E", "Ζ": "Z", "Η": "I", "Θ": "TH", "Ι": "I", "Κ": "K",
    "Λ": "L", "Μ": "M", "Ν": "N", "Ξ": "X", "Ο": "O", "Π": "P", "Ρ": "R", "Σ": "S", "Τ": "T", "Υ": "Y",
    "Φ": "F", "Χ": "CH", "Ψ": "PS", "Ω": "O",
}  # fmt: skip
_TABLE = {**_LATIN_SPECIAL, **_CYRILLIC, **_GREEK}
_SEPARATORS = frozenset(" -,\t\u00a0\u2010\u2011\u2012\u2013\u2014")
_FILLERS = re.compile(r"<+")


def transliterate(name: str, max_length: int = 80) -> str:
    out: list[str] = []
    for ch in name.upper():
        if ch in _SEPARATORS:
            out.append("<")
        elif "A" <= ch <= "Z":
            out.append(ch)
        elif ch in _TABLE:
            out.append(_TABLE[ch])
        else:
            # Strip diacritics: NFD splits "Ë" into "E" + combining diaeresis.
            base = unicodedata.normalize("NFD", ch)[0]
            if "A" <= base <= "Z":
                out.append(base)
            elif base in _TABLE:
                out.append(_TABLE[base])
            # Anything else (apostrophes, dots, digits, unsupported scripts) is omitted.
    return _FILLERS.sub("<", "".join(out)).strip("<")[:max_length].rstrip("<")
