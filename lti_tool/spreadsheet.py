"""CSV that spreadsheets open safely: the one escaping every export of leadpath uses.

A cell starting with one of `FORMULA_STARTS` is read as a formula by spreadsheet programs (CSV
injection); a leading apostrophe makes them show the text instead, as OWASP advises.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import IO, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: Any) -> Any:
    """Return a CSV cell that spreadsheets show as text, never run as a formula.

    Numbers are left alone: a negative score is a number, not a formula.
    """
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


class SafeCsvWriter:
    """A `csv.writer` whose every text cell is made `spreadsheet_safe`."""

    def __init__(self, output: IO[str]):
        self._writer = csv.writer(output)

    def writerow(self, row: Iterable[Any]) -> None:
        """Write one row."""
        self._writer.writerow([spreadsheet_safe(cell) for cell in row])


def csv_text(header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> str:
    """Return a whole CSV document (header first) with every cell made safe."""
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    return buffer.getvalue()
