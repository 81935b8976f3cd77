"""Migrations from the previous release apply to a database that holds data."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from issues import roles as issue_roles
from issues.models import Issue, Subscription
from newsroom import roles
from newsroom.models import Newsletter, Story
from newsroom.models.private_addresses import PrivateAddressKey

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


BEFORE_PRIVATE_ADDRESS_KEYS = [
    ("newsroom", "0019_story_drafts"),
    ("issues", "0021_calendar_date_indexes"),
]


@pytest.mark.django_db(transaction=True)
def test_every_private_feed_and_calendar_address_keeps_working() -> None:
    before = BEFORE_PRIVATE_ADDRESS_KEYS
    apps = migrate(before).loader.project_state(before).apps
    users = apps.get_model("auth", "User")
    dave, erin = (users.objects.create(username=n) for n in ("dave", "erin"))
    made = timezone.now() - datetime.timedelta(days=400)
    feed_tokens = apps.get_model("issues", "FeedToken")
    calendar_keys = apps.get_model("newsroom", "CalendarKey")
    feed_tokens.objects.create(user=dave, key="dave-feed-key-from-last-year")
    feed_tokens.objects.create(user=erin, key="erin-feed-key-from-last-year")
    calendar_keys.objects.create(user=erin, key="erin-calendar-key-from-last-year")
    feed_tokens.objects.update(created_at=made)
    calendar_keys.objects.update(created_at=made)

    migrate()

    assert sorted(PrivateAddressKey.objects.values_list("user__username", "purpose", "key")) == [
        ("dave", "feed", "dave-feed-key-from-last-year"),
        ("erin", "calendar", "erin-calendar-key-from-last-year"),
        ("erin", "feed", "erin-feed-key-from-last-year"),
    ]
    assert set(PrivateAddressKey.objects.values_list("created_at", flat=True)) == {made}
    # Every old address answers as it did: dave and erin read ICT, erin is
    # on the desk. A key opens only the kind of address it was made for.
    issue_roles.sync_roles()  # a transactional test may have flushed the groups
    ict = Newsletter.objects.create(title="ICT", slug="ict")
    joined = {"dave": [roles.SUBSCRIBERS], "erin": [roles.SUBSCRIBERS, roles.EDITORS]}
    for username, groups in joined.items():
        user = User.objects.get(username=username)
        user.groups.add(*Group.objects.filter(name__in=groups))
        Subscription.objects.create(user=user, newsletter=ict)
    reader = Client()
    for key in ("dave-feed-key-from-last-year", "erin-feed-key-from-last-year"):
        assert reader.get(f"/feeds/private/{key}/ict.atom").status_code == 200
        assert reader.get(reverse("desk:calendar_feed", args=[key])).status_code == 404
    calendar = reverse("desk:calendar_feed", args=["erin-calendar-key-from-last-year"])
    assert reader.get(calendar).status_code == 200
    assert reader.get("/feeds/private/erin-calendar-key-from-last-year/ict.atom").status_code == 404

    # Reversible: going back restores both old models, key for key.
    apps = migrate(before).loader.project_state(before).apps
    old_feeds = apps.get_model("issues", "FeedToken").objects
    assert sorted(old_feeds.values_list("user__username", "key", "created_at")) == [
        ("dave", "dave-feed-key-from-last-year", made),
        ("erin", "erin-feed-key-from-last-year", made),
    ]
    old_calendars = apps.get_model("newsroom", "CalendarKey").objects
    assert list(old_calendars.values_list("key", flat=True)) == ["erin-calendar-key-from-last-year"]
    migrate()
    assert PrivateAddressKey.objects.count() == 3


BEFORE_SENT_BACK_MARK = [("newsroom", "0023_story_recently_approved_idx_holds_newsletter")]


@pytest.mark.django_db(transaction=True)
def test_drafts_sent_back_before_the_mark_existed_are_marked_from_their_last_transition() -> None:
    apps = migrate(BEFORE_SENT_BACK_MARK).loader.project_state(BEFORE_SENT_BACK_MARK).apps
    users = apps.get_model("auth", "User")
    alice, bob = (users.objects.create(username=n) for n in ("alice", "bob"))
    newsletter = apps.get_model("newsroom", "Newsletter").objects.create(title="ICT", slug="ict")
    story_model = apps.get_model("newsroom", "Story")
    transitions = apps.get_model("newsroom", "StoryTransition").objects
    start = timezone.now() - datetime.timedelta(days=30)

    def story(headline: str, status: str, *moves: tuple[str, int]) -> Any:
        """A story with its transitions, each (name, hours after `start`)."""
        made = story_model.objects.create(
            headline=headline,
            newsletter=newsletter,
            author=alice,
            status=status,
            published_at=start if status == "published" else None,
        )
        for name, hours in moves:
            transitions.create(
                story=made,
                transition=name,
                from_status="review",
                to_status="draft",
                by=bob,
                at=start + datetime.timedelta(hours=hours),
            )
        return made

    story("Fresh", "draft")
    story("Changes requested", "draft", ("submit", 1), ("request_changes", 2))
    story("Withdrawn", "draft", ("submit", 1), ("publish", 2), ("withdraw", 3))
    story("Recalled", "draft", ("submit", 1), ("request_changes", 2), ("submit", 3), ("recall", 4))
    story("Resubmitted", "review", ("submit", 1), ("request_changes", 2), ("submit", 3))
    story("Approved", "published", ("submit", 1), ("publish", 2))
    # Written in one instant: the later row is the last, as the desk lists them.
    story("Same instant", "draft", ("submit", 5), ("request_changes", 5))
    # Written out of order: the latest time is the last, whatever the row.
    story("Out of order", "draft", ("request_changes", 7), ("submit", 6))
    updated_at = dict(story_model.objects.values_list("pk", "updated_at"))

    migrate()

    hours = {
        headline: (at - start) / datetime.timedelta(hours=1) if at else None
        for headline, at in Story.objects.values_list("headline", "sent_back_at")
    }
    assert hours == {
        "Fresh": None,
        "Changes requested": 2,
        "Withdrawn": 3,
        "Recalled": None,
        "Resubmitted": None,
        "Approved": None,
        "Same instant": 5,
        "Out of order": 7,
    }
    assert sorted(Story.objects.sent_back().values_list("headline", flat=True)) == [
        "Changes requested",
        "Out of order",
        "Same instant",
        "Withdrawn",
    ]
    assert dict(Story.objects.values_list("pk", "updated_at")) == updated_at

    # Reversible: going back drops the column and its index; coming forward
    # again marks the same drafts.
    migrate(BEFORE_SENT_BACK_MARK)
    with connection.cursor() as cursor:
        columns = connection.introspection.get_table_description(cursor, "newsroom_story")
        indexes = connection.introspection.get_constraints(cursor, "newsroom_story")
    assert "sent_back_at" not in {column.name for column in columns}
    assert "story_sent_back_idx" not in indexes
    migrate()
    assert Story.objects.sent_back().count() == 4
