"""No 500 from any query string: every page that reads `request.GET` is
asked with values a form would never send (a NUL byte, which PostgreSQL
refuses in text; letters where an id goes; a number too large for any
column; SQL and HTML). Each answers 200, a 4xx or a redirect, never 500.

On SQLite and on PostgreSQL (make test runs the `postgres` mark there too).
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from newsroom.models import Newsletter
from tests import factories
from tests.issue_helpers import publish

HOSTILE = ["\x00", "a\x00b", "x", "-1", "9" * 30, "1.5", "' OR 1=1 --", "<script>", "%", ""]
# Every query parameter a page of ours reads.
PARAMETERS = [
    "q", "newsletter", "page", "a", "b", "author", "source", "status",
    "person", "assignee", "week", "mine", "edition",
]  # fmt: skip


def pages(alice: User, bob: User, newsletter: Newsletter) -> list[tuple[User, str]]:
    story = factories.make_story(author=alice, newsletter=newsletter)
    issue = publish(newsletter, editor=alice, reviewer=bob, number=3)
    draft = factories.make_issue(newsletter=newsletter, created_by=alice, number=4)
    desk = [
        reverse("desk:dashboard"),
        reverse("desk:calendar"),
        reverse("desk:assignment_new"),
        reverse("desk:story_list"),
        reverse("desk:story_new"),
        reverse("desk:story_detail", args=[story.pk]),
        reverse("desk:story_history", args=[story.pk]),
        reverse("desk:story_diff", args=[story.pk]),
        reverse("desk:review_queue"),
        reverse("desk:source_list"),
        reverse("desk:source_names"),
        reverse("issue_desk:issue_list"),
        reverse("issue_desk:issue_create"),
        reverse("issue_desk:issue_suggestion"),
        reverse("issue_desk:issue_builder", args=[draft.pk]),
        reverse("issue_desk:issue_reach", args=[issue.pk]),
    ]
    reader = factories.make_subscriber("dave", newsletter)
    archive = [
        reverse("issues:archive"),
        reverse("issues:issue_detail", args=[newsletter.slug, issue.number]),
    ]
    return (
        [(alice, url) for url in desk]
        + [(bob, url) for url in desk]
        + [(reader, url) for url in archive]
    )


def hostile_answers(client: Client, visits: list[tuple[User, str]]) -> list[str]:
    failures = []
    for user, url in visits:
        client.force_login(user)
        for value in HOSTILE:
            query = dict.fromkeys(PARAMETERS, value)
            status = client.get(url, query).status_code
            if status >= 500:
                failures.append(f"{user.username} GET {url} with {value!r}: {status}")
    return failures


@pytest.mark.postgres  # PostgreSQL refuses NUL where SQLite takes it
def test_no_query_string_makes_a_page_fail(
    client: Client, alice: User, bob: User, newsletter: Newsletter
) -> None:
    client.raise_request_exception = False
    failures = hostile_answers(client, pages(alice, bob, newsletter))
    assert not failures, "\n".join(failures)


POSTED_IDS = ["x", "²", "-1", "1.5", "9" * 30, "' OR 1=1 --", ""]


@pytest.mark.django_db
def test_no_posted_story_id_makes_a_builder_or_correction_action_fail(
    alice: User, bob: User, newsletter: Newsletter
) -> None:
    # A story id posted by hand to the builder or to a correction: not
    # found (404), never an error, and nothing changes.
    draft = factories.make_issue(newsletter=newsletter, created_by=alice, number=4)
    published = publish(newsletter, editor=alice, reviewer=bob, number=3)
    asked = [
        (alice, reverse("issue_desk:add_story", args=[draft.pk])),
        (bob, reverse("issue_desk:correction_start", args=[published.pk])),
    ]
    for user, url in asked:
        client = factories.client_for(user)
        for value in POSTED_IDS:
            assert client.post(url, {"story": value}).status_code == 404, (url, value)
    assert draft.entries.count() == 0
    assert not published.corrections.exists()
