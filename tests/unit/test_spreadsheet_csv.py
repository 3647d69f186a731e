"""Spreadsheet-safe CSV (vaxcert.spreadsheet): property tests over any text a cell can hold."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from vaxcert.spreadsheet import FORMULA_STARTS, safe_cell, write_csv

cells = st.one_of(
    st.text(), st.integers(), st.none(), st.sampled_from(FORMULA_STARTS).map(lambda c: c + "1+1")
)


@given(cells)
def test_no_cell_starts_a_formula_and_nothing_is_lost(value: object) -> None:
    text = "" if value is None else str(value)
    cell = safe_cell(value)
    assert not cell.startswith(FORMULA_STARTS)
    # The quote is added only where needed, and the value is intact after it.
    assert cell == ("'" + text if text.startswith(FORMULA_STARTS) else text)


@given(st.lists(st.lists(cells, min_size=1, max_size=5), max_size=5))
def test_written_files_read_back_with_every_cell_safe(rows: list[list[object]]) -> None:
    out = io.StringIO()
    write_csv(out, ["a", "=b"], rows)
    read = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert read[0] == ["a", "'=b"]
    assert read[1:] == [[safe_cell(v) for v in row] for row in rows]
    assert all(not cell.startswith(FORMULA_STARTS) for row in read for cell in row)


def test_the_classic_payloads() -> None:
    assert safe_cell('=HYPERLINK("http://x","click")') == '\'=HYPERLINK("http://x","click")'
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("-5") == "'-5" and safe_cell("+1876") == "'+1876"
    assert safe_cell("\tx") == "'\tx" and safe_cell("\rx") == "'\rx"
    assert safe_cell("Campbell") == "Campbell" and safe_cell(12) == "12"
