"""import_newsletter over a publisher's own archive: Word, PDFs by other
tools, plain text and Markdown, a folder of them, a .zip."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from issues.models import Issue
from newsroom.models import Story
from newsroom.review.workflow import Status

ARCHIVE = Path(__file__).parent / "fixtures" / "archive"


def run(*args: str) -> list[str]:
    out = io.StringIO()
    call_command("import_newsletter", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue().splitlines()


def test_a_word_file_imports_with_its_printed_number(alice: User) -> None:
    lines = run(str(ARCHIVE / "harbour-weekly.docx"), "--user", "alice")

    issue = Issue.objects.get()
    assert lines[-1] == f"issue {issue.pk}: 4 stories"
    assert (issue.number, issue.period) == (16, "9 - 15 March 2026")
    assert issue.newsletter.title == "Harbour Energy Weekly"
    body = issue.ordered_stories()[1].body
    assert "<ul><li>register each vessel" in body


def test_a_folder_of_back_issues_imports_in_one_go(alice: User, tmp_path: Path) -> None:
    for name in ("textile-bulletin.txt", "clinic-roundup.md", "transit-notes.pdf"):
        shutil.copy(ARCHIVE / name, tmp_path / name)
    (tmp_path / "cover.png").write_bytes(b"\x89PNG")

    lines = run(str(tmp_path), "--user", "alice")

    assert lines[-1].startswith("Imported 3 files: 11 stories, 3 issues")
    assert Story.objects.filter(status=Status.DRAFT).count() == 11


def test_a_zip_of_back_issues_imports_in_one_go(alice: User, tmp_path: Path) -> None:
    path = tmp_path / "archive.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(ARCHIVE / "grain-digest.pdf", "2026/grain-digest.pdf")
        archive.write(ARCHIVE / "harbour-weekly.pdf", "2026/harbour-weekly.pdf")

    lines = run(str(path), "--user", "alice")

    assert lines[-1].startswith("Imported 2 files: 8 stories, 2 issues")
    assert sorted(Issue.objects.values_list("number", flat=True)) == [11, 16]


def test_one_unreadable_file_in_a_folder_imports_nothing(alice: User, tmp_path: Path) -> None:
    shutil.copy(ARCHIVE / "textile-bulletin.txt", tmp_path / "a.txt")
    (tmp_path / "b.md").write_text("Weekly\n\nNothing but a line.\n")

    with pytest.raises(CommandError, match=r"b\.md:1: found .* but no period line"):
        run(str(tmp_path), "--user", "alice")

    assert Issue.objects.count() == 0


def test_the_period_is_given_for_a_file_that_does_not_print_it(alice: User, tmp_path: Path) -> None:
    path = tmp_path / "weekly.txt"
    path.write_text("Harbour Weekly\n\nFirst headline\n\nIts paragraph. (Tribune)\n")

    run(str(path), "--user", "alice", "--period", "Week of 4 May 2026", "--number", "3")

    issue = Issue.objects.get()
    assert (issue.number, issue.period) == (3, "4 - 10 May 2026")


def test_an_unreadable_period_option_is_refused(alice: User) -> None:
    with pytest.raises(CommandError, match="--period: unreadable period"):
        run(str(ARCHIVE / "textile-bulletin.txt"), "--user", "alice", "--period", "soon")


def test_a_word_back_issue_is_published_in_one_go_by_a_reviewer(bob: User) -> None:
    lines = run(str(ARCHIVE / "harbour-weekly.docx"), "--user", "bob", "--publish")

    issue = Issue.objects.get()
    assert lines[-2].startswith("published: ")
    assert issue.status == Status.PUBLISHED
    assert {s.status for s in issue.ordered_stories()} == {Status.PUBLISHED}
