"""Review as newsrooms do it, in a real Chromium.

Bob (reviewer) selects a sentence of Alice's story and comments on it; Alice
sees the comment beside the text in the editor, rewords the sentence and
replies; Bob sees only what changed and resolves the thread, then approves.
Bob invites an outside expert to review the issue the story goes into; the
expert opens the emailed link in a fresh browser (no session), comments on a
passage of the issue preview and says it looks good; Bob sees the verdict
and publishes the issue.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from newsroom import roles
from newsroom.models import Story
from newsroom.models.comments import Comment
from newsroom.review.workflow import SUBMIT, Status, perform
from tests import factories
from tests.e2e.test_accessibility import SCREENSHOTS, blocking_violations, table

Login = Callable[[Page, str], None]

EXPERT = "expert@partner.example"
SENTENCE = "Exports of cloud services rose 40% in a year."
BODY = (
    "<p>The harbour authority opened its fifth data centre on Monday. "
    f"{SENTENCE} The centre is cooled by sea water.</p>"
)


def select_words(page: Page, words: str, scope: str = "[data-commentable]") -> None:
    """Select `words` in the story text as a reader would, then release the mouse."""
    page.evaluate(
        """([scope, words]) => {
          const root = document.querySelector(scope);
          const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
          while (walker.nextNode()) {
            const node = walker.currentNode;
            const at = node.textContent.indexOf(words);
            if (at === -1) continue;
            const range = document.createRange();
            range.setStart(node, at);
            range.setEnd(node, at + words.length);
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
            root.dispatchEvent(new MouseEvent("mouseup", { bubbles: true }));
            return;
          }
          throw new Error("words not found: " + words);
        }""",
        [scope, words],
    )


def shot(page: Page, name: str, found: list[dict]) -> None:
    """Photograph the page into test-results/screenshots/ and collect what
    axe-core finds serious or critical on it."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"review-journey-{name}.png"), full_page=True)
    found += blocking_violations(Axe().run(page).response, role="journey", page=name)


@pytest.fixture
def second_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    yield context.new_page()
    context.close()


@pytest.fixture
def fresh_page(browser: Browser) -> Iterator[Page]:
    """A browser with no cookies at all, as the outside reviewer's."""
    context = browser.new_context()
    yield context.new_page()
    context.close()


@pytest.mark.django_db(transaction=True)
def test_a_passage_is_commented_answered_and_resolved(
    page: Page,
    second_page: Page,
    fresh_page: Page,
    live_server: Any,
    login: Login,
    mailoutbox: list[Any],
) -> None:
    found: list[dict] = []
    newsletter = factories.make_newsletter()
    alice = factories.make_user("alice", roles.EDITORS)
    factories.make_user("bob", roles.REVIEWERS)
    story = factories.make_story(
        author=alice, newsletter=newsletter, body=BODY, headline="Cloud exports rise"
    )
    bob_page, alice_page = page, second_page
    login(alice_page, "alice")
    alice_page.goto(f"{live_server.url}/desk/stories/{story.pk}/")
    alice_page.get_by_role("button", name="Submit for review").click()

    login(bob_page, "bob")
    bob_page.goto(f"{live_server.url}/desk/stories/{story.pk}/review/")
    select_words(bob_page, SENTENCE)
    expect(bob_page.locator("[data-passage-form]")).to_be_visible()
    bob_page.get_by_label("Your comment").fill("Which source gives 40%?")
    shot(bob_page, "1-select-and-comment", found)
    bob_page.get_by_role("button", name="Comment", exact=True).click()
    expect(bob_page.get_by_text("Comment added.")).to_be_visible()
    expect(bob_page.locator("mark.desk-passage")).to_have_text(SENTENCE)
    thread = Comment.objects.get()
    assert (thread.quote, thread.author.username) == (SENTENCE, "bob")
    bob_page.get_by_label("What needs to change").fill("See my comment on the figure.")
    bob_page.get_by_role("button", name="Request changes").click()
    expect(bob_page.get_by_text("Sent back to the author")).to_be_visible()

    alice_page.goto(f"{live_server.url}/desk/stories/{story.pk}/edit/")
    expect(alice_page.get_by_text("Which source gives 40%?")).to_be_visible()
    shot(alice_page, "2-author-sees-comment-in-editor", found)
    editor = alice_page.locator(".ProseMirror")
    editor.get_by_text("rose 40% in a year", exact=False).click()
    alice_page.evaluate(
        """() => {
          const walker = document.createTreeWalker(
            document.querySelector('.ProseMirror'), NodeFilter.SHOW_TEXT);
          while (walker.nextNode()) {
            const node = walker.currentNode;
            const at = node.textContent.indexOf('40%');
            if (at === -1) continue;
            const range = document.createRange();
            range.setStart(node, at);
            range.setEnd(node, at + 3);
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
            return;
          }
        }"""
    )
    # The editor takes the page's selection on its next "selectionchange":
    # typed before, the words went where the click had put the cursor.
    alice_page.wait_for_function(
        """() => {
          const editor = document.querySelector('.ProseMirror').editor;
          const {from, to} = editor.state.selection;
          return editor.state.doc.textBetween(from, to) === '40%';
        }"""
    )
    alice_page.keyboard.type("42%")
    # Replying now would leave the page and lose the edit: the page says so.
    alice_page.get_by_label("Reply").fill("Fixed.")
    alice_page.get_by_role("button", name="Reply").click()
    expect(alice_page.get_by_text("Save the story first")).to_be_visible()
    assert not Comment.objects.filter(parent__isnull=False).exists()
    alice_page.get_by_role("button", name="Save").click()
    expect(alice_page.get_by_text("Saved (version 2).")).to_be_visible()
    story.refresh_from_db()
    assert "rose 42% in a year" in story.body_text
    alice_page.get_by_label("Reply").fill("The ministry's release says 42%; fixed.")
    alice_page.get_by_role("button", name="Reply").click()
    expect(alice_page.get_by_text("Reply added.")).to_be_visible()
    alice_page.get_by_role("button", name="Submit for review").click()

    bob_page.goto(f"{live_server.url}/desk/stories/{story.pk}/review/")
    changes = bob_page.locator("[data-since-last-look]")
    # Only Alice's change since Bob's request is marked, nothing before it.
    expect(changes.locator("del")).to_have_text(["40%"])
    expect(changes.locator("ins")).to_have_text(["42%"])
    expect(changes).to_contain_text("answered")
    shot(bob_page, "3-reviewer-sees-only-the-change", found)
    bob_page.get_by_role("button", name="Resolve", exact=True).click()
    expect(bob_page.get_by_text("Thread resolved.")).to_be_visible()
    bob_page.get_by_role("button", name="Approve", exact=True).click()
    expect(bob_page.get_by_text("Approved", exact=True)).to_be_visible()
    story.refresh_from_db()
    thread.refresh_from_db()
    assert story.status == Status.PUBLISHED
    assert thread.resolved_by.username == "bob"
    assert Story.objects.get(pk=story.pk).transitions.first().by.username == "bob"

    # The story goes into an issue; an outside expert reviews the issue.
    issue = factories.make_issue(newsletter=newsletter, created_by=alice, stories=[story])
    perform(issue, SUBMIT, by=alice)
    bob_page.goto(f"{live_server.url}/desk/issues/{issue.pk}/")
    bob_page.get_by_label("Their email address").fill(EXPERT)
    bob_page.get_by_role("button", name="Invite to review").click()
    expect(bob_page.get_by_text(f"Invited {EXPERT}")).to_be_visible()
    (mail,) = [m for m in mailoutbox if m.to == [EXPERT]]
    link = re.search(r"https?://\S+/review/issue/\S+/", mail.body)
    assert link is not None
    path = link.group(0).split("/review/", 1)[1]

    assert fresh_page.context.cookies() == []  # no session of anyone's
    fresh_page.goto(f"{live_server.url}/review/{path}")
    expect(fresh_page.get_by_text(f"you are reviewing as {EXPERT}")).to_be_visible()
    select_words(fresh_page, "cooled by sea water")
    fresh_page.get_by_role("textbox", name="Your comment").fill("Which sea? Name the bay.")
    fresh_page.get_by_role("button", name="Comment", exact=True).click()
    expect(fresh_page.get_by_text("your comment is with the newsroom")).to_be_visible()
    expect(fresh_page.locator("mark.desk-passage")).to_have_text("cooled by sea water")
    fresh_page.get_by_label("Looks good").check()
    fresh_page.get_by_role("button", name="Send my verdict").click()
    expect(fresh_page.get_by_text("your verdict (Looks good) is recorded")).to_be_visible()
    shot(fresh_page, "4-outside-reviewer-on-the-issue-preview", found)
    outside = Comment.objects.get(author_email=EXPERT)
    assert (outside.story_id, outside.quote) == (story.pk, "cooled by sea water")

    bob_page.goto(f"{live_server.url}/desk/issues/{issue.pk}/")
    expect(bob_page.locator("[data-outside-verdict]")).to_contain_text(f"{EXPERT}: Looks good")
    expect(bob_page.locator("[data-issue-comments]")).to_contain_text(
        f"{EXPERT}: Which sea? Name the bay."
    )
    shot(bob_page, "5-reviewer-sees-the-outside-verdict", found)
    bob_page.get_by_role("link", name="Publish…").click()  # the confirmation page
    bob_page.get_by_role("button", name="Publish now").click()
    expect(bob_page.get_by_text(f"Published {issue}.")).to_be_visible()
    issue.refresh_from_db()
    assert issue.status == Status.PUBLISHED
    assert not found, "serious or critical axe-core violations:\n" + table(found)
