"""The Nu Html Checker (vnu) finds no error in the issue's HTML export nor
on any page any role reaches.

Each role (nobody signed in, editor, reviewer, subscriber, staff) walks the
site through the test client from where it lands, following every link on
every page (one page per URL pattern, the same walk and newsroom as the
accessibility test in tests/e2e/test_accessibility.py). Every page, a few
the walk cannot reach (a published issue on the desk, a 404, an outside
reviewer's signed story and issue pages), the stored HTML export and the
desk's preview are written to one folder, and vnu checks the folder in one
run (the JVM takes seconds to start).

vnu is `vnu-jar` from npm, installed by `scripts/install-vnu` into var/vnu
(or found at NEWSROOM_VNU_JAR), run on the machine's Java. Without either
the test is skipped with a notice; with NEWSROOM_REQUIRE_VNU=1 (CI) it fails.
NEWSROOM_VNU_PAGES=<folder> keeps the pages checked (git-ignored var/ is a
good place), to read vnu's warnings: docs/standards.md lists them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

from issues.models import Issue
from issues.models.invitations import IssueInvitation
from newsroom.models import Story
from newsroom.models.invitations import StoryInvitation
from newsroom.review.comments import comment_on_passage
from newsroom.review.invitations import invite
from tests.e2e.test_accessibility import START, arrange_newsroom, pattern_of, worth_walking

VNU_JAR = Path(
    os.environ.get(
        "NEWSROOM_VNU_JAR",
        Path(settings.BASE_DIR)
        / "var"
        / "vnu"
        / "node_modules"
        / "vnu-jar"
        / "build"
        / "dist"
        / "vnu.jar",
    )
)
MAX_PAGES_PER_ROLE = 60
HREF = re.compile(r'<a\b[^>]*?\bhref="([^"]*)"', re.IGNORECASE)


def vnu_command() -> list[str]:
    """How to run vnu here, or a skip (a failure in CI) saying what is missing."""
    java = shutil.which("java")
    missing = []
    if java is None:
        missing.append("java (apt-get install default-jre-headless)")
    if not VNU_JAR.is_file():
        missing.append(f"{VNU_JAR} (run scripts/install-vnu)")
    if missing:
        message = "Nu Html Checker not run: missing " + " and ".join(missing)
        if os.environ.get("NEWSROOM_REQUIRE_VNU") == "1":
            pytest.fail(message + " while NEWSROOM_REQUIRE_VNU=1")
        pytest.skip(message)
    assert java is not None
    return [java, "-Xss8m", "-jar", str(VNU_JAR)]


def vnu_errors(command: list[str], folder: Path) -> list[dict]:
    """vnu's errors for every HTML file in `folder`, in one run."""
    result = subprocess.run(
        [*command, "--errors-only", "--format", "json", str(folder)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    # vnu prints its JSON report on stderr, and exits 1 when it found errors.
    report = json.loads(result.stderr or '{"messages": []}')
    return [m for m in report["messages"] if m.get("type") in ("error", "non-document-error")]


def file_name(role: str, path: str) -> str:
    return f"{role}{re.sub(r'[^A-Za-z0-9.-]+', '_', path).rstrip('_') or '_home'}.html"


def walk(client: Client, role: str, folder: Path) -> int:
    """Save every page (one per URL pattern) reachable from the role's start
    pages into `folder`; return how many."""
    queue, seen = list(START[role]), set[str]()
    while queue and len(seen) < MAX_PAGES_PER_ROLE:
        path = queue.pop(0)
        pattern = pattern_of(path)
        if pattern is None or pattern in seen:
            continue
        seen.add(pattern)
        response = client.get(path)
        assert response.status_code < 400, f"{role}: {path} answered {response.status_code}"
        if response.status_code != 200 or "text/html" not in response["Content-Type"]:
            continue
        html = response.content.decode()
        (folder / file_name(role, path)).write_text(html, encoding="utf-8")
        for href in HREF.findall(html):
            parts = urlsplit(href.replace("&amp;", "&"))
            ours = parts.netloc in ("", "testserver") and parts.path.startswith("/")
            if ours and worth_walking(parts.path):
                queue.append(parts.path)
    return len(seen)


def show(errors: list[dict], folder: Path) -> str:
    return "\n".join(
        f"{m.get('url', '').replace(folder.as_uri(), '')}:{m.get('lastLine', '?')}: "
        f"{m.get('message')} [{m.get('extract', '').strip()[:80]}]"
        for m in errors
    )


@pytest.mark.django_db
def test_the_export_and_every_page_of_every_role_are_valid_html(
    client: Client, tmp_path: Path
) -> None:
    command = vnu_command()
    arrange_newsroom()
    # NEWSROOM_VNU_PAGES=<folder> keeps the pages, to look at or to run vnu
    # on by hand (for its warnings too).
    folder = Path(os.environ.get("NEWSROOM_VNU_PAGES", tmp_path / "pages"))
    folder.mkdir(parents=True, exist_ok=True)
    users = {user.username: user for user in User.objects.all()}

    walked = {}
    for role in START:
        client.logout()
        if role != "anonymous":
            client.force_login(users[role])
        walked[role] = walk(client, role, folder)

    # Pages the walk meets in another state only: a published issue on the
    # desk (its corrections panel), and the page for a wrong address.
    published = Issue.objects.get(number=1)
    client.force_login(users["bob"])
    extra = {"bob_published_issue": f"/desk/issues/{published.pk}/", "bob_404": "/nowhere/"}
    # An outside reviewer's pages (signed links), with a comment of theirs.
    in_review = Story.objects.get(headline="Buoys report by radio")
    on_story = invite(StoryInvitation, subject=in_review, email="x@ngo.example", by=users["bob"])
    comment_on_passage(
        in_review, text="Which one?", quote="harbour authority", email="x@ngo.example"
    )
    issue_in_review = Issue.objects.get(number=2)
    on_issue = invite(
        IssueInvitation, subject=issue_in_review, email="y@ngo.example", by=users["bob"]
    )
    extra["outside_story"] = f"/review/story/{in_review.pk}/{on_story.token()}/"
    extra["outside_issue"] = f"/review/issue/{issue_in_review.pk}/{on_issue.token()}/"
    # The issue's own documents: the stored export and the desk's preview.
    extra["export"] = f"/issues/{published.newsletter.slug}/1.html"
    extra["preview"] = f"/desk/issues/{Issue.objects.get(number=3).pk}/preview.html"
    for name, path in extra.items():
        response = client.get(path)
        assert response.status_code == (404 if name == "bob_404" else 200), path
        (folder / f"{name}.html").write_bytes(response.content)
    assert "Story to correct" in (folder / "bob_published_issue.html").read_text()

    assert all(walked.values()), walked
    assert len(list(folder.iterdir())) >= 25, sorted(p.name for p in folder.iterdir())
    errors = vnu_errors(command, folder)
    assert not errors, f"{len(errors)} errors from the Nu Html Checker:\n" + show(errors, folder)
