"""The dashboard, the archive, the sources page and the issue builder ask
the database the same number of times however much there is to show:
measured with an author who has stories in every state and a reader of
several newsletters."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from issues.models import Issue, Subscription
from newsroom.models import Newsletter
from newsroom.review.workflow import REQUEST_CHANGES, Status, perform
from tests import factories
from tests.issue_helpers import publish


def queries_for(client: Client, path: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def write_stories(author: User, reviewer: User, newsletter: Newsletter, count: int) -> None:
    """`count` stories in each state: drafts, sent back, in review, approved."""
    for n in range(count):
        source = factories.make_source(f"Wire {n}")
        factories.make_story(author=author, newsletter=newsletter, source=source)
        sent_back = factories.make_story(
            author=author, newsletter=newsletter, source=source, status=Status.REVIEW
        )
        perform(sent_back, REQUEST_CHANGES, by=reviewer, comment=f"Shorter, please ({n}).")
        factories.make_story(
            author=author, newsletter=newsletter, source=source, status=Status.REVIEW
        )
        factories.make_story(
            author=author,
            newsletter=newsletter,
            source=source,
            status=Status.PUBLISHED,
            reviewer=reviewer,
        )
    factories.make_issue(newsletter=newsletter, created_by=author)


def test_the_authors_dashboard_takes_the_same_queries_with_many_stories(
    client: Client, alice: User, bob: User, newsletter: Newsletter
) -> None:
    client.force_login(alice)
    write_stories(alice, bob, newsletter, 1)
    few, _ = queries_for(client, "/desk/")

    write_stories(alice, bob, newsletter, 12)
    many, page = queries_for(client, "/desk/")

    assert many == few
    assert "Shorter, please (11)." in page


def test_the_archive_takes_the_same_queries_for_a_reader_of_several_newsletters(
    client: Client, newsletter: Newsletter, alice: User, bob: User, dave: User
) -> None:
    client.force_login(dave)
    publish(newsletter, editor=alice, reviewer=bob, headlines=("Port gets fibre",))
    few, _ = queries_for(client, "/issues/")

    for slug in ("energy", "maritime"):
        other = factories.make_newsletter(slug.title(), slug)
        Subscription.objects.create(user=dave, newsletter=other)
        publish(
            other,
            editor=alice,
            reviewer=bob,
            headlines=(f"{slug.title()} news one", f"{slug.title()} news two"),
            period_start=datetime.date(2025, 12, 1),
        )
    many, page = queries_for(client, "/issues/")

    assert many == few
    assert "Maritime news two" in page and "Energy news one" in page


def test_the_sources_page_and_the_builder_take_the_same_queries_with_many_stories(
    client: Client, alice: User, bob: User, newsletter: Newsletter
) -> None:
    """Each source's story count and each waiting story come from the page's
    own queries, whatever the number of sources and stories (issue 27)."""
    client.force_login(alice)
    write_stories(alice, bob, newsletter, 1)
    issue = Issue.objects.get()
    builder = reverse("issue_desk:issue_builder", args=[issue.pk])
    few_sources, _ = queries_for(client, reverse("desk:source_list"))
    few_waiting, _ = queries_for(client, builder)
    few_searched, _ = queries_for(client, f"{builder}?q=harbour")

    write_stories(alice, bob, newsletter, 12)
    many_sources, sources = queries_for(client, reverse("desk:source_list"))
    many_waiting, waiting = queries_for(client, builder)
    many_searched, _ = queries_for(client, f"{builder}?q=harbour")

    assert (many_sources, many_waiting, many_searched) == (few_sources, few_waiting, few_searched)
    assert "Wire 11" in sources
    assert waiting.count("Port city opens data centre number") >= 13
