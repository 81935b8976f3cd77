"""Importing back issues: text or PDF in, newsletter, sources, stories and
issue out. Parsing (parsing.py, pdf.py) is pure and separate from saving
(saving.py); the command and the desk's import page both use this API."""

from __future__ import annotations

from pathlib import Path

from issues import render_pool
from issues.importing.parsing import (
    IssueImportError,
    IssueParseError,
    ParsedIssue,
    parse_issue_text,
    parse_period,
)
from issues.importing.saving import (
    IMPORT_NOTE,
    ImportPlan,
    plan_import,
    save_parsed_issue,
    save_plan,
)
from newsroom.text import printable

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


FILE_MAX_BYTES = 5 * 1024 * 1024
# Reading a PDF runs in a render worker: past this, it is stopped.
PDF_READ_SECONDS = 10.0


def issue_text(name: str, data: bytes) -> str:
    """The text form of an uploaded or named file: a PDF is read with pypdf
    (in a render worker, within a time and a memory limit), anything else is
    UTF-8 text. Raises IssueParseError for what is neither, or too big."""
    if len(data) > FILE_MAX_BYTES:
        raise IssueParseError(
            f"the file is {len(data) / 1024 / 1024:.1f} MB; an issue file is at most"
            f" {FILE_MAX_BYTES // 1024 // 1024} MB",
            1,
        )
    if data.startswith(b"%PDF") or Path(name).suffix.lower() == ".pdf":
        try:
            text: str = render_pool.run(
                "issues.importing.pdf.pdf_to_text", data, time_limit=PDF_READ_SECONDS
            )
        except render_pool.WorkerLimitExceeded as exc:
            raise IssueParseError(f"the PDF is too hard to read: {exc}", 1) from None
        except render_pool.WorkerFailed as exc:
            raise IssueParseError(
                f"the PDF could not be read just now ({exc}); try again", 1
            ) from None
        # What a PDF's fonts map to control characters is no one's typing
        # (a text file's is refused by the parser, with its line): dropped.
        return printable(text)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise IssueParseError("the file is not UTF-8 text", line) from None
