"""Writing as written, in Chromium.

Alice pastes from Word, as the clipboard gives it (a synthetic "paste" event
whose DataTransfer holds Word's HTML: Symbol-font fake bullets marked
mso-list, and a table). Before she saves, the editor already shows the list,
a line under it says what became of the table, and the live warning states
the one-paragraph rule in the words the submit check uses. The word count
she sees is the count after saving. The story's page says why it cannot go
to review, in that same sentence; she pastes a paragraph and a list instead, the warning goes, the
preview cites the source at the end of the last item, and the story goes to
review.

axe-core checks the story form and the story's page (0 serious or
critical), and they are photographed at 1280 and 390 px into test-results/screenshots/.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from newsroom.desk.paste import LIST_NOTICE, TABLE_NOTICE
from newsroom.models import Story
from newsroom.review.workflow import Status
from newsroom.writing.story_shape import body_problem, count_words
from tests import factories
from tests.e2e.test_accessibility import (
    EDITORS_READY,
    SCREENSHOTS,
    WIDTHS,
    blocking_violations,
)
from tests.test_story_shape import WORD_PASTE

Login = Callable[[Page, str], None]

# A paragraph and two fake bullets from Word, no table: a story by the rule.
WORD_LIST_PASTE = (
    "<html><body><!--StartFragment--><p class=MsoNormal>The port authority listed two"
    " changes for next year, to be voted on by the council in March:</p>"
    "<p class=MsoListParagraphCxSpFirst style='text-indent:-18.0pt;mso-list:l0 level1 lfo1'>"
    "<!--[if !supportLists]--><span style='font-family:Symbol'>·<span"
    " style='font:7.0pt \"Times New Roman\"'>&nbsp;&nbsp;&nbsp;&nbsp; </span></span>"
    "<!--[endif]-->longer opening hours</p>"
    "<p class=MsoListParagraphCxSpLast style='text-indent:-18.0pt;mso-list:l0 level1 lfo1'>"
    "<!--[if !supportLists]--><span style='font-family:Symbol'>·<span"
    " style='font:7.0pt \"Times New Roman\"'>&nbsp;&nbsp;&nbsp;&nbsp; </span></span>"
    "<!--[endif]-->a second ferry</p><!--EndFragment--></body></html>"
)

PASTE = """([html, text]) => {
    const editable = document.querySelector(".ProseMirror");
    editable.focus();
    const data = new DataTransfer();
    data.setData("text/html", html);
    data.setData("text/plain", text);
    editable.dispatchEvent(new ClipboardEvent("paste", {
        clipboardData: data, bubbles: true, cancelable: true,
    }));
}"""


def paste_over_body(page: Page, html: str) -> None:
    """Select the whole body and paste `html` over it, as Word hands it over."""
    page.locator(".ProseMirror").click()
    page.keyboard.press("Control+a")
    page.evaluate(PASTE, [html, "(the same text, plain)"])


def shown_words(page: Page) -> int:
    return int(page.locator("[data-word-count]").inner_text())


def check_page(page: Page, name: str) -> None:
    page.wait_for_function(EDITORS_READY)
    rows = blocking_violations(Axe().run(page).response, role="alice", page=name)
    assert not rows, rows
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=SCREENSHOTS / f"writing-{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})


@pytest.mark.django_db(transaction=True)
def test_a_word_paste_is_seen_as_it_is_saved(page: Page, live_server: Any, login: Login) -> None:
    newsletter = factories.make_newsletter()
    alice = factories.make_editor("alice")
    story = factories.make_story(
        author=alice,
        newsletter=newsletter,
        headline="Harbour plans for next year",
        source=factories.make_source("Harbour Tribune"),
    )
    login(page, "alice")
    page.goto(f"{live_server.url}/desk/stories/{story.pk}/edit/")
    page.wait_for_function(EDITORS_READY)

    paste_over_body(page, WORD_PASTE)
    editor = page.locator(".ProseMirror")
    # Before any save: the fake bullets are a list, the table its rows.
    expect(editor.locator("ul > li")).to_have_count(2)
    expect(editor.locator("ul > li").first).to_have_text("longer opening hours")
    expect(editor.locator("ul em")).to_have_text("opening")
    expect(editor.locator("strong")).to_have_text("next year")
    expect(editor.locator(":scope > p")).to_have_count(3)
    expect(editor.locator(":scope > p").nth(1)).to_have_text("Berths · 12")
    assert "·  " not in editor.inner_text() and "\u00a0" not in editor.inner_text()
    notice = page.locator("[data-paste-notice]")
    expect(notice).to_have_text(f"{TABLE_NOTICE} {LIST_NOTICE}")
    # The preview shows the same list.
    expect(page.locator("[data-preview-body] ul > li")).to_have_count(2)

    # The live warning speaks the submit check's sentence for this body.
    body = page.locator("textarea[name=body]").input_value()
    warning = page.locator("[data-paragraph-warning]")
    expect(warning).to_have_text(body_problem(body) or "")
    expect(warning).to_contain_text(
        "This story has 3 paragraphs; a story is one paragraph, optionally followed by one list."
    )
    check_page(page, "story-form-after-paste")

    before = shown_words(page)
    assert before == count_words(body) == 19
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{live_server.url}/desk/stories/{story.pk}/")
    story.refresh_from_db()
    assert story.body == body  # what was seen is what was saved
    assert story.word_count == before

    # The story's page says, in the submit check's sentence, why it cannot
    # go to review yet (and offers no Submit button).
    expect(page.locator("[data-not-ready]")).to_have_text(
        f"Not ready for review: {body_problem(story.body)}"
    )
    expect(page.get_by_role("button", name="Submit for review")).to_have_count(0)
    check_page(page, "story-not-ready")

    # One paragraph and a list: the rule holds, the source ends the last item.
    page.goto(f"{live_server.url}/desk/stories/{story.pk}/edit/")
    page.wait_for_function(EDITORS_READY)
    expect(page.locator("[data-word-count]")).to_have_text(str(before))
    paste_over_body(page, WORD_LIST_PASTE)
    expect(editor.locator("ul > li")).to_have_count(2)
    expect(notice).to_have_text(LIST_NOTICE)
    expect(warning).to_be_hidden()
    expect(page.locator("[data-preview-body] ul > li").last).to_have_text(
        "a second ferry (Harbour Tribune)"
    )
    check_page(page, "story-form-list")
    after = shown_words(page)
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{live_server.url}/desk/stories/{story.pk}/")
    story.refresh_from_db()
    assert story.word_count == after == 24
    page.get_by_role("button", name="Submit for review").click()
    page.wait_for_load_state()
    story.refresh_from_db()
    assert story.status == Status.REVIEW
    assert Story.objects.get(pk=story.pk).body.endswith("<li><p>a second ferry</p></li></ul>")


@pytest.mark.django_db(transaction=True)
def test_a_paste_without_the_server_is_pasted_and_says_so(
    page: Page, live_server: Any, login: Login
) -> None:
    newsletter = factories.make_newsletter()
    alice = factories.make_editor("alice")
    story = factories.make_story(author=alice, newsletter=newsletter)
    login(page, "alice")
    page.goto(f"{live_server.url}/desk/stories/{story.pk}/edit/")
    page.wait_for_function(EDITORS_READY)
    page.route("**/desk/stories/paste/", lambda route: route.abort())  # the network is down

    paste_over_body(page, WORD_LIST_PASTE)
    expect(page.locator("[data-paste-notice]")).to_have_text(
        "Pasted without tidying (the server could not be reached): check its lists and"
        " tables; Save tidies them."
    )
    expect(page.locator(".ProseMirror")).to_contain_text("a second ferry")  # nothing lost
    page.unroute("**/desk/stories/paste/")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{live_server.url}/desk/stories/{story.pk}/")
    story.refresh_from_db()
    assert story.body.endswith(
        "<ul><li><p>longer opening hours</p></li><li><p>a second ferry</p></li></ul>"
    )
