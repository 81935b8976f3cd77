"""Every label true for its reader: a story a reviewer approved is "Approved"
on every page, history line, mail and admin page; only what subscribers can
read is "Published" (a story may say "published in issue no. N"); a
published issue's desk page is its record, not a workbench."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.utils.html import strip_tags

from newsroom.models import Newsletter, Story
from newsroom.review.workflow import PUBLISH, SUBMIT, Status, perform
from tests import factories
from tests.issue_helpers import publish

PUBLISHED = re.compile(r"\bpublished\b", re.IGNORECASE)


def main_text(html: str) -> str:
    """The words of the page's own content, without the site's navigation."""
    content = html.split("<main", 1)[-1].split("</main>", 1)[0]
    content = re.sub(r"<(script|style)\b.*?</\1>", " ", content, flags=re.S)
    return re.sub(r"\s+", " ", strip_tags(content))


@pytest.fixture
def approved(
    alice: User, bob: User, newsletter: Newsletter, django_capture_on_commit_callbacks: Any
) -> Story:
    story = factories.make_story(author=alice, newsletter=newsletter, headline="Ferry data freed")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        perform(story, SUBMIT, by=alice)
        perform(story, PUBLISH, by=bob)
    return story


def test_no_page_of_an_approved_story_calls_it_published(
    approved: Story, alice: User, bob: User, admin_user: User
) -> None:
    pages = [
        f"/desk/stories/{approved.pk}/",
        f"/desk/stories/{approved.pk}/history/",
        "/desk/stories/",
        "/desk/stories/?status=published",
        f"/desk/stories/?q={approved.headline}",
        "/desk/",
    ]
    for user, extra in ((alice, []), (bob, ["/desk/review/"])):
        client = factories.client_for(user)
        for path in pages + extra:
            response = client.get(path)
            assert response.status_code == 200, path
            text = main_text(response.content.decode())
            assert not PUBLISHED.findall(text), f"{user} {path}: {text[:2000]}"
    admin = factories.client_for(admin_user)
    for path in (
        f"/admin/newsroom/story/{approved.pk}/change/",
        f"/admin/newsroom/story/{approved.pk}/history/",
        "/admin/newsroom/story/",
    ):
        page = admin.get(path).content.decode()
        content = page.split('id="content"', 1)[-1]
        assert not re.search(r">\s*Published\s*<", content), path
        assert "Approved" in content or path.endswith("/history/"), path


def test_the_story_page_says_approved_and_when(approved: Story, alice: User) -> None:
    page = main_text(factories.client_for(alice).get(approved.get_absolute_url()).content.decode())

    assert "Approved " in page and "read-only until withdrawn" in page
    assert "In review → Approved" in page
    assert f"written by {approved.author.username}" in page
    assert "As it will appear in the issue" in page


def test_no_mail_calls_an_approved_story_published(approved: Story) -> None:
    assert mail.outbox, "the author is told of the approval"
    for message in mail.outbox:
        assert not PUBLISHED.search(message.subject), message.subject
        assert not PUBLISHED.search(message.body), message.body
    assert any("Approved: Ferry data freed" in message.subject for message in mail.outbox)


def test_a_story_in_a_published_issue_says_so(
    client: Client, alice: User, bob: User, newsletter: Newsletter
) -> None:
    issue = publish(newsletter, editor=alice, reviewer=bob, number=4)
    story = issue.entries.get().story

    page = main_text(factories.client_for(alice).get(story.get_absolute_url()).content.decode())

    assert "published in issue no. 4" in page
    assert "As it appeared in issue no. 4" in page
    assert "As it will appear in the issue" not in page
    assert "read-only until withdrawn" not in page


def test_a_published_issue_desk_page_is_its_record(
    alice: User, bob: User, newsletter: Newsletter
) -> None:
    issue = publish(newsletter, editor=alice, reviewer=bob, number=4)

    html = factories.client_for(bob).get(f"/desk/issues/{issue.pk}/").content.decode()
    page = main_text(html)

    assert "Editions" in page and "Edition 1" in page
    assert "Reach" in page and "Corrections" in page
    for workbench in ("Preview HTML", "Preview PDF", "Invite to review", "Copy due", "sha256"):
        assert workbench not in page, workbench
    assert "As subscribers read it" in page


def test_an_issue_in_progress_keeps_its_workbench(
    alice: User, bob: User, newsletter: Newsletter
) -> None:
    issue = factories.make_issue(newsletter=newsletter, created_by=alice, number=5)

    page = main_text(factories.client_for(bob).get(f"/desk/issues/{issue.pk}/").content.decode())

    assert "Preview HTML" in page and "Invite to review" in page
    assert "Editions" not in page


def test_the_story_status_still_reads_in_review_before_approval(
    alice: User, newsletter: Newsletter
) -> None:
    story = factories.make_story(author=alice, newsletter=newsletter, status=Status.REVIEW)

    page = main_text(factories.client_for(alice).get(story.get_absolute_url()).content.decode())

    assert "Draft → In review" in page
