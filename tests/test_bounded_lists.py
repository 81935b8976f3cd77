"""Every desk and archive list shows one bounded page, whatever the data.

The data comes from generate_load (400 stories, 36 issues); the page sizes
are far below that, so an unbounded list would show itself here.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from issues.models import Issue
from newsroom import paging
from newsroom.review.workflow import Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def load(db: None) -> None:
    call_command(
        "generate_load",
        "--stories=400",
        "--issues=36",
        "--subscribers=3",
        "--newsletters=1",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )


def client_for(role: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=f"load-r1-{role}-1"))
    return client


def rows(html: str, marker: str) -> int:
    return html.count(marker)


def test_desk_lists_hold_one_page_each(load: None) -> None:
    editor, reviewer = client_for("editor"), client_for("reviewer")
    draft = Issue.objects.get(status=Status.DRAFT)

    stories = editor.get(reverse("desk:story_list"))
    queue = reviewer.get(reverse("desk:review_queue"))
    issues = editor.get(reverse("issue_desk:issue_list"))
    builder = editor.get(reverse("issue_desk:issue_builder", args=[draft.pk]))

    assert len(stories.context["page"]) == 25 and stories.context["page"].has_next()
    assert len(queue.context["stories"]) <= 25
    assert len(issues.context["issues"]) == 25 and issues.context["page"].has_next()
    assert len(builder.context["available"]) == 20 and builder.context["page"].has_next()
    assert rows(builder.text, 'name="story" value=') == 20


def test_the_builder_finds_approved_stories_by_search_and_pages(load: None) -> None:
    editor = client_for("editor")
    draft = Issue.objects.get(status=Status.DRAFT)
    waiting = draft.available_stories().order_by("-published_at").first()
    assert waiting is not None
    number = waiting.headline.rsplit("(", 1)[1].rstrip(")")

    found = editor.get(
        reverse("issue_desk:issue_builder", args=[draft.pk]), {"q": waiting.headline}
    )
    second = editor.get(reverse("issue_desk:issue_builder", args=[draft.pk]), {"page": 2})

    assert waiting in list(found.context["available"])
    assert f"({number})" in found.text
    assert waiting not in list(second.context["available"])
    assert len(second.context["available"]) == 20


def test_the_archive_holds_one_page(load: None) -> None:
    reader = client_for("reader")

    archive = reader.get(reverse("issues:archive"))

    assert len(archive.context["page"]) == 20 and archive.context["page"].has_next()


def test_counts_stop_at_the_cap_and_the_list_says_there_are_more(
    load: None, monkeypatch: Any
) -> None:
    monkeypatch.setattr(paging, "PAGE_CAP", 100)
    editor = client_for("editor")

    with CaptureQueriesContext(connection) as queries:
        response = editor.get(reverse("desk:story_list"))
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    last = editor.get(reverse("desk:story_list"), {"page": 999})

    assert "100+ stories" in response.text
    assert "Page 1 of 4+" in response.text
    assert counts and all("LIMIT 101" in sql for sql in counts)
    assert last.context["page"].number == 4


def test_a_search_for_a_common_word_counts_at_most_100_matches(load: None) -> None:
    editor = client_for("editor")
    with CaptureQueriesContext(connection) as queries:
        response = editor.get(reverse("desk:story_list"), {"q": "network"})
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]

    assert "100+ stories: narrow the filter to see older ones" in response.text
    assert "Page 1 of 4+" in response.text
    assert len(response.context["page"]) == 25
    assert counts and all("LIMIT 101" in sql for sql in counts)
