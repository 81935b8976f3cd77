"""The editorial desk in a real Chromium.

1. Alice writes a story with bold text and a link in the prose editor and
   submits it; Bob sends it back with a comment; Alice sees the comment,
   edits and resubmits; Bob approves.
2. Alice and Erin edit the same story in two browsers; Erin's later save
   meets the conflict page, and neither text is lost.

Both journeys also check that the prose editor runs under our CSP: no
"Refused to ..." console message and no page error.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from newsroom import roles
from newsroom.models import Story
from newsroom.models.stories import REFUSED_EDIT_REASON
from newsroom.review.workflow import Status
from tests import factories

Login = Callable[[Page, str], None]


class ConsoleWatch:
    """Collects what the browser complains about on a page."""

    def __init__(self, page: Page) -> None:
        self.problems: list[str] = []
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("console", self._console)

    def _console(self, message: Any) -> None:
        text = message.text
        if "Content Security Policy" in text or "Refused to" in text:
            self.problems.append(text)
        elif message.type == "error" and not text.startswith("Failed to load resource"):
            # HTTP statuses (the favicon's 404, the conflict page's 409) are
            # reported as console errors too; they are not script problems.
            self.problems.append(text)


@pytest.fixture
def second_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    yield context.new_page()
    context.close()


def write_in_editor(page: Page) -> None:
    """Type a paragraph with bold words and a link, through the toolbar."""
    editor = page.locator(".ProseMirror")
    editor.click()
    page.keyboard.type("The harbour board approved ")
    page.get_by_role("button", name="bold", exact=True).click()
    page.keyboard.type("free wifi")
    page.get_by_role("button", name="bold", exact=True).click()
    page.keyboard.type(" on every pier from March. Details are on the board website.")
    page.keyboard.press("ArrowLeft")
    for _ in "board website":
        page.keyboard.press("Shift+ArrowLeft")
    page.get_by_role("button", name="insert link").click()
    page.get_by_label("URL").fill("https://harbour.example/board")
    page.get_by_role("button", name="Update").click()


@pytest.mark.django_db(transaction=True)
def test_a_story_is_written_sent_back_revised_and_approved(
    page: Page, second_page: Page, live_server: Any, login: Login
) -> None:
    factories.make_newsletter()
    factories.make_user("alice", roles.EDITORS)
    factories.make_user("bob", roles.REVIEWERS)
    factories.make_source("Harbour Tribune")
    alice_console, bob_console = ConsoleWatch(page), ConsoleWatch(second_page)

    login(page, "alice")
    page.goto(f"{live_server.url}/desk/")
    page.get_by_role("link", name="Write a story").first.click()
    page.get_by_label("Headline").fill("Harbour piers get free wifi")
    write_in_editor(page)
    expect(page.locator("[data-word-count]")).to_have_text("17")
    preview = page.locator("[data-preview-body]")
    expect(preview.locator("strong", has_text="free wifi")).to_be_visible()
    page.get_by_label("Source", exact=True).fill("Harbour Tribune")
    expect(preview.locator(".source", has_text="(Harbour Tribune)")).to_be_visible()
    expect(preview.locator(".source strong")).to_have_text("Harbour Tribune")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text("Submitted for review.")).to_be_visible()

    story = Story.objects.get()
    assert "<strong>free wifi</strong>" in story.body
    assert 'href="https://harbour.example/board" title="">board website</a>.' in story.body

    login(second_page, "bob")
    second_page.goto(f"{live_server.url}/desk/review/")
    second_page.get_by_role("link", name="Review", exact=True).click()
    second_page.get_by_label("What needs to change").fill("Say which piers, please.")
    second_page.get_by_role("button", name="Request changes").click()
    expect(second_page.get_by_text("Sent back to the author")).to_be_visible()

    page.goto(f"{live_server.url}/desk/")
    sent_back = page.get_by_role("region", name="Sent back to me")
    expect(sent_back).to_contain_text("Say which piers, please.")
    sent_back.get_by_role("link", name="Harbour piers get free wifi").click()
    expect(page.get_by_text("Changes requested by bob")).to_be_visible()
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Headline").fill("North and south piers get free wifi")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved (version 2).")).to_be_visible()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text("Submitted for review.")).to_be_visible()

    second_page.goto(f"{live_server.url}/desk/review/")
    second_page.get_by_role("link", name="Review", exact=True).click()
    second_page.get_by_role("button", name="Approve").click()
    expect(second_page.get_by_text("Approved: the story is ready for an issue.")).to_be_visible()

    story.refresh_from_db()
    assert (story.status, story.headline) == (
        Status.PUBLISHED,
        "North and south piers get free wifi",
    )
    assert [t.transition for t in story.transitions.order_by("at", "pk")] == [
        "submit",
        "request_changes",
        "submit",
        "publish",
    ]
    assert alice_console.problems == []
    assert bob_console.problems == []


@pytest.mark.django_db(transaction=True)
def test_two_editors_save_the_same_story_and_nothing_is_lost(
    page: Page, second_page: Page, live_server: Any, login: Login
) -> None:
    newsletter = factories.make_newsletter()
    alice = factories.make_user("alice", roles.EDITORS)
    factories.make_user("erin", roles.EDITORS)
    story = factories.make_story(
        author=alice,
        newsletter=newsletter,
        headline="Library lends laptops",
        body="<p>The town library now lends laptops for two weeks.</p>",
    )
    erin_console = ConsoleWatch(second_page)
    edit_url = f"{live_server.url}/desk/stories/{story.pk}/edit/"

    login(page, "alice")
    page.goto(edit_url)
    login(second_page, "erin")
    second_page.goto(edit_url)

    page.get_by_label("Headline").fill("Library lends laptops and tablets")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved (version 2).")).to_be_visible()

    second_page.locator(".ProseMirror").click()
    second_page.keyboard.press("Control+End")
    second_page.keyboard.type(" Erin adds: loans are free.")
    second_page.get_by_role("button", name="Save").click()

    expect(
        second_page.get_by_role("heading", name=re.compile("Someone saved this story"))
    ).to_be_visible()
    current = second_page.locator("[data-current-text]")
    expect(current).to_contain_text("Library lends laptops and tablets")
    expect(second_page.locator(".ProseMirror")).to_contain_text("Erin adds: loans are free.")

    # Erin merges: Alice's headline, her own sentence; each field that differs
    # is chosen before the save.
    second_page.get_by_label("Headline").fill("Library lends laptops and tablets")
    second_page.get_by_role("radio", name=re.compile("^Mine: The town library")).check()
    second_page.get_by_role("button", name="Save merged text").click()
    expect(second_page.get_by_text("Saved (version 3).")).to_be_visible()

    story.refresh_from_db()
    assert story.headline == "Library lends laptops and tablets"
    assert "Erin adds: loans are free." in story.body
    refused = story.history.get(history_change_reason__startswith=REFUSED_EDIT_REASON)
    assert (refused.headline, refused.history_user.username) == ("Library lends laptops", "erin")
    assert "Erin adds: loans are free." in refused.body
    assert erin_console.problems == []
