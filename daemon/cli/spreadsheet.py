"""CSV cells a spreadsheet will not run: a shopper controls their Instagram display name, so an
export must never hand the owner's spreadsheet a formula (OWASP, "CSV Injection")."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from typing import IO, Any

# What makes Excel, LibreOffice and Google Sheets read a cell as a formula, or start one.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")  # a plain number is no formula: -3 stays -3


def safe_cell(value: Any) -> str:
    """The cell's text; one that would start a formula is prefixed with a single quote, which
    spreadsheets show as text and do not evaluate. A plain number (a follower change of -3)
    is left a number."""
    text = "" if value is None else str(value)
    if NUMBER.fullmatch(text):
        return text
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class SafeCsvWriter:
    """csv.DictWriter's job, with every cell neutralised and quoted (OWASP's advice)."""

    def __init__(self, stream: IO[str], fieldnames: Iterable[str]) -> None:
        self.fieldnames = tuple(fieldnames)
        self._writer = csv.writer(stream, quoting=csv.QUOTE_ALL)

    def writeheader(self) -> None:
        self._writer.writerow(self.fieldnames)

    def writerow(self, row: Mapping[str, Any]) -> None:
        self._writer.writerow([safe_cell(row.get(name)) for name in self.fieldnames])
