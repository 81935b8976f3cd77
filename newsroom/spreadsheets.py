"""CSV that a spreadsheet opens as text, never as a formula.

Excel, LibreOffice and Google Sheets read a cell that begins with `=`, `+`,
`-` or `@` (and, in some versions, tab or carriage return) as a formula, so a
reader who names their account `=HYPERLINK(...)` or `=cmd|'/C calc'!A0`
would run it on the desk's machine when the desk opens an export. Every CSV
we write goes through `csv_writer`, which prefixes such a cell with a single
quote, as OWASP advises ("CSV injection"): the cell then shows the text as
typed, quote aside. Numbers, dates and other non-text values are written as
they are (a negative count is a number, not a formula).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, Protocol

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class Writable(Protocol):
    def write(self, value: str, /) -> Any: ...


def spreadsheet_text(value: object) -> object:
    """`value` as a spreadsheet will show it: text that would start a formula
    gets a leading single quote; anything else is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeCsvWriter:
    """csv.writer's writerow, with every cell passed through spreadsheet_text."""

    def __init__(self, file: Writable) -> None:
        self._writer = csv.writer(file)

    def writerow(self, row: Iterable[object]) -> Any:
        return self._writer.writerow([spreadsheet_text(value) for value in row])


def csv_writer(file: Writable) -> SafeCsvWriter:
    """The only way we write CSV (see the module's docstring)."""
    return SafeCsvWriter(file)
