"""python manage.py import_newsletter: drafts, publishing, dry runs, errors.

Alice writes, Bob reviews and publishes; `root` is the superuser a shell
import runs as by default. Every refusal leaves the database as it was.
"""

from __future__ import annotations

import datetime
import io
import re
import shutil
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import CommandError, ManagementUtility, call_command
from django.utils import timezone

from issues.importing import IMPORT_NOTE, parse_issue_text
from issues.models import Issue, IssueTransition
from issues.rendering import documents
from issues.rendering.typography import smarten, smarten_html
from newsroom.models import Newsletter, Source, Story, StoryTransition
from newsroom.review.workflow import Status
from tests import factories
from tests.issue_helpers import stored_files

FIXTURES = Path(__file__).parent / "fixtures" / "import"


def run(*args: str) -> list[str]:
    out = io.StringIO()
    call_command("import_newsletter", *args, stdout=out)
    return out.getvalue().splitlines()


def counts() -> dict[str, int]:
    return {
        "newsletters": Newsletter.objects.count(),
        "sources": Source.objects.count(),
        "stories": Story.objects.count(),
        "story history": Story.history.count(),
        "issues": Issue.objects.count(),
        "users": User.objects.count(),
    }


@pytest.fixture
def root(admin_user: User) -> User:
    return admin_user


def test_it_imports_an_issue_as_drafts_into_the_newsletter_of_its_sector(
    root: User, newsletter: Newsletter
) -> None:
    lines = run(str(FIXTURES / "basic.md"))

    issue = Issue.objects.get()
    assert issue.newsletter == newsletter
    assert issue.number == 1
    assert issue.period == "24 - 30 November 2025"
    assert issue.status == Status.DRAFT
    assert issue.created_by == root
    stories = issue.ordered_stories()
    assert [s.headline for s in stories][:2] == [
        "Port Aldren opens its first undersea data centre",
        "Millbrook students build a satellite from recycled phones",
    ]
    assert {s.status for s in stories} == {Status.DRAFT}
    assert {s.author for s in stories} == {root}  # on root's own desk, not "importer"
    assert not User.objects.filter(username="importer").exists()
    assert stories[0].body.startswith("<p>The harbour city of Port Aldren")
    assert lines[0] == "  1. Port Aldren opens its first undersea data centre — Harbour Tribune"
    assert lines[-1] == f"issue {issue.pk}: 5 stories"
    assert len(lines) == 6
    # History is kept, as for a story written in the desk.
    assert Story.history.filter(history_type="+").count() == 5


def test_sources_are_reused_whatever_their_case_and_created_once(root: User) -> None:
    tribune = factories.make_source("harbour tribune")

    run(str(FIXTURES / "multiword_sources.md"))
    run(str(FIXTURES / "basic.md"))

    assert Source.objects.filter(name__iexact="harbour tribune").get() == tribune
    assert set(Source.objects.values_list("name", flat=True)) == {
        "harbour tribune",
        "Radio Lakeside Evening Service",
        "The Northern Valley Courier and Gazette",
        "Valley Courier",
        "Kessel Daily",
    }
    assert Story.objects.filter(source=tribune).count() == 3


def test_a_new_sector_creates_a_newsletter_with_a_readable_title_and_slug(root: User) -> None:
    Newsletter.objects.create(title="Africa Forward Stories", slug="afs")

    run(str(FIXTURES / "across_months.md"))
    run(str(FIXTURES / "across_years.md"))

    food = Newsletter.objects.get(title="Agriculture and Food Security (AFS)")
    assert food.slug == "afs-2"
    assert food.issues.get().period == "28 November - 4 December 2025"  # type: ignore[attr-defined]
    ports = Newsletter.objects.get(slug="maritime-and-ports")
    assert ports.title == "Maritime and Ports"
    assert ports.issues.get().period == "29 December 2025 - 4 January 2026"  # type: ignore[attr-defined]


def test_numbers_follow_on_or_are_given(root: User, alice: User, newsletter: Newsletter) -> None:
    factories.make_issue(
        newsletter=newsletter, created_by=alice, number=41, period_start=datetime.date(2025, 11, 17)
    )

    run(str(FIXTURES / "basic.md"))
    run(str(FIXTURES / "blank_lines.md"), "--number", "7")

    assert sorted(newsletter.issues.values_list("number", flat=True)) == [7, 41, 42]  # type: ignore[attr-defined]


def test_an_issue_number_that_exists_is_refused_on_the_masthead_line(
    root: User, alice: User, newsletter: Newsletter
) -> None:
    factories.make_issue(
        newsletter=newsletter, created_by=alice, number=3, period_start=datetime.date(2025, 11, 17)
    )
    before = counts()

    with pytest.raises(CommandError) as caught:
        run(str(FIXTURES / "basic.md"), "--number", "3")

    assert str(caught.value) == (
        f"{FIXTURES / 'basic.md'}:3: Information and Communication Technology (ICT)"
        " already has an issue number 3"
    )
    assert counts() == before


def test_importing_the_same_issue_twice_is_refused(root: User) -> None:
    run(str(FIXTURES / "basic.md"))
    before = counts()

    with pytest.raises(CommandError, match=r"basic.md:3: .* already has an issue for 24 - 30"):
        run(str(FIXTURES / "basic.md"))

    assert counts() == before


@pytest.mark.parametrize(
    ("fixture", "where"),
    [
        ("error_no_source.md", ":7: the story “Millbrook buses"),
        ("error_last_no_source.md", ":7: the story “Kessel launches"),
        ("error_no_headline.md", ":5: a paragraph without a headline"),
        ("error_bad_period.md", ":1: unreadable period"),
    ],
)
def test_bad_input_changes_nothing_and_says_what_and_where(
    root: User, fixture: str, where: str
) -> None:
    before = counts()

    with pytest.raises(CommandError) as caught:
        run(str(FIXTURES / "basic.md"), str(FIXTURES / fixture))

    assert str(caught.value).startswith(str(FIXTURES / fixture) + where)
    assert counts() == before


def test_a_failure_exits_with_a_non_zero_status(root: User, capsys: pytest.CaptureFixture) -> None:
    utility = ManagementUtility(
        ["manage.py", "import_newsletter", str(FIXTURES / "error_no_headline.md")]
    )
    with pytest.raises(SystemExit) as caught:
        utility.execute()
    assert caught.value.code != 0
    assert "error_no_headline.md:5: a paragraph without a headline" in capsys.readouterr().err


def test_a_dry_run_prints_the_plan_and_writes_nothing(root: User, newsletter: Newsletter) -> None:
    factories.make_source("Valley Courier")
    before = counts()

    lines = run(str(FIXTURES / "basic.md"), "--dry-run")

    assert counts() == before
    assert lines[0] == "newsletter: Information and Communication Technology (ICT) [ict] (existing)"
    assert lines[1] == "issue: no. 1, 24 - 30 November 2025"
    assert lines[2] == (
        "sources: Harbour Tribune (new), Valley Courier (existing), Kessel Daily (new)"
    )
    assert lines[3].startswith("  1. Port Aldren opens")
    assert lines[-1] == "dry run: issue would have 5 stories"


def test_several_files_import_oldest_first_in_one_go(root: User, newsletter: Newsletter) -> None:
    lines = run(str(FIXTURES / "escapes.md"), str(FIXTURES / "basic.md"))

    numbers = dict(newsletter.issues.values_list("period_start__day", "number"))  # type: ignore[attr-defined]
    assert numbers == {24: 1, 8: 2}
    assert lines[-1].startswith("Imported 2 files: 8 stories, 2 issues, ")


def test_it_needs_someone_to_import_as(db: None) -> None:
    with pytest.raises(CommandError, match="Who is importing"):
        run(str(FIXTURES / "basic.md"))
    assert Story.objects.count() == 0


def test_publishing_needs_a_reviewer(alice: User) -> None:
    before = counts()
    with pytest.raises(CommandError, match="alice is not a reviewer"):
        run(str(FIXTURES / "basic.md"), "--publish", "--user", "alice")
    assert counts() == before


def test_it_publishes_a_back_issue_through_the_workflow(
    bob: User,
    carol: User,
    dave: User,
    newsletter: Newsletter,
    artifacts: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        lines = run(str(FIXTURES / "across_months.md"), "--publish", "--user", "bob")

    issue = Issue.objects.get()
    assert issue.status == Status.PUBLISHED
    # Dated when it first came out; neither reviewers nor subscribers mailed.
    assert timezone.localdate(issue.published_at) == issue.period_start
    assert callbacks == []
    assert mail.outbox == []
    assert issue.latest_edition.page_count == 1
    assert issue.latest_edition.pdf_file.read().startswith(b"%PDF")
    assert stored_files(artifacts) == sorted(
        [issue.latest_edition.html_file.name, issue.latest_edition.pdf_file.name]
    )
    assert lines[-2:] == ["published: 1-page PDF stored", f"issue {issue.pk}: 2 stories"]
    audit = list(
        issue.transitions.order_by("at", "pk").values_list("transition", "by__username", "note")
    )
    assert audit == [("submit", "importer", IMPORT_NOTE), ("publish", "bob", IMPORT_NOTE)]
    for story in issue.ordered_stories():
        assert story.status == Status.PUBLISHED
        assert list(
            story.transitions.order_by("at", "pk").values_list("transition", "by__username", "note")
        ) == [("submit", "importer", IMPORT_NOTE), ("publish", "bob", IMPORT_NOTE)]


def test_a_failed_render_leaves_nothing_behind(bob: User, artifacts: Path) -> None:
    before = counts()
    failure = documents.RenderError("The issue could not be rendered as PDF: out of paper")

    with (
        mock.patch.object(documents, "render_pdf", side_effect=failure),
        pytest.raises(CommandError, match=r"nothing was imported.*out of paper"),
    ):
        run(str(FIXTURES / "basic.md"), "--publish", "--user", "bob")

    assert counts() == before
    assert StoryTransition.objects.count() == IssueTransition.objects.count() == 0
    assert stored_files(artifacts) == []


@pytest.mark.parametrize("fixture", ["escapes.md", "across_years.md", "multiword_sources.md"])
def test_a_published_pdf_imports_back_the_same_issue(
    bob: User, newsletter: Newsletter, artifacts: Path, tmp_path: Path, fixture: str
) -> None:
    run(str(FIXTURES / fixture), "--publish", "--user", "bob")
    original = Issue.objects.get()
    pdf = tmp_path / "issue.pdf"
    with original.latest_edition.pdf_file.open("rb") as stored:
        pdf.write_bytes(stored.read())
    second = factories.make_newsletter("Archive Copy", slug="archive")

    run(str(pdf), "--newsletter", "archive", "--user", "bob")

    copy = second.issues.get()  # type: ignore[attr-defined]
    assert (copy.period_start, copy.period_end) == (original.period_start, original.period_end)

    def content(issue: Issue) -> list[tuple[str, str, str | None]]:
        return [(s.headline, s.body, s.source.name) for s in issue.ordered_stories()]

    # The PDF prints typographic quotes (issues.rendering.typography): that is what comes back.
    printed = [(smarten(h), smarten_html(b), source) for h, b, source in content(original)]
    assert content(copy) == printed
    assert len(content(copy)) == len(parse_issue_text((FIXTURES / fixture).read_text()).stories)
    sources = {story.source for story in original.ordered_stories()}
    assert Source.objects.count() == len(sources)  # the same sources, reused


def test_a_long_issue_over_several_pages_imports_back_from_its_pdf(
    bob: User, artifacts: Path, tmp_path: Path
) -> None:
    stories = "\n\n".join(
        f"Headline number {n} about the harbour's new quays\n\n"
        + "The harbour authority said the quay would open soon. " * 12
        + f"(**Harbour Tribune {n % 3}**)"
        for n in range(1, 13)
    )
    text = tmp_path / "long.md"
    text.write_text("NEWSLETTER**MARITIME AND PORTS****5 - 11 January 2026**\n\n" + stories)
    run(str(text), "--publish", "--user", "bob")
    original = Issue.objects.get()
    assert original.latest_edition.page_count and original.latest_edition.page_count > 1
    pdf = tmp_path / "long.pdf"
    shutil.copyfileobj(original.latest_edition.pdf_file.open("rb"), pdf.open("wb"))
    factories.make_newsletter("Archive Copy", slug="archive")

    run(str(pdf), "--newsletter", "archive", "--user", "bob")

    copy = Issue.objects.get(newsletter__slug="archive")
    assert [(s.headline, s.body, s.source) for s in copy.ordered_stories()] == [
        (smarten(s.headline), smarten_html(s.body), s.source) for s in original.ordered_stories()
    ]  # as printed: with typographic quotes


class Terminal(io.StringIO):
    """What a terminal is to the command: a stream that says it is one."""

    def isatty(self) -> bool:
        return True


THREE = [str(FIXTURES / name) for name in ("basic.md", "escapes.md", "across_months.md")]
SUMMARY = re.compile(
    r"Imported 3 files: 10 stories, 3 issues, 4 new sources, 2 new newsletters in \d+\.\d s"
)


def test_several_files_report_progress_on_stderr_and_one_summary_line(root: User) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_newsletter", *THREE, stdout=out, stderr=err)

    assert Issue.objects.count() == 3
    assert SUMMARY.fullmatch(out.getvalue().strip()), out.getvalue()
    # In a log, a line per tenth of the files (here, each of the three).
    progress = err.getvalue().splitlines()
    assert progress[0] == "reading        [##########                    ]         1/3"
    assert progress[2] == "reading        [##############################]         3/3"
    assert progress[-1] == "importing      [##############################]         3/3"
    assert len(progress) == 6


def test_more_detail_shows_each_issue_then_the_summary_last(root: User) -> None:
    out = io.StringIO()
    call_command("import_newsletter", *THREE, "-v", "2", stdout=out, stderr=io.StringIO())
    lines = out.getvalue().splitlines()
    assert "  1. Port Aldren opens its first undersea data centre — Harbour Tribune" in lines
    assert sum(line.startswith("issue ") and line.endswith(" stories") for line in lines) == 3
    assert SUMMARY.fullmatch(lines[-1])


def test_on_a_terminal_the_bar_is_redrawn_in_place_naming_the_file(root: User) -> None:
    terminal = Terminal()
    call_command("import_newsletter", *THREE, stdout=io.StringIO(), stderr=terminal)
    shown = terminal.getvalue()
    assert shown.count("\n") == 2  # one finished line per phase
    assert "\rreading        [##########                    ]         1/3 escapes.md\x1b[K" in shown
    assert "\rimporting      [##########                    ]         1/3 across_months.md" in shown
    assert shown.endswith("\rimporting      [##############################]         3/3\n")


def test_an_error_in_the_third_file_names_it_and_its_line_after_the_bar(root: User) -> None:
    terminal, before = Terminal(), counts()
    bad = str(FIXTURES / "error_no_headline.md")
    with pytest.raises(CommandError) as caught:
        call_command("import_newsletter", *THREE[:2], bad, stdout=io.StringIO(), stderr=terminal)
    assert str(caught.value).startswith(f"{bad}:5: a paragraph without a headline")
    # The bar names the file it stopped at, and the error starts a line of its own.
    assert terminal.getvalue().endswith("2/3 error_no_headline.md\x1b[K\n")
    assert counts() == before


def test_a_dry_run_of_several_files_says_nothing_was_saved(root: User) -> None:
    before = counts()
    lines = run(*THREE, "--dry-run")
    assert re.fullmatch(
        r"Dry run, nothing saved: 3 files would import 10 stories, 3 issues, 4 new sources,"
        r" 2 new newsletters \(read in \d+\.\d s\)",
        lines[-1],
    )
    assert counts() == before
