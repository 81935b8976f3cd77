"""A reviewer signs in to the admin and approves a story with the admin action."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from newsroom.models import Story
from newsroom.review.workflow import Status
from tests import factories

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"


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

    # Withdrawing asks first why: the author reads it.
    row.get_by_role("checkbox").check()
    page.get_by_role("combobox", name="Action").select_option("withdraw_with_reason")
    page.get_by_role("button", name="Run").click()
    expect(page.get_by_role("heading", name="Why is this story withdrawn?")).to_be_visible()
    results = Axe().run(page).response
    assert results["passes"]
    assert [v["id"] for v in results["violations"] if v["impact"] in ("serious", "critical")] == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "admin-withdraw-reason.png", full_page=True)
    page.get_by_label("Reason").fill("The operator denies the figures.")
    page.get_by_role("button", name="Withdraw").click()

    expect(page.get_by_text("Withdraw: 1 done.")).to_be_visible()
    story.refresh_from_db()
    assert story.status == Status.DRAFT
    assert (
        story.transitions.get(transition="withdraw").comment == "The operator denies the figures."
    )


@pytest.mark.django_db(transaction=True)
def test_an_admin_save_over_a_later_desk_edit_meets_the_conflict_page(
    page: Page, live_server: Any
) -> None:
    """Bob opens a story in the admin; Carol saves it on the desk meanwhile;
    Bob's save is refused with the desk's conflict page, both texts on it."""
    alice = factories.make_editor("alice")
    bob = factories.make_reviewer("bob")
    bob.is_staff = True
    bob.save()
    carol = factories.make_reviewer("carol")
    story = factories.make_story(
        author=alice,
        newsletter=factories.make_newsletter(),
        status=Status.REVIEW,
        headline="Ferry operator adds satellite links to its fleet",
    )
    page.goto(f"{live_server.url}/admin/newsroom/story/{story.pk}/change/")
    page.get_by_label("Username").fill("bob")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Headline").fill("Ferry operator adds satellite links (admin)")

    story.headline = "Ferry operator adds satellite links to all ten ships"
    story.save_edit(by=carol, expected_version=1)  # Carol, on the desk
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Save", exact=True).click()

    assert answer.value.status == 409
    expect(page.get_by_role("heading", name="Someone saved this story")).to_be_visible()
    expect(page.get_by_text("all ten ships").first).to_be_visible()
    expect(page.get_by_label("Headline")).to_have_value(
        "Ferry operator adds satellite links (admin)"
    )
    results = Axe().run(page)
    blocking = [
        v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")
    ]
    assert blocking == []
    story.refresh_from_db()
    assert (story.headline, story.version, story.last_edited_by) == (
        "Ferry operator adds satellite links to all ten ships",
        2,
        carol,
    )
