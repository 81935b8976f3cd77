"""Nothing typed is lost, in Chromium.

1. Alice's session expires while she edits; she saves, signs in (the page
   speaks the desk's words) and finds her text in the form, then saves it.
2. Alice types and closes the tab; the text was autosaved; she reopens the
   story, restores her unsaved changes and saves them.
3. Alice types and clicks away: the browser asks first; staying keeps the
   text, which the next autosave keeps as her draft; Save never asks.

axe-core checks each changed page (0 serious or critical), and the pages are
photographed at 1280 and 390 px into test-results/screenshots/.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from newsroom.models import Story
from newsroom.models.drafts import StoryDraft
from tests import factories
from tests.e2e.test_accessibility import (
    EDITORS_READY,
    SCREENSHOTS,
    WIDTHS,
    blocking_violations,
)
from tests.factories import PASSWORD

Login = Callable[[Page, str], None]


def check_page(page: Page, name: str) -> None:
    """axe-core finds nothing serious or critical; photographs at each width."""
    page.wait_for_function(EDITORS_READY)
    rows = blocking_violations(Axe().run(page).response, role="alice", page=name)
    assert not rows, rows
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=SCREENSHOTS / f"unsaved-{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})


def arrange() -> Story:
    newsletter = factories.make_newsletter()
    alice = factories.make_editor("alice")
    return factories.make_story(
        author=alice, newsletter=newsletter, headline="Tide tables for the winter"
    )


def type_changes(page: Page) -> None:
    headline = page.get_by_label("Headline")
    headline.click()
    headline.press("End")
    headline.press_sequentially(" and spring")
    page.locator(".ProseMirror").click()
    page.keyboard.press("Control+End")
    page.keyboard.type(" Ferries keep to them from April.")


@pytest.mark.django_db(transaction=True)
def test_a_save_after_the_session_expired_keeps_the_text(
    page: Page, live_server: Any, login: Login
) -> None:
    story = arrange()
    login(page, "alice")
    page.goto(f"{live_server.url}/desk/stories/{story.pk}/edit/")
    page.wait_for_function(EDITORS_READY)
    type_changes(page)

    # The session ends while she types (expired, or signed out elsewhere).
    page.context.clear_cookies(name="sessionid")
    # The next autosave finds the session gone and says what to do.
    expect(page.locator("[data-autosave-status]")).to_contain_text(
        "You are signed out", timeout=15_000
    )
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    expect(page.get_by_text("Sign in to the desk to keep your work")).to_be_visible()
    expect(page.get_by_text("Sign in to read the issues you subscribe to")).to_have_count(0)
    check_page(page, "sign-in-to-keep")
    story.refresh_from_db()
    assert story.headline == "Tide tables for the winter"

    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile(rf"/desk/stories/{story.pk}/edit/$"))
    expect(page.get_by_text("You were signed out; your text is kept")).to_be_visible()
    expect(page.get_by_label("Headline")).to_have_value("Tide tables for the winter and spring")
    expect(page.locator(".ProseMirror")).to_contain_text("Ferries keep to them from April.")
    check_page(page, "text-kept")

    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Saved (version 2).")).to_be_visible()
    story.refresh_from_db()
    assert story.headline == "Tide tables for the winter and spring"
    assert "Ferries keep to them from April." in story.body


def wait_for_draft(**filters: object) -> StoryDraft:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        draft = StoryDraft.objects.filter(**filters).first()
        if draft is not None:
            return draft
        time.sleep(0.1)
    raise AssertionError("no draft was autosaved")


@pytest.mark.django_db(transaction=True)
def test_text_typed_before_the_tab_closed_is_restored(
    page: Page, live_server: Any, login: Login
) -> None:
    story = arrange()
    login(page, "alice")
    tab = page.context.new_page()
    tab.goto(f"{live_server.url}/desk/stories/{story.pk}/edit/")
    tab.wait_for_function(EDITORS_READY)
    type_changes(tab)

    tab.close()  # no Save

    draft = wait_for_draft(story=story)
    assert draft.headline == "Tide tables for the winter and spring"
    story.refresh_from_db()
    assert story.headline == "Tide tables for the winter"

    page.goto(f"{live_server.url}/desk/stories/{story.pk}/edit/")
    offer = page.locator("[data-draft-offer]")
    expect(offer).to_contain_text(re.compile(r"You have unsaved changes from \d\d:\d\d\."))
    expect(page.get_by_label("Headline")).to_have_value("Tide tables for the winter")
    check_page(page, "draft-offered")

    offer.get_by_role("link", name="Restore").click()
    expect(page.get_by_label("Headline")).to_have_value("Tide tables for the winter and spring")
    expect(page.locator(".ProseMirror")).to_contain_text("Ferries keep to them from April.")
    expect(page.get_by_text("are back in the form: check them and save")).to_be_visible()
    check_page(page, "draft-restored")

    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Saved (version 2).")).to_be_visible()
    story.refresh_from_db()
    assert story.headline == "Tide tables for the winter and spring"
    assert not StoryDraft.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_discarded_draft_is_gone(page: Page, live_server: Any, login: Login) -> None:
    story = arrange()
    StoryDraft.objects.create(story=story, user=story.author, headline="Something else", version=1)
    login(page, "alice")
    page.goto(f"{live_server.url}/desk/stories/{story.pk}/edit/")

    page.locator("[data-draft-offer]").get_by_role("button", name="Discard").click()

    expect(page.get_by_text("Unsaved changes discarded.")).to_be_visible()
    expect(page.locator("[data-draft-offer]")).to_have_count(0)
    assert not StoryDraft.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_leaving_with_unsaved_changes_asks_first(
    page: Page, live_server: Any, login: Login
) -> None:
    story = arrange()
    login(page, "alice")
    page.goto(f"{live_server.url}/desk/stories/{story.pk}/edit/")
    page.wait_for_function(EDITORS_READY)
    asked: list[str] = []

    # Untouched, the form lets her go without a word.
    page.on("dialog", lambda dialog: asked.append(dialog.type) or dialog.dismiss())
    page.get_by_role("link", name="Desk", exact=True).click()
    expect(page).to_have_url(re.compile(r"/desk/$"))
    assert asked == []

    page.goto(f"{live_server.url}/desk/stories/{story.pk}/edit/")
    page.wait_for_function(EDITORS_READY)
    type_changes(page)
    page.get_by_role("link", name="Desk", exact=True).click(no_wait_after=True)
    page.wait_for_timeout(500)

    assert asked == ["beforeunload"]
    expect(page).to_have_url(re.compile(rf"/desk/stories/{story.pk}/edit/$"))
    expect(page.get_by_label("Headline")).to_have_value("Tide tables for the winter and spring")
    # Staying, the changes are autosaved within the interval (10 s).
    expect(page.locator("[data-autosave-status]")).to_contain_text(
        "Unsaved changes kept at", timeout=15_000
    )
    assert StoryDraft.objects.get(story=story).headline == "Tide tables for the winter and spring"

    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Saved (version 2).")).to_be_visible()
    assert asked == ["beforeunload"]  # Save itself never asks
