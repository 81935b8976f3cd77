"""Pages say what is true: a story a reviewer approved is "Approved" (ready
for an issue), "In issue no. N" once that issue is published; only issues are
"Published". The stored status value stays `published` for both.

Alice edits, Bob reviews.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from newsroom.models import Newsletter
from newsroom.review.workflow import PUBLISH, SUBMIT, Status, WorkflowError, perform
from tests import factories
from tests.issue_helpers import publish


def approved_story(alice: User, bob: User, newsletter: Newsletter, headline: str) -> Any:
    return factories.make_story(
        author=alice,
        newsletter=newsletter,
        status=Status.PUBLISHED,
        reviewer=bob,
        headline=headline,
    )


def test_the_dashboard_says_approved_not_published(
    client: Any, alice: User, bob: User, newsletter: Newsletter
) -> None:
    approved_story(alice, bob, newsletter, "Ferry timetable goes digital")
    client.force_login(alice)

    page = client.get("/desk/").content.decode()

    assert "Recently approved" in page and "Recently published" not in page
    assert '<span class="badge status-badge status-badge-approved">Approved</span>' in page
    assert ">Published</span>" not in page


def test_a_story_in_a_published_issue_says_which_issue(
    client: Any, alice: User, bob: User, newsletter: Newsletter
) -> None:
    issue = publish(newsletter, editor=alice, reviewer=bob, headlines=("Lighthouse goes online",))
    story = issue.ordered_stories()[0]
    client.force_login(alice)

    detail = client.get(story.get_absolute_url()).content.decode()
    listing = client.get("/desk/stories/").content.decode()

    badge = (
        f'<span class="badge status-badge status-badge-in-issue">In issue no. {issue.number}</span>'
    )
    assert badge in detail and badge in listing  # the issue's colour, not the approved green
    builder = client.get(f"/desk/issues/{issue.pk}/").content.decode()
    assert ">Published</span>" in builder  # the issue itself is published


def test_the_story_list_asks_for_issue_numbers_once_whatever_its_length(
    client: Any, alice: User, bob: User, newsletter: Newsletter
) -> None:
    client.force_login(alice)
    approved_story(alice, bob, newsletter, "One")
    with CaptureQueriesContext(connection) as few:
        client.get("/desk/stories/")
    for n in range(5):
        approved_story(alice, bob, newsletter, f"More {n}")
    with CaptureQueriesContext(connection) as many:
        page = client.get("/desk/stories/").content.decode()

    assert page.count(">Approved</span>") == 6
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_story_filter_offers_approved(
    client: Any, alice: User, bob: User, newsletter: Newsletter
) -> None:
    approved_story(alice, bob, newsletter, "Approved one")
    factories.make_story(author=alice, newsletter=newsletter, headline="Still a draft")
    client.force_login(alice)

    page = client.get("/desk/stories/", {"status": "published"}).content.decode()

    assert '<option value="published" selected>Approved</option>' in page
    assert "Approved one" in page and "Still a draft" not in page


def test_the_author_is_told_in_the_same_words(
    alice: User, bob: User, newsletter: Newsletter, django_capture_on_commit_callbacks: Any
) -> None:
    story = factories.make_story(author=alice, newsletter=newsletter, status=Status.REVIEW)
    with django_capture_on_commit_callbacks(execute=True):
        perform(story, PUBLISH, by=bob)

    [message] = mail.outbox
    assert message.subject == f"[Newsroom] Approved: {story.headline}"
    assert "published" not in message.body.lower()


def test_the_admin_lists_stories_as_approved(
    client: Any, admin_user: User, alice: User, bob: User, newsletter: Newsletter
) -> None:
    approved_story(alice, bob, newsletter, "Seen in the admin")
    client.force_login(admin_user)

    page = client.get("/admin/newsroom/story/").content.decode()

    assert '<td class="field-status_words">Approved</td>' in page
    assert "?status=published" in page  # the filter, under its own word


def test_a_refusal_names_the_story_status_in_words(
    alice: User, bob: User, newsletter: Newsletter
) -> None:
    story = approved_story(alice, bob, newsletter, "Approved already")
    with pytest.raises(WorkflowError, match=r"^This story is approved; “Submit for review” needs"):
        perform(story, SUBMIT, by=alice)
    story.refresh_from_db()
    assert story.status == Status.PUBLISHED
