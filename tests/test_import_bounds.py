"""Import bounds: PDF bombs, malformed and encrypted PDFs and over-long texts
get a `path:line` message from the command and a form error on the desk's
import page, quickly, and nothing changes. A failed multi-file publishing
import deletes the files it stored."""

from __future__ import annotations

import functools
import io
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils.html import escape
from pypdf import PdfWriter
from pypdf.generic import NameObject, StreamObject

from issues.importing import parse_issue_text, save_parsed_issue
from issues.models import Issue
from issues.publishing.publish import PublishError
from newsroom.models import Newsletter, Source, Story
from tests.issue_helpers import stored_files

FIXTURES = Path(__file__).parent / "fixtures" / "import"


def pdf_with_pages(count: int, content: bytes | None = None) -> bytes:
    """A PDF of `count` blank pages; the first draws `content` (already
    Flate-compressed) when given."""
    writer = PdfWriter()
    for _ in range(count):
        writer.add_blank_page(595, 842)
    if content is not None:
        stream = StreamObject()
        stream._data = content
        stream[NameObject("/Filter")] = NameObject("/FlateDecode")
        writer.pages[0][NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def deflated(piece: bytes, times: int) -> bytes:
    """`piece` repeated `times`, compressed without ever being held whole."""
    compressor = zlib.compressobj(9)
    block = piece * max(1, (1 << 20) // len(piece))
    out = [compressor.compress(block) for _ in range(times * len(piece) // len(block))]
    return b"".join(out) + compressor.flush()


def encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def huge_text(stories: int) -> bytes:
    """A well-formed issue of `stories` stories (80,000 make 4.4 MB)."""
    paragraph = "Port news in brief. (**Tribune**)"
    lines = ["NEWSLETTER**ICT****24 - 30 November 2025****Story 0**", "", paragraph]
    for n in range(1, stories):
        lines += ["", f"Story {n:05}", "", paragraph]
    return "\n".join(lines).encode()


HUGE = huge_text(80_000)
# The line where the millionth character falls.
HUGE_LINE = HUGE.count(b"\n", 0, 1_000_000) + 1


@functools.cache
def bomb() -> bytes:
    """1 page whose content inflates to 96 MiB (past pypdf's own 75 MB cap)."""
    return pdf_with_pages(1, deflated(b"\0", 96 << 20))


@functools.cache
def operators() -> bytes:
    """1 page of 2 million text operators (60 MB once inflated)."""
    return pdf_with_pages(1, deflated(b"BT /F1 9 Tf 9 9 Td (a) Tj ET\n", 2_000_000))


CASES: dict[str, tuple[Callable[[], bytes], str, str]] = {
    # name: (content, file name, the message after "name:line: ")
    "inflates to 96 MiB": (
        bomb,
        "bomb.pdf",
        ":1: the PDF's pages hold more than 5 MB of drawing instructions",
    ),
    "2 million text operators": (
        operators,
        "operators.pdf",
        ":1: the PDF's pages hold more than 5 MB of drawing instructions",
    ),
    "encrypted": (encrypted_pdf, "locked.pdf", ":1: the PDF is encrypted"),
    "malformed": (lambda: b"%PDF-1.7\n1 0 obj << /Type /Catalog", "broken.pdf", ":1: this is not"),
    "no text": (lambda: pdf_with_pages(1), "scan.pdf", ":1: the PDF has no text to read"),
    "too many pages": (lambda: pdf_with_pages(51), "book.pdf", ":1: the PDF has 51 pages"),
    "80,000 stories in 4.4 MB": (
        lambda: HUGE,
        "huge.md",
        f":{HUGE_LINE}: the text is {len(HUGE):,} characters long",
    ),
    "201 stories": (lambda: huge_text(201), "long.md", ":803: an issue has at most 200 stories"),
    "a 50,000-character line": (
        lambda: huge_text(2).replace(b"Port news in brief.", b"word " * 10_000, 1),
        "line.md",
        ":3: the line is 50,014 characters long; at most 10,000",
    ),
}


def counts() -> tuple[int, int, int, int]:
    return (
        Newsletter.objects.count(),
        Source.objects.count(),
        Story.objects.count(),
        Issue.objects.count(),
    )


@pytest.mark.parametrize("case", CASES)
def test_the_command_refuses_with_path_and_line(
    case: str, admin_user: User, tmp_path: Path
) -> None:
    content, name, message = CASES[case]
    path = tmp_path / name
    path.write_bytes(content())
    before = counts()
    with pytest.raises(CommandError) as caught:
        call_command("import_newsletter", str(path), stdout=io.StringIO())
    assert str(caught.value).startswith(f"{path}{message}")
    assert counts() == before


@pytest.mark.parametrize("case", CASES)
def test_the_import_page_refuses_with_a_form_error(case: str, client: Client, alice: User) -> None:
    content, name, message = CASES[case]
    before = counts()
    client.force_login(alice)
    upload = SimpleUploadedFile(name, content())
    response = client.post("/desk/issues/import/", {"file": upload})
    page = response.content.decode()
    assert response.status_code == 200
    assert escape(message.split(": ", 1)[1]) in page
    assert "Traceback" not in page
    assert counts() == before
    assert "issue_import" not in client.session


def test_the_import_page_states_the_upload_limit(client: Client, alice: User) -> None:
    client.force_login(alice)
    assert "at most 5 MB" in client.get("/desk/issues/import/").content.decode()


def test_a_file_over_5_mb_is_refused_by_the_command_unread(
    admin_user: User, tmp_path: Path
) -> None:
    path = tmp_path / "big.md"
    with path.open("wb") as big:
        big.truncate(6 * 1024 * 1024)
    with pytest.raises(CommandError, match=r"big\.md:1: the file is 6\.0 MB"):
        call_command("import_newsletter", str(path), stdout=io.StringIO())


def test_a_failed_publishing_import_of_several_files_deletes_the_files_it_stored(
    bob: User, artifacts: Path, tmp_path: Path
) -> None:
    # The second file is the same week again: refused after the first one
    # was published, its HTML and PDF stored.
    again = tmp_path / "again.md"
    again.write_bytes((FIXTURES / "basic.md").read_bytes())
    before = counts()
    with pytest.raises(CommandError, match="already has an issue for"):
        call_command(
            "import_newsletter",
            str(FIXTURES / "basic.md"),
            str(again),
            "--publish",
            "--user",
            "bob",
            stdout=io.StringIO(),
        )
    assert counts() == before
    assert stored_files(artifacts) == []


def test_the_importers_save_is_atomic(bob: User, artifacts: Path, settings: Any) -> None:
    """A failure after the newsletter, sources, stories and issue were
    created (here: the render, stopped at its time limit) leaves none of them."""
    settings.NEWSROOM_RENDER_TIME_LIMIT = 0.001
    parsed = parse_issue_text((FIXTURES / "basic.md").read_text())
    before = counts()
    # The HTML is built by a render worker too, first: either may be stopped.
    with pytest.raises(PublishError, match=r"too big to render as (HTML|PDF)"):
        save_parsed_issue(parsed, publish=True, by=bob)
    assert counts() == before
    assert not Story.history.exists()
    assert stored_files(artifacts) == []


def test_a_story_whose_escaped_paragraph_outgrows_the_body_bound_is_refused_with_its_line(
    client: Client, alice: User
) -> None:
    # 9,000 ampersands fit in a line, but escaped (&amp;) they are 45,000
    # characters of body: more than the desk lets a story hold.
    text = (
        (FIXTURES / "basic.md")
        .read_text()
        .replace(
            "Robotics fair draws record crowds in Northgate\n\nThe Northgate",
            "Robotics fair draws record crowds in Northgate\n\n" + "&" * 9_000 + " The Northgate",
        )
    )
    client.force_login(alice)
    upload = SimpleUploadedFile("issue.md", text.encode())
    response = client.post("/desk/issues/import/", {"file": upload})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Line 19: the story “Robotics fair draws record crowds in Northgate” is too long:" in (
        page.replace("&ldquo;", "“").replace("&rdquo;", "”")
    )
    assert "a story may have at most 20,000" in page
    assert not Story.objects.exists() and not Issue.objects.exists()
