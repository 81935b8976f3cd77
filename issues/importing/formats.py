"""What a render worker runs to read a PDF or a Word file (see read_issue)."""

from __future__ import annotations

import datetime

from issues.importing.layout import pdf_blocks
from issues.importing.parsing import IssueParseError, ParsedIssue, parse_issue_text, with_given
from issues.importing.pdf import pdf_to_text
from issues.importing.recognise import issue_from_blocks
from issues.importing.word import docx_blocks
from issues.rendering.jobs import render_job

Period = tuple[datetime.date, datetime.date]


@render_job
def read_pdf(data: bytes, period: Period | None, number: int | None) -> ParsedIssue:
    """Our own PDFs by their text form (exactly, with the bookmarks); any
    other PDF, or ours with page furniture before the masthead, by layout."""

    try:
        text = pdf_to_text(data)
    except IssueParseError:
        text = None  # not ours, or not as ours begin
    if text is not None:
        return with_given(parse_issue_text(text), period, number)
    return issue_from_blocks(pdf_blocks(data), how="PDF", period=period, number=number)


@render_job
def read_docx(data: bytes, period: Period | None, number: int | None) -> ParsedIssue:

    return issue_from_blocks(docx_blocks(data), how="Word file", period=period, number=number)
