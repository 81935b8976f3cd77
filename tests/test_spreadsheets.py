"""Every CSV we write is text to a spreadsheet, never a formula (OWASP, CSV injection)."""

from __future__ import annotations

import csv
import datetime
import io
import re
from pathlib import Path

import pytest

from newsroom.spreadsheets import csv_writer, spreadsheet_text


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("dave@example.org", "dave@example.org"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_text_that_would_start_a_formula_gets_a_leading_quote(typed: str, written: str) -> None:
    assert spreadsheet_text(typed) == written


def test_numbers_and_dates_are_written_as_they_are() -> None:
    assert spreadsheet_text(-3) == -3
    assert spreadsheet_text(datetime.date(2026, 12, 7)) == datetime.date(2026, 12, 7)


def test_the_writer_quotes_every_cell_of_a_row() -> None:
    out = io.StringIO()
    csv_writer(out).writerow(["ict", -1, "=cmd|'/Cnotepad'!A0@example.org", "@x"])
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ["ict", "-1", "'=cmd|'/Cnotepad'!A0@example.org", "'@x"]
    ]


def test_every_csv_we_write_goes_through_the_one_writer() -> None:
    """A new export that called csv.writer itself would skip the quoting."""
    root = Path(__file__).resolve().parents[1]
    writers = [
        str(path.relative_to(root))
        for package in ("newsroom", "issues")
        for path in (root / package).rglob("*.py")
        if re.search(r"\bcsv\.(?:writer|DictWriter)\(", path.read_text())
    ]
    assert writers == ["newsroom/spreadsheets.py"]
