"""Story search: full-text on PostgreSQL (with its GIN index), substring elsewhere."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from newsroom.forms import StoryFilterForm
from newsroom.models import Newsletter, Story
from newsroom.review.workflow import SUBMIT, perform
from newsroom.writing.search import SEARCH_INDEX_NAME
from tests import factories


@pytest.fixture
def stories(alice: User, newsletter: Newsletter) -> list[Story]:
    return [
        factories.make_story(
            author=alice,
            newsletter=newsletter,
            headline="Satellite ground station opens",
            body="<p>The station tracks <strong>weather</strong> satellites.</p>",
        ),
        factories.make_story(
            author=alice,
            newsletter=newsletter,
            headline="Fibre reaches the mountain villages",
            body="<p>Broadband for every school in the valley.</p>",
        ),
    ]


def test_search_matches_headlines(client, stories, bob: User) -> None:
    client.force_login(bob)
    page = client.get("/desk/stories/", {"q": "satellite"}).content.decode()
    assert "Satellite ground station opens" in page
    assert "Fibre reaches" not in page


def test_search_matches_the_body_text(client, stories, bob: User) -> None:
    client.force_login(bob)
    page = client.get("/desk/stories/", {"q": "broadband"}).content.decode()
    assert "Fibre reaches the mountain villages" in page
    assert "Satellite ground station" not in page


def test_search_combines_with_filters(client, stories, alice: User, bob: User) -> None:
    factories.make_story(
        author=alice, newsletter=stories[0].newsletter, headline="Satellite phones for rangers"
    )
    perform(stories[1], SUBMIT, by=alice)
    client.force_login(bob)
    page = client.get("/desk/stories/", {"q": "satellite", "status": "draft"}).content.decode()
    assert "Satellite ground station opens" in page
    assert "Satellite phones for rangers" in page
    assert "Fibre reaches" not in page  # a draft no longer, and no satellite in it
    page = client.get("/desk/stories/", {"q": "satellite", "status": "review"}).content.decode()
    assert "No story matches." in page
    page = client.get("/desk/stories/", {"q": "broadband", "status": "review"}).content.decode()
    assert "Fibre reaches the mountain villages" in page


def test_search_finds_a_story_by_its_current_words_only(client, stories, bob: User) -> None:
    """On PostgreSQL the database keeps each story's words (a generated
    column): an edit replaces them, whichever way the row was written."""
    Story.objects.filter(pk=stories[0].pk).update(headline="Ground station closes")
    client.force_login(bob)
    assert "Ground station closes" in client.get("/desk/stories/", {"q": "closes"}).content.decode()
    page = client.get("/desk/stories/", {"q": "opens"}).content.decode()
    assert "No story matches." in page


def test_the_author_filter_offers_exactly_the_people_who_wrote_a_story(
    stories, alice: User, erin: User, dave: User, admin_user: User
) -> None:
    """Whoever they are now (a superuser, an editor who left the desk), and
    nobody who wrote nothing (a subscriber, an editor yet to write)."""
    newsletter = stories[0].newsletter
    factories.make_story(author=admin_user, newsletter=newsletter, headline="From the top")
    former = factories.make_editor("frieda")
    factories.make_story(author=former, newsletter=newsletter, headline="A farewell piece")
    former.groups.clear()

    offered = list(StoryFilterForm().fields["author"].queryset)  # type: ignore[attr-defined]

    assert offered == [alice, former, admin_user]
    assert erin not in offered and dave not in offered


@pytest.fixture
def newsroom_of_years(alice: User, newsletter: Newsletter) -> None:
    """20,000 stories, an hour apart back from now: every one about a
    satellite, the oldest 200 about the telegraph, the oldest one about a
    zeppelin, and each with a word of its own (a real vocabulary is large).
    Written in one INSERT ... SELECT and analysed, as a site's would be."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO newsroom_story (status, headline, body, original_url, newsletter_id,
                                        author_id, created_at, updated_at, version)
            SELECT 'draft', 'Story ' || g,
                   '<p>The satellite network operator signs a contract with the ministry '
                   || 'for broadband in every province, school and hospital by the end of the '
                   || 'year, the regulator said in a report on the rollout. '
                   || md5(g::text) || ' ' || md5((-g)::text) || ' ' || md5((g * 7)::text)
                   || CASE WHEN g > 19800 THEN ' telegraph' ELSE '' END
                   || CASE WHEN g = 20000 THEN ' zeppelin' ELSE '' END || '.</p>',
                   '', %s, %s, now() - g * interval '1 hour', now() - g * interval '1 hour', 1
            FROM generate_series(1, 20000) AS g
            """,
            [newsletter.pk, alice.pk],
        )
        cursor.execute("ANALYZE newsroom_story")


def story_search_plans(user: User, words: str) -> tuple[str, list[str]]:
    """The page, and the plan of each query it ran on stories."""
    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/desk/stories/", {"q": words})
    assert response.status_code == 200
    plans = []
    with connection.cursor() as cursor:
        for query in queries.captured_queries:
            if query["sql"].startswith("SELECT") and "newsroom_story" in query["sql"]:
                cursor.execute(f"EXPLAIN {query['sql']}")
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
    return response.content.decode(), plans


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's query plans"
)


@pytest.mark.postgres
@postgresql_only
@pytest.mark.parametrize(
    ("words", "newest"),
    [("zeppelin", "Story 20000"), ("zeppelins", "Story 20000"), ("telegraph", "Story 19801")],
)
def test_a_search_for_a_rare_word_finds_its_stories_through_the_gin_index(
    newsroom_of_years: None, bob: User, words: str, newest: str
) -> None:
    """A word of the oldest story, or of the oldest 200 (more than a search
    reads by primary key, fewer than the statistics know)."""
    page, plans = story_search_plans(bob, words)
    assert re.search(rf">\s*{newest}\s*<", page)
    assert any(f"Bitmap Index Scan on {SEARCH_INDEX_NAME}" in plan for plan in plans)
    # Not the newest stories one by one (20,000 of them) until a match.
    assert not any("story_recent_idx" in plan and "search_vector @@" in plan for plan in plans)
    assert not any("to_tsvector" in plan for plan in plans)


@pytest.mark.postgres
@postgresql_only
def test_a_search_for_a_common_word_fills_its_page_from_the_newest_stories(
    newsroom_of_years: None, bob: User
) -> None:
    page, plans = story_search_plans(bob, "satellites")
    assert re.search(r">\s*Story 1\s*<", page) and "100+ stories" in page
    # In every story: the newest ones fill the page at once, each tested by
    # its stored vector; through the GIN index, all 20,000 would be sorted.
    page_plan = next(plan for plan in plans if "story_recent_idx" in plan)
    assert "Filter: (search_vector @@ '''satellit'''::tsquery)" in page_plan
    assert not any("to_tsvector" in plan for plan in plans)
