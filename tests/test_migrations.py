"""Migrations from the previous release apply to a database that holds data."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from issues.models import Issue, Subscription
from newsroom.models import Newsletter, Story

# The last migrations of the release in which Newsletter lived in issues.
PREVIOUS_RELEASE = [
    ("newsroom", "0003_story_fulltext_index"),
    ("issues", "0003_issue_number_positive"),
]


def migrate(targets: list[tuple[str, str]] | None = None) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    return MigrationExecutor(connection)


@pytest.mark.django_db(transaction=True)
def test_moving_the_newsletter_keeps_every_row_and_id() -> None:
    old = migrate(PREVIOUS_RELEASE).loader.project_state(PREVIOUS_RELEASE).apps
    user = old.get_model("auth", "User").objects.create(username="carol")
    newsletter = old.get_model("issues", "Newsletter").objects.create(title="Energy", slug="energy")
    story = old.get_model("newsroom", "Story").objects.create(
        headline="Grid tender opens", newsletter=newsletter, author=user
    )
    issue = old.get_model("issues", "Issue").objects.create(
        newsletter=newsletter,
        number=3,
        period_start=datetime.date(2025, 11, 24),
        period_end=datetime.date(2025, 11, 30),
        created_by=user,
    )
    old.get_model("issues", "Subscription").objects.create(user=user, newsletter=newsletter)

    migrate()

    moved = Newsletter.objects.get(pk=newsletter.pk)
    assert (moved.title, moved.slug) == ("Energy", "energy")
    assert Story.objects.get(pk=story.pk).newsletter == moved
    assert Issue.objects.get(pk=issue.pk).newsletter == moved
    assert Subscription.objects.get(user__username="carol").newsletter == moved
    assert not ContentType.objects.filter(app_label="issues", model="newsletter").exists()
    # New rows keep counting after the moved ones.
    assert Newsletter.objects.create(title="Water", slug="water").pk > newsletter.pk
    for role in ("Editors", "Reviewers", "Subscribers"):
        granted = Group.objects.get(name=role).permissions.filter(
            content_type__app_label="newsroom", codename="view_newsletter"
        )
        assert granted.exists(), role


BEFORE_LAST_EDITOR_BACKFILL = [("newsroom", "0012_text_validators")]
REFUSED = "Conflicting edit, not applied (made from version 1)"


def history_record(
    history: Any, story: Any, kind: str, user: Any, reason: str | None = None, **values: object
) -> None:
    """A history record of `story` as it is, with `values` changed."""
    row = {f.attname: getattr(story, f.attname) for f in story._meta.concrete_fields}
    del row["updated_at"]
    row.update(values)
    history.objects.create(
        **row,
        history_type=kind,
        history_user=user,
        history_date=timezone.now(),
        history_change_reason=reason,
    )


@pytest.mark.django_db(transaction=True)
def test_the_last_editor_of_older_stories_is_filled_in_from_their_history() -> None:
    old = migrate(BEFORE_LAST_EDITOR_BACKFILL).loader.project_state(BEFORE_LAST_EDITOR_BACKFILL)
    apps = old.apps
    users = apps.get_model("auth", "User")
    alice, erin, bob = (users.objects.create(username=n) for n in ("alice", "erin", "bob"))
    newsletter = apps.get_model("newsroom", "Newsletter").objects.create(title="ICT", slug="ict")
    story_model = apps.get_model("newsroom", "Story")
    history = apps.get_model("newsroom", "HistoricalStory")

    def story(headline: str, **fields: object) -> Any:
        made = story_model.objects.create(
            headline=headline, body="<p>Draft.</p>", newsletter=newsletter, author=alice, **fields
        )
        history_record(history, made, "+", alice)
        return made

    # Erin rewrote it, then Bob approved it (a status change, no new text).
    rewritten = story("Rewritten")
    history_record(history, rewritten, "~", erin, body="<p>Better.</p>")
    history_record(history, rewritten, "~", bob, body="<p>Better.</p>", status="published")
    # Only ever the author's first draft, submitted.
    first_draft = story("First draft")
    history_record(history, first_draft, "~", alice, status="review")
    # Erin edited it; Bob's conflicting edit was refused and never applied.
    refused = story("Refused")
    history_record(history, refused, "~", erin, headline="Refused, fixed")
    history_record(history, refused, "~", bob, REFUSED, headline="Bob's")
    # The author edited her own draft.
    own = story("Own")
    history_record(history, own, "~", alice, body="<p>Second go.</p>")
    # Known already (saved since the field exists): kept.
    known = story("Known", last_edited_by=bob)
    history_record(history, known, "~", erin, body="<p>Erin's.</p>")
    updated_at = dict(story_model.objects.values_list("pk", "updated_at"))

    migrate()

    assert dict(Story.objects.values_list("headline", "last_edited_by__username")) == {
        "Rewritten": "erin",
        "First draft": None,
        "Refused": "erin",
        "Own": "alice",
        "Known": "bob",
    }
    assert dict(Story.objects.values_list("pk", "updated_at")) == updated_at

    # Reversible: going back keeps the true values, and coming forward again
    # changes nothing.
    migrate(BEFORE_LAST_EDITOR_BACKFILL)
    migrate()
    assert Story.objects.get(headline="Rewritten").last_edited_by.username == "erin"
    assert Story.objects.get(headline="First draft").last_edited_by is None
