"""Spreadsheet-safe CSV: every CSV vaxcert writes goes through here.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to Excel,
LibreOffice and Google Sheets (CSV injection: `=HYPERLINK(...)` in a name a nurse typed). Such a
cell gets a single quote in front, which spreadsheets show as text and do not evaluate.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import IO, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """The cell's text, quoted when a spreadsheet would read it as a formula; None is empty."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def safe_row(values: Iterable[Any]) -> list[str]:
    return [safe_cell(v) for v in values]


def write_csv(out: IO[str], header: Sequence[str], rows: Iterable[Iterable[Any]]) -> None:
    """Header and rows as CSV (RFC 4180 quoting), every cell spreadsheet-safe."""
    writer = csv.writer(out)
    writer.writerow(safe_row(header))
    for row in rows:
        writer.writerow(safe_row(row))
