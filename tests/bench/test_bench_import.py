"""How fast back issues import: 1,000 issues of 5 stories, through the same
parsing and saving code as the command. Prints the figures; asserts only
that everything arrived (timings depend on the machine).

    make bench   (or: pytest tests/bench/test_bench_import.py -s)
"""

from __future__ import annotations

import datetime
import io
import time
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection

from issues.importing import parse_issue_text, save_parsed_issue
from issues.models import Issue, IssueStory
from issues.models.issues import format_period
from newsroom.models import Source, Story

ISSUES = 1000
STORIES = 5
SOURCES = ["Harbour Tribune", "Valley Courier", "Kessel Daily", "Radio Lakeside", "The Gazette"]


def issue_text(n: int) -> str:
    start = datetime.date(2006, 1, 2) + datetime.timedelta(weeks=n)
    period = format_period(start, start + datetime.timedelta(days=6))
    stories = [
        (
            f"Harbour news item {n}.{i}: the quay extension reaches stage {i}",
            f"Work on the quay extension in week {n} reached stage {i}, the port authority"
            " said, with the new berths expected to take ships from next spring."
            f" (**{SOURCES[(n + i) % len(SOURCES)]}**)",
        )
        for i in range(1, STORIES + 1)
    ]
    first_headline, first_paragraph = stories[0]
    sector = "INFORMATION AND COMMUNICATION TECHNOLOGY (ICT)"
    lines = [
        f"NEWSLETTER**{sector}****{period}****{first_headline}**",
        "",
        first_paragraph,
    ]
    for headline, paragraph in stories[1:]:
        lines += ["", headline, "", paragraph]
    return "\n".join(lines) + "\n"


def assert_all_arrived() -> None:
    assert Issue.objects.count() == ISSUES
    assert Story.objects.count() == IssueStory.objects.count() == ISSUES * STORIES
    assert Story.history.count() == ISSUES * STORIES
    assert Source.objects.count() == len(SOURCES)


@pytest.fixture
def root(db: None) -> User:
    return User.objects.create_superuser("root", "root@example.org", "x")


@pytest.mark.django_db
def test_bench_import_1000_issues_of_5_stories_one_by_one(root: User) -> None:
    """save_parsed_issue per issue, each in its own transaction (the desk's way)."""
    texts = [issue_text(n) for n in range(ISSUES)]

    started = time.perf_counter()
    parsed = [parse_issue_text(text) for text in texts]
    parsing = time.perf_counter() - started
    for issue in parsed:
        save_parsed_issue(issue, by=root)
    total = time.perf_counter() - started

    assert_all_arrived()
    print(
        f"\nimport one by one on {connection.vendor}: {ISSUES} issues x {STORIES} stories"
        f" in {total:.2f} s ({ISSUES / total:.0f} issues/s; parsing {parsing:.2f} s,"
        f" saving {total - parsing:.2f} s)"
    )


@pytest.mark.django_db
def test_bench_import_command_with_1000_files(root: User, tmp_path: Path) -> None:
    """manage.py import_newsletter with 1,000 files: read, parse, save in one go."""
    paths = []
    for n in range(ISSUES):
        path = tmp_path / f"issue-{n:04d}.md"
        path.write_text(issue_text(n), encoding="utf-8")
        paths.append(str(path))
    out = io.StringIO()

    started = time.perf_counter()
    call_command("import_newsletter", *paths, stdout=out)
    total = time.perf_counter() - started

    assert_all_arrived()
    # Several files are summed up in one line (one file itemises its issue).
    assert (
        out.getvalue()
        .splitlines()[-1]
        .startswith(f"Imported {ISSUES} files: {ISSUES * STORIES:,} stories, {ISSUES:,} issues")
    )
    print(
        f"\nimport_newsletter on {connection.vendor}: {ISSUES} files of {STORIES} stories"
        f" in {total:.2f} s ({ISSUES / total:.0f} issues/s)"
    )
