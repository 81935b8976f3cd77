"""Nothing typed is lost: a story, its history row and a new source are saved
together or not at all, and an edit without its version is refused."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import connection
from django.test import Client

from newsroom.models import Newsletter, Source, Story
from tests import factories

HISTORY_TABLE = Story.history.model._meta.db_table  # type: ignore[attr-defined]


def refuse_history_rows() -> None:
    """A real database failure while the history row is written: a trigger
    that refuses the insert, as a full disk or a lost table would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE OR REPLACE FUNCTION refuse_history() RETURNS trigger AS $$ BEGIN"
                " RAISE EXCEPTION 'history unavailable'; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                f"CREATE TRIGGER refuse_history BEFORE INSERT ON {HISTORY_TABLE}"
                " FOR EACH ROW EXECUTE FUNCTION refuse_history()"
            )
        else:
            cursor.execute(
                f"CREATE TRIGGER refuse_history BEFORE INSERT ON {HISTORY_TABLE}"
                " BEGIN SELECT RAISE(ABORT, 'history unavailable'); END"
            )


def story_data(newsletter: Newsletter, **fields: object) -> dict[str, object]:
    return {
        "headline": "Lighthouse keepers vote to strike",
        "body": "<p>The keepers of the <em>seven</em> lighthouses voted on Friday.</p>",
        "source": "",
        "new_source": "Lagoon Post",
        "newsletter": newsletter.pk,
        "original_url": "",
        **fields,
    }


def test_a_database_error_on_create_keeps_the_text_and_stores_nothing(
    client: Client, alice: User, newsletter: Newsletter, db: None
) -> None:
    refuse_history_rows()  # until the test's transaction ends
    client.force_login(alice)

    response = client.post("/desk/stories/new/", story_data(newsletter))

    page = response.content.decode()
    assert response.status_code == 503
    assert "could not be saved because of a problem on our side" in page
    assert "Lighthouse keepers vote to strike" in page
    assert "<em>seven</em> lighthouses" in page
    assert "Lagoon Post" in page
    assert not Story.objects.exists()
    assert not Source.objects.exists()  # the new source went with the story
    assert "history unavailable" not in page


def test_a_database_error_on_edit_keeps_the_text_and_changes_nothing(
    client: Client, alice: User, newsletter: Newsletter, db: None
) -> None:
    story = factories.make_story(author=alice, newsletter=newsletter, headline="Old headline")
    refuse_history_rows()  # until the test's transaction ends
    client.force_login(alice)

    response = client.post(
        f"/desk/stories/{story.pk}/edit/",
        story_data(newsletter, headline="New headline", version=story.version),
    )

    page = response.content.decode()
    assert response.status_code == 503
    assert "New headline" in page and "Lagoon Post" in page
    story.refresh_from_db()
    assert (story.headline, story.version) == ("Old headline", 1)
    assert story.history.count() == 1
    assert not Source.objects.named("Lagoon Post").exists()


def test_an_edit_without_its_version_is_refused_like_a_stale_one(
    client: Client, alice: User, newsletter: Newsletter
) -> None:
    source = factories.make_source()
    story = factories.make_story(author=alice, newsletter=newsletter, headline="Old headline")
    client.force_login(alice)

    response = client.post(
        f"/desk/stories/{story.pk}/edit/",
        story_data(newsletter, headline="Blind overwrite", source=source.name, new_source=""),
    )

    assert response.status_code == 409
    page = response.content.decode()
    assert "not saved" in page
    assert "Blind overwrite" in page  # the text is on the conflict page
    story.refresh_from_db()
    assert (story.headline, story.version) == ("Old headline", 1)
    # ... and kept in the history, marked as not applied.
    refused = story.history.filter(history_change_reason__startswith="Conflicting edit").get()
    assert refused.headline == "Blind overwrite"
