"""axe-core over the review pages: the outside reviewer's story and issue
pages and the refusal they may meet (whole pages), and on the desk's story,
review, editor and issue pages the parts this feature adds (the threads, the
passage form, what changed since, outside reviewers). The rest of those desk
pages is checked by tests/e2e/test_accessibility.py where it exists."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import Page

from issues.models.invitations import IssueInvitation
from newsroom import roles
from newsroom.models.invitations import StoryInvitation
from newsroom.review.comments import comment_on_passage, reply
from newsroom.review.invitations import invite
from newsroom.review.workflow import REQUEST_CHANGES, SUBMIT, Status, perform
from tests import factories
from tests.e2e.test_accessibility import blocking_violations, table

BODY = "<p>Exports of cloud services rose 40% in a year, the ministry said on Monday.</p>"


# The parts of desk pages that come from the review feature.
REVIEW_PARTS = {
    "include": [
        [".desk-threads"],
        ["[data-since-last-look]"],
        ["[data-passage-form]"],
        [".desk-outside"],
        ["mark.desk-passage"],
        ["[data-issue-comments]"],
    ]
}


def violations(page: Page, url: str, context: dict[str, Any] | None = None) -> list[dict]:
    response = page.goto(url)
    assert response is not None and response.status < 500, url
    if context:
        page.evaluate("document.querySelector('[data-passage-form]')?.removeAttribute('hidden')")
        context = {
            "include": [
                selector for selector in context["include"] if page.locator(selector[0]).count()
            ]
        }
    results = Axe().run(page, context=context).response
    return blocking_violations(results, role="review", page=url.split("/", 3)[-1][:60])


@pytest.mark.django_db(transaction=True)
def test_the_review_pages_have_no_serious_accessibility_violation(
    page: Page, live_server: Any, login: Callable[[Page, str], None]
) -> None:
    newsletter = factories.make_newsletter()
    alice = factories.make_user("alice", roles.EDITORS)
    bob = factories.make_user("bob", roles.REVIEWERS)
    carol = factories.make_user("carol", roles.REVIEWERS)
    story = factories.make_story(author=alice, newsletter=newsletter, body=BODY)
    perform(story, SUBMIT, by=alice)
    thread = comment_on_passage(story, text="Source?", quote="rose 40%", by=bob)
    reply(thread, text="The ministry's release.", by=alice)
    perform(story, REQUEST_CHANGES, by=bob, comment="See my comment.")
    story.refresh_from_db()
    story.body = BODY.replace("40%", "42%")
    story.save_edit(by=alice, expected_version=story.version)
    perform(story, SUBMIT, by=alice)
    invite(StoryInvitation, subject=story, email="gone@ngo.example", by=bob).revoke(by=bob)
    outside = invite(StoryInvitation, subject=story, email="x@ngo.example", by=bob)
    comment_on_passage(story, text="Which ministry?", quote="ministry", email="x@ngo.example")
    approved = factories.make_story(
        author=alice, newsletter=newsletter, status=Status.PUBLISHED, reviewer=carol
    )
    issue = factories.make_issue(newsletter=newsletter, created_by=alice, stories=[approved])
    comment_on_passage(
        approved, text="Which year?", quote=approved.body_text[:12], email="y@ngo.example"
    )
    on_issue = invite(IssueInvitation, subject=issue, email="y@ngo.example", by=bob)
    expired = invite(StoryInvitation, subject=story, email="z@ngo.example", by=bob)
    StoryInvitation.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - datetime.timedelta(days=1)
    )

    site = live_server.url
    found = []
    found += violations(page, f"{site}/review/story/{story.pk}/{outside.token()}/")
    found += violations(page, f"{site}/review/issue/{issue.pk}/{on_issue.token()}/")
    found += violations(page, f"{site}/review/story/{story.pk}/{expired.token()}/")
    login(page, "bob")
    found += violations(page, f"{site}/desk/stories/{story.pk}/review/", REVIEW_PARTS)
    found += violations(page, f"{site}/desk/stories/{story.pk}/", REVIEW_PARTS)
    found += violations(page, f"{site}/desk/issues/{issue.pk}/", REVIEW_PARTS)
    page.context.clear_cookies()
    login(page, "alice")
    perform(story, REQUEST_CHANGES, by=bob, comment="Once more.")
    found += violations(page, f"{site}/desk/stories/{story.pk}/edit/", REVIEW_PARTS)
    assert not found, "serious or critical axe-core violations:\n" + table(found)
