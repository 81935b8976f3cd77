"""A reviewer signs in to the admin and approves a story with the admin action."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from newsroom.models import Story
from newsroom.workflow import Status
from tests import factories


@pytest.mark.django_db(transaction=True)
def test_a_reviewer_approves_a_story_through_the_admin_action(page: Page, live_server: Any) -> None:
    alice = factories.make_editor("alice")
    bob = factories.make_reviewer("bob")
    bob.is_staff = True
    bob.save()
    newsletter = factories.make_newsletter()
    story = factories.make_story(
        author=alice,
        newsletter=newsletter,
        status=Status.REVIEW,
        headline="Ferry operator adds satellite links to its fleet",
    )

    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("bob")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Stories", exact=True).first.click()
    row = page.get_by_role("row").filter(has_text="Ferry operator adds satellite links")
    row.get_by_role("checkbox").check()
    page.get_by_role("combobox", name="Action").select_option("publish")
    page.get_by_role("button", name="Run").click()

    expect(page.get_by_text("Publish: 1 done.")).to_be_visible()
    expect(row.get_by_text("Approved")).to_be_visible()
    story.refresh_from_db()
    assert story.status == Status.PUBLISHED
    assert story.transitions.first().by == bob
    assert Story.objects.published().count() == 1
