"""Importing back issues: text or PDF in, newsletter, sources, stories and
issue out. Parsing (parsing.py, pdf.py) is pure and separate from saving
(saving.py); the command and the desk's import page both use this API."""

from __future__ import annotations

from pathlib import Path

from issues.importing.parsing import (
    IssueImportError,
    IssueParseError,
    ParsedIssue,
    parse_issue_text,
    parse_period,
)
from issues.importing.pdf import pdf_to_text
from issues.importing.saving import (
    IMPORT_NOTE,
    ImportPlan,
    plan_import,
    save_parsed_issue,
    save_plan,
)

__all__ = [
    "IMPORT_NOTE",
    "ImportPlan",
    "IssueImportError",
    "IssueParseError",
    "ParsedIssue",
    "issue_text",
    "parse_issue_text",
    "parse_period",
    "plan_import",
    "save_parsed_issue",
    "save_plan",
]


def issue_text(name: str, data: bytes) -> str:
    """The text form of an uploaded or named file: a PDF is read with pypdf,
    anything else is UTF-8 text. Raises IssueParseError for what is neither."""
    if data.startswith(b"%PDF") or Path(name).suffix.lower() == ".pdf":
        return pdf_to_text(data)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise IssueParseError("the file is not UTF-8 text", line) from None
