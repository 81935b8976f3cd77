"""A wrong figure in a published issue, corrected as edition 2.

Bob (a reviewer) finds it and starts a correction, Alice (an editor) fixes
the text, Carol (a second reviewer) publishes edition 2; Dave (a subscriber)
sees the note on the issue page and in the new PDF, and can still open
edition 1, byte for byte.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from issues.models.editions import Correction
from issues.publishing.publish import publish_issue
from newsroom.models import Story
from tests import factories
from tests.issue_helpers import make_issue_in_review, pdf_text

WRONG = "The harbour board signed a contract worth 14 million for the new cable."
RIGHT = "The harbour board signed a contract worth 41 million for the new cable."
NOTE = "the contract value is 41 million, not 14 million"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"


def check_page(page: Page, name: str) -> None:
    """A screenshot to look at, and axe-core finds no serious or critical
    violation, the rich-text editor included."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"correction-{name}.png", full_page=True)
    results = Axe().run(page)
    blocking = [
        (v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert blocking == [], f"{name}: {blocking}"


def signed_in(browser: Browser, login: Callable[[Page, str], None], username: str) -> Page:
    page = browser.new_context(accept_downloads=True).new_page()
    login(page, username)
    return page


@pytest.mark.django_db(transaction=True)
def test_a_wrong_figure_is_corrected_as_edition_two(
    browser: Browser, live_server: Any, login: Callable[[Page, str], None]
) -> None:
    ict = factories.make_newsletter()
    alice = factories.make_editor("alice")
    bob = factories.make_reviewer("bob")
    factories.make_reviewer("carol")
    factories.make_subscriber("dave", ict)
    issue = make_issue_in_review(
        newsletter=ict,
        editor=alice,
        reviewer=bob,
        headlines=("Port Avel signs its cable contract", "Lowmarsh opens a chip school"),
    )
    story = issue.ordered_stories()[0]
    Story.objects.filter(pk=story.pk).update(body=f"<p>{WRONG}</p>")
    publish_issue(issue=issue, by=bob)
    first = issue.editions.get()
    with first.pdf_file.open("rb") as stored:
        first_bytes = stored.read()

    # Bob starts the correction from the issue's desk page.
    reviewer = signed_in(browser, login, "bob")
    reviewer.goto(f"{live_server.url}/desk/issues/{issue.pk}/")
    reviewer.get_by_label("Story to correct").select_option(label=story.headline)
    reviewer.get_by_label("What is wrong (printed as the note)").fill(NOTE)
    reviewer.get_by_role("button", name="Start a correction").click()
    expect(reviewer.get_by_text("Correction started")).to_be_visible()
    correction_url = reviewer.url

    # Alice fixes the figure and submits.
    editor = signed_in(browser, login, "alice")
    editor.goto(correction_url)
    # The editor is built after load: check it once it is there and named.
    expect(editor.get_by_role("textbox", name="Body")).to_be_visible()
    expect(editor.get_by_role("toolbar", name="Formatting")).to_be_visible()
    check_page(editor, "edit")
    body = editor.locator(".ProseMirror")
    body.click()
    editor.keyboard.press("Control+A")
    editor.keyboard.type(RIGHT)
    editor.get_by_role("button", name="Save the corrected text").click()
    expect(editor.get_by_text("Saved the corrected text.")).to_be_visible()
    editor.get_by_role("button", name="Submit the correction for review").click()
    expect(editor.get_by_test_id("correction-status")).to_have_text("In review")

    # Carol, a second reviewer, publishes edition 2.
    second = signed_in(browser, login, "carol")
    second.goto(correction_url)
    check_page(second, "review")
    expect(second.get_by_test_id("what-changed").locator("ins")).to_have_text("41")
    expect(second.get_by_test_id("what-changed").locator("del")).to_have_text("14")
    second.get_by_role("button", name="Publish the correction").click()
    expect(second.get_by_text("Published edition 2")).to_be_visible()
    # The issue's desk page: edition 2 and its note in the history.
    history_row = f"Edition 2: “{story.headline}” corrected"
    expect(second.get_by_text(history_row)).to_be_visible()
    check_page(second, "builder")

    correction = Correction.objects.get()
    edition = correction.edition
    assert edition is not None and edition.number == 2

    # Dave sees the note, downloads the new PDF, and can still open edition 1.
    reader = signed_in(browser, login, "dave")
    reader.goto(f"{live_server.url}/issues/ict/{issue.number}/")
    expect(reader.get_by_test_id("correction-note")).to_contain_text(f": {NOTE}")
    expect(reader.get_by_test_id("pdf-sha256")).to_have_text(edition.pdf_sha256)
    check_page(reader, "issue-page")
    with reader.expect_download() as latest:
        reader.get_by_role("link", name=re.compile(r"^Download PDF")).click()
    text = pdf_text(Path(latest.value.path()).read_bytes())
    assert "41 million" in text and "Corrected on" in text and NOTE in text
    with reader.expect_download() as earlier:
        reader.get_by_role("link", name="PDF of edition 1").click()
    data = Path(earlier.value.path()).read_bytes()
    assert data == first_bytes
    assert hashlib.sha256(data).hexdigest() == first.pdf_sha256
    # Both downloads were counted, on the edition each one was.
    reader.goto(f"{live_server.url}/accounts/profile/")
    expect(reader.get_by_test_id("downloads")).to_contain_text("edition 2")
    expect(reader.get_by_test_id("downloads")).to_contain_text("edition 1 (earlier)")
    check_page(reader, "account")

    # Carol sees the two downloads on the issue's reach page, charted on the server.
    second.get_by_role("link", name="Reach").click()
    expect(second.get_by_role("heading", name="Reach", exact=True)).to_be_visible()
    expect(second.get_by_test_id("total")).to_have_text("2")
    expect(second.get_by_test_id("share")).to_have_text("100%")
    expect(second.locator("svg.reach-chart")).to_have_count(2)
    check_page(second, "reach")
