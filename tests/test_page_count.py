"""The builder's page count: loaded after the page, stored per issue with
the digest of its render input (so every web process, and the next one,
finds it), and bounded like every render."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from issues.models import Issue
from issues.models.page_count import PageCount
from issues.rendering import documents
from issues.rendering import pool as render_pool
from issues.rendering.jobs import worker_pid
from newsroom.models import Newsletter, Story
from tests import factories
from tests.issue_helpers import make_published_stories

# Thousands deep: minutes to lay out, yet quick to build for a test.
NESTED_3000 = "<ul><li>" * 3_000 + "deep" + "</li></ul>" * 3_000


@pytest.fixture(autouse=True)
def empty_cache(db: None) -> Iterator[None]:
    # Nothing of the page count lives in Django's cache; an empty one proves it.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def stories(newsletter: Newsletter, alice: User, bob: User) -> list[Story]:
    return make_published_stories(newsletter=newsletter, author=alice, reviewer=bob, count=3)


@pytest.fixture
def issue(newsletter: Newsletter, alice: User, stories: list[Story]) -> Issue:
    return factories.make_issue(newsletter=newsletter, created_by=alice, stories=stories[:2])


def count_page(client: Client, issue: Issue) -> tuple[str, int]:
    """The page count fragment, and how many renders it took."""
    with mock.patch.object(documents, "render_pdf", wraps=documents.render_pdf) as renders:
        response = client.get(reverse("issue_desk:page_count", args=[issue.pk]))
    assert response.status_code == 200
    return response.content.decode(), renders.call_count


def test_the_builder_page_itself_renders_nothing(client: Client, alice: User, issue: Issue) -> None:
    client.force_login(alice)
    with mock.patch.object(documents, "render_pdf", wraps=documents.render_pdf) as renders:
        response = client.get(reverse("issue_desk:issue_builder", args=[issue.pk]))
    assert 'id="page-count"' in response.content.decode()
    assert renders.call_count == 0


def test_the_page_count_is_rendered_once_per_content(
    client: Client, alice: User, erin: User, issue: Issue, stories: list[Story]
) -> None:
    client.force_login(alice)
    first, renders = count_page(client, issue)
    assert 'data-page-count="1"' in first and renders == 1

    client.force_login(erin)  # another editor, the same content: from the cache
    again, renders = count_page(client, issue)
    assert again == first and renders == 0

    issue.add_story(stories[2], by=alice)  # new content: rendered anew
    _, renders = count_page(client, issue)
    assert renders == 1


def test_an_issue_too_big_to_lay_out_is_told_once_and_not_rendered_again(
    client: Client, alice: User, issue: Issue, stories: list[Story], settings: Any
) -> None:
    settings.NEWSROOM_RENDER_TIME_LIMIT = 1
    render_pool.run(worker_pid)  # a warm worker: the limit is the render's alone
    # A body stored before the limits existed, bypassing save().
    Story.objects.filter(pk=stories[0].pk).update(body=NESTED_3000)
    client.force_login(alice)

    first, renders = count_page(client, issue)
    assert "The PDF cannot be rendered: The issue is too big to render as PDF" in first
    assert "took longer than 1 second" in first and renders == 1

    again, renders = count_page(client, issue)
    assert again == first and renders == 0


def test_the_page_count_is_stored_in_the_database_and_outlives_this_process(
    client: Client, alice: User, issue: Issue
) -> None:
    client.force_login(alice)
    first, renders = count_page(client, issue)
    assert renders == 1
    stored = PageCount.objects.get(issue=issue)
    assert (stored.pages, stored.error, len(stored.digest)) == (1, "", 64)

    # Another web process, or this one restarted: nothing in memory, a
    # fresh client; the count comes from the row.
    cache.clear()
    other = Client()
    other.force_login(alice)
    again, renders = count_page(other, issue)
    assert again == first and renders == 0


def test_repeated_loads_render_once_until_a_story_changes(
    client: Client, alice: User, issue: Issue, stories: list[Story]
) -> None:
    client.force_login(alice)
    renders = [count_page(client, issue)[1] for _ in range(3)]
    assert renders == [1, 0, 0]
    digest = PageCount.objects.get(issue=issue).digest

    Story.objects.filter(pk=stories[0].pk).update(body="<p>A new first paragraph.</p>")
    _, renders_after_edit = count_page(client, issue)
    assert renders_after_edit == 1
    assert PageCount.objects.get(issue=issue).digest != digest
    assert PageCount.objects.count() == 1  # one row per issue, kept up to date


def test_the_page_count_never_builds_the_document_in_the_web_process(
    client: Client, alice: User, issue: Issue
) -> None:
    client.force_login(alice)
    with mock.patch.object(documents, "body_with_source", side_effect=AssertionError("in the web")):
        page, renders = count_page(client, issue)
    assert 'data-page-count="1"' in page and renders == 1
