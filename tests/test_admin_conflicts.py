"""The admin keeps the desk's rule: an edit made from an older version never
overwrites a newer one, and simple_history's revert page is the desk's restore."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from issues.models import Issue
from issues.models.editions import Correction
from newsroom.models import Newsletter, Story
from newsroom.models.stories import REFUSED_EDIT_REASON
from newsroom.review.workflow import Status
from tests import factories
from tests.factories import client_for
from tests.issue_helpers import publish


@pytest.fixture
def story(alice: User, newsletter: Newsletter) -> Story:
    return factories.make_story(
        author=alice,
        newsletter=newsletter,
        headline="Ferry line gets electric boats",
        body="<p>Two electric ferries join the bay line in spring.</p>",
    )


def loaded_version(page: str) -> str:
    """The version the admin page carries, as the browser would post it back."""
    found = re.search(r'name="loaded_version" value="(\d+)"', page)
    assert found is not None, "the admin form carries no version"
    return found.group(1)


def admin_form(story: Story, page: str, **fields: object) -> dict[str, object]:
    return {
        "headline": story.headline,
        "body": story.body,
        "source": story.source_id or "",
        "original_url": story.original_url,
        "newsletter": story.newsletter_id,
        "loaded_version": loaded_version(page),
        "transitions-TOTAL_FORMS": 0,
        "transitions-INITIAL_FORMS": 0,
        **fields,
    }


def desk_edit(user: User, story: Story, **fields: object) -> None:
    story.refresh_from_db()
    data = {
        "headline": story.headline,
        "body": story.body,
        "source": story.source.name if story.source else "",
        "new_source": "",
        "newsletter": story.newsletter_id,
        "original_url": "",
        "version": story.version,
        **fields,
    }
    response = client_for(user).post(reverse("desk:story_edit", args=[story.pk]), data)
    assert response.status_code == 302


def test_an_admin_save_from_the_current_version_is_a_new_version(
    story: Story, admin_user: User
) -> None:
    admin = client_for(admin_user)
    url = reverse("admin:newsroom_story_change", args=[story.pk])
    page = admin.get(url).content.decode()

    response = admin.post(url, admin_form(story, page, headline="Ferry line gets two boats"))

    assert response.status_code == 302
    story.refresh_from_db()
    assert (story.headline, story.version, story.last_edited_by) == (
        "Ferry line gets two boats",
        2,
        admin_user,
    )
    assert story.history.first().history_change_reason == "admin edit"


def test_an_admin_save_over_a_later_desk_edit_gets_the_conflict_page(
    story: Story, admin_user: User, erin: User
) -> None:
    admin = client_for(admin_user)
    url = reverse("admin:newsroom_story_change", args=[story.pk])
    page = admin.get(url).content.decode()
    desk_edit(erin, story, headline="Ferry line gets three electric boats")

    response = admin.post(url, admin_form(story, page, body="<p>The admin's own text.</p>"))

    assert response.status_code == 409
    shown = response.content.decode()
    assert "not saved" in shown
    assert "Ferry line gets three electric boats" in shown  # the current text
    assert "The admin&#x27;s own text." in shown  # the refused one, ready to merge
    assert 'name="version" value="2"' in shown
    story.refresh_from_db()
    assert (story.headline, story.version, story.last_edited_by) == (
        "Ferry line gets three electric boats",
        2,
        erin,
    )
    assert "Two electric ferries" in story.body
    refused = story.history.get(history_change_reason__startswith=REFUSED_EDIT_REASON)
    assert (refused.history_user, refused.version) == (admin_user, 1)
    assert "The admin's own text." in refused.body


def test_an_admin_post_without_a_version_overwrites_nothing(story: Story, admin_user: User) -> None:
    url = reverse("admin:newsroom_story_change", args=[story.pk])
    data = admin_form(story, 'name="loaded_version" value="1"', headline="Scripted")
    del data["loaded_version"]

    response = client_for(admin_user).post(url, data)

    assert response.status_code == 409
    story.refresh_from_db()
    assert (story.headline, story.version) == ("Ferry line gets electric boats", 1)


def test_another_error_keeps_the_admin_form_with_what_was_typed(
    story: Story, admin_user: User, erin: User
) -> None:
    admin = client_for(admin_user)
    url = reverse("admin:newsroom_story_change", args=[story.pk])
    page = admin.get(url).content.decode()
    desk_edit(erin, story, headline="Erin's headline")

    response = admin.post(url, admin_form(story, page, headline="", body="<p>Typed.</p>"))

    assert response.status_code == 200
    shown = response.content.decode()
    assert "This field is required." in shown
    assert "Someone saved this story (now version 2)" in shown
    assert "&lt;p&gt;Typed.&lt;/p&gt;" in shown
    story.refresh_from_db()
    assert (story.headline, story.version) == ("Erin's headline", 2)


def revert_url(story: Story, version: int) -> str:
    record = story.history.filter(version=version).earliest("history_date")
    return reverse("admin:newsroom_story_simple_history", args=[story.pk, record.history_id])


def test_the_revert_page_restores_an_old_revision_as_a_new_version(
    story: Story, admin_user: User, erin: User
) -> None:
    desk_edit(erin, story, headline="Erin's headline")
    admin = client_for(admin_user)
    url = revert_url(story, 1)
    page = admin.get(url).content.decode()
    assert loaded_version(page) == "2"  # the current version, not the old revision's

    response = admin.post(url, admin_form(story, page, headline="Ferry line gets electric boats"))

    assert response.status_code == 302
    story.refresh_from_db()
    assert (story.headline, story.version, story.last_edited_by) == (
        "Ferry line gets electric boats",
        3,
        admin_user,
    )
    reason = story.history.first().history_change_reason
    assert reason.startswith("Restored the revision of ") and "(version 1) in the admin" in reason


def test_a_revert_from_a_page_older_than_a_desk_edit_gets_the_conflict_page(
    story: Story, admin_user: User, erin: User
) -> None:
    desk_edit(erin, story, headline="Erin's headline")
    admin = client_for(admin_user)
    url = revert_url(story, 1)
    page = admin.get(url).content.decode()
    desk_edit(erin, story, headline="Erin's second headline")

    response = admin.post(url, admin_form(story, page, headline="Ferry line gets electric boats"))

    assert response.status_code == 409
    assert "Erin&#x27;s second headline" in response.content.decode()
    story.refresh_from_db()
    assert (story.headline, story.version) == ("Erin's second headline", 3)


def test_reverting_a_story_that_cannot_be_changed_now_is_refused_with_a_message(
    admin_user: User, alice: User, bob: User, newsletter: Newsletter
) -> None:
    """An approved story's first revision was a draft: the revert page asked
    the old revision, not the story, whether it may be changed (then the
    save raised: a 500). The current story answers now."""
    approved = factories.make_story(
        author=alice, newsletter=newsletter, status=Status.PUBLISHED, reviewer=bob
    )
    admin = client_for(admin_user)
    url = revert_url(approved, 1)
    page = admin.get(url).content.decode()
    assert 'name="_save"' not in page  # nothing to press

    response = admin.post(
        url, admin_form(approved, f'name="loaded_version" value="{approved.version}"'), follow=True
    )

    assert response.status_code == 200
    assert "Nothing was restored: this story is approved" in response.content.decode()
    before = approved.version
    approved.refresh_from_db()
    assert (approved.status, approved.version) == (Status.PUBLISHED, before)


def test_corrections_cannot_be_changed_in_the_admin(
    admin_user: User, alice: User, bob: User, newsletter: Newsletter
) -> None:
    """Corrections are edited on the desk only (versioned there); the admin reads them."""
    issue: Issue = publish(newsletter, editor=alice, reviewer=bob, number=3)
    story = issue.ordered_stories()[0]
    correction = Correction.objects.create(
        issue=issue, story=story, headline="Fixed", body="<p>A fix.</p>", started_by=alice
    )
    url = reverse("admin:issues_correction_change", args=[correction.pk])
    admin = client_for(admin_user)
    data: dict[str, Any] = {"headline": "Changed in the admin", "body": "<p>No.</p>"}

    page = admin.get(url).content.decode()
    response = admin.post(url, data)

    assert 'name="_save"' not in page
    assert response.status_code == 403
    correction.refresh_from_db()
    assert (correction.headline, correction.version) == ("Fixed", 1)


def test_the_story_admin_for_a_story_nobody_may_change_shows_it_read_only(
    admin_user: User, alice: User, bob: User, newsletter: Newsletter
) -> None:
    approved = factories.make_story(
        author=alice, newsletter=newsletter, status=Status.PUBLISHED, reviewer=bob
    )
    response = Client()
    response.force_login(admin_user)
    page = response.get(reverse("admin:newsroom_story_change", args=[approved.pk]))
    assert page.status_code == 200
    assert 'name="loaded_version"' not in page.content.decode()
