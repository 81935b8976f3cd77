"""Importing back issues: text or PDF in, newsletter, sources, stories and
issue out. Parsing (parsing.py, pdf.py) is pure and separate from saving
(saving.py); the command and the desk's import page both use this API."""

from __future__ import annotations

import datetime
import io
import zipfile
from collections.abc import Callable
from pathlib import Path

from issues.importing import formats
from issues.importing.parsing import (
    MASTHEAD,
    IssueImportError,
    IssueParseError,
    ParsedIssue,
    ParsedStory,
    SetAside,
    parse_issue_text,
    parse_period,
    with_given,
)
from issues.importing.pdf import pdf_to_text
from issues.importing.plain import text_blocks
from issues.importing.recognise import find_period, issue_from_blocks
from issues.importing.saving import (
    IMPORT_NOTE,
    ImportPlan,
    plan_import,
    save_parsed_issue,
    save_plan,
)
from issues.rendering import jobs, pool
from newsroom.text import printable

__all__ = [
    "IMPORT_NOTE",
    "ImportPlan",
    "IssueImportError",
    "IssueParseError",
    "ParsedIssue",
    "ParsedStory",
    "SetAside",
    "archive_files",
    "issue_text",
    "parse_issue_text",
    "parse_period",
    "period_from_text",
    "plan_import",
    "read_issue",
    "save_parsed_issue",
    "save_plan",
]


FILE_MAX_BYTES = 5 * 1024 * 1024
EXTENSIONS = (".md", ".markdown", ".txt", ".text", ".pdf", ".docx")
Period = tuple[datetime.date, datetime.date]
_TEXT = (".md", ".markdown", ".txt", ".text")
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
            text: str = pool.run(pdf_to_text, data, time_limit=PDF_READ_SECONDS)
        except jobs.WorkerLimitExceeded as exc:
            raise IssueParseError(f"the PDF is too hard to read: {exc}", 1) from None
        except jobs.WorkerFailed as exc:
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


def period_from_text(text: str) -> Period:
    """A period the editor typed, in any form a back issue prints it.
    Raises ValueError with a sentence."""
    found = find_period(text)
    return (found[0], found[1]) if found else parse_period(text)


def read_issue(
    name: str, data: bytes, *, period: Period | None = None, number: int | None = None
) -> ParsedIssue:
    """One back issue in any format we read: our text form and PDFs, Word
    (.docx), PDFs by other tools, plain text and Markdown. `period` and
    `number`, when given, win over what the file says. Raises
    IssueParseError saying what was found."""
    suffix = Path(name).suffix.lower()
    if len(data) > FILE_MAX_BYTES:
        issue_text(name, data)  # refuses it, with the size
    if data.startswith(b"%PDF") or suffix == ".pdf":
        return _in_worker(formats.read_pdf, data, period, number)
    if suffix == ".docx" or (data.startswith(b"PK\x03\x04") and suffix not in _TEXT):
        return _in_worker(formats.read_docx, data, period, number)
    text = issue_text(name, data)
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if first.replace("*", " ").split()[:1] == [MASTHEAD]:
        return with_given(parse_issue_text(text), period, number)

    how = "Markdown file" if suffix in (".md", ".markdown") else "text file"
    return issue_from_blocks(text_blocks(text), how=how, period=period, number=number)


def _in_worker(
    job: Callable[..., ParsedIssue], data: bytes, period: Period | None, number: int | None
) -> ParsedIssue:
    """Files of other tools are read in a render worker, within a time and
    a memory limit, as our PDFs are."""
    try:
        parsed: ParsedIssue = pool.run(job, data, period, number, time_limit=PDF_READ_SECONDS)
    except jobs.WorkerLimitExceeded as exc:
        raise IssueParseError(f"the file is too hard to read: {exc}", 1) from None
    except jobs.WorkerFailed as exc:
        raise IssueParseError(
            f"the file could not be read just now ({exc}); try again", 1
        ) from None
    return parsed


ARCHIVE_FILES_MAX = 500
ARCHIVE_UNPACKED_MAX = 200 * 1024 * 1024


def archive_files(data: bytes) -> list[tuple[str, bytes]]:
    """The issue files in a .zip of back issues, by name, within bounds;
    other files (folders, `__MACOSX`, hidden files, images) are skipped.
    Raises IssueParseError for a zip that is not one, or too big."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise IssueParseError("this is not a .zip file", 1) from None
    with archive:
        members = [
            info
            for info in archive.infolist()
            if not info.is_dir()
            and Path(info.filename).suffix.lower() in EXTENSIONS
            and not any(part.startswith((".", "__MACOSX")) for part in Path(info.filename).parts)
        ]
        if not members:
            raise IssueParseError(f"the .zip holds no issue files ({', '.join(EXTENSIONS)})", 1)
        if len(members) > ARCHIVE_FILES_MAX:
            raise IssueParseError(
                f"the .zip holds {len(members)} issue files; at most {ARCHIVE_FILES_MAX} at once",
                1,
            )
        if sum(info.file_size for info in members) > ARCHIVE_UNPACKED_MAX:
            raise IssueParseError(
                f"the .zip unpacks to more than {ARCHIVE_UNPACKED_MAX // 1024 // 1024} MB", 1
            )
        files = []
        for info in sorted(members, key=lambda i: i.filename):
            if info.file_size > FILE_MAX_BYTES:
                raise IssueParseError(
                    f"{info.filename} is {info.file_size / 1024 / 1024:.1f} MB; an issue file"
                    f" is at most {FILE_MAX_BYTES // 1024 // 1024} MB",
                    1,
                )
            try:
                files.append((info.filename, archive.read(info)))
            except (zipfile.BadZipFile, OSError, RuntimeError) as exc:
                raise IssueParseError(f"{info.filename} could not be unpacked ({exc})", 1) from None
        return files
