"""Story search: full-text on PostgreSQL (with its GIN index), substring elsewhere."""

from __future__ import annotations

import importlib

import pytest
from django.contrib.auth.models import User
from django.db import connection

from newsroom.forms import StoryFilterForm
from newsroom.models import Newsletter, Story
from newsroom.search import SEARCH_INDEX_NAME, story_search_vector
from newsroom.workflow import SUBMIT, perform
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


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_postgresql_search_uses_the_gin_index(stories) -> None:
    queryset = Story.objects.search("satellites")
    assert [story.headline for story in queryset] == ["Satellite ground station opens"]
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        # Unordered: the question is whether the match reads the GIN index;
        # on a handful of rows the planner would rather walk the recency index.
        plan = queryset.order_by().explain()
        cursor.execute("SET enable_seqscan = on")
    assert SEARCH_INDEX_NAME in plan


def test_the_migrated_index_is_built_from_the_expression_search_queries() -> None:
    # Migration 0003 writes the expression out (migrations import no live
    # code); were search to query another, PostgreSQL would never use the index.
    migration = importlib.import_module("newsroom.migrations.0003_story_fulltext_index")
    index = migration._index()
    assert index.name == SEARCH_INDEX_NAME
    assert index.expressions == (story_search_vector(),)


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
