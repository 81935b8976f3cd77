"""Migrations from the previous release apply to a database that holds data."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

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
