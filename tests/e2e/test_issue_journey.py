"""An issue from the builder to the stored PDF, in a real Chromium.

Alice builds an issue from three approved stories, drags the second above
the first, previews the PDF and submits; Bob publishes it; the stored PDF
lists the stories in Alice's order.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from issues.models import Issue
from newsroom import roles
from tests import factories
from tests.issue_helpers import make_published_stories, pdf_text

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"


def check_page(page: Page, name: str) -> None:
    """A screenshot to look at, and axe-core finds no serious or critical
    violation."""
    from axe_playwright_python.sync_playwright import Axe

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"issue-{name}.png", full_page=True)
    results = Axe().run(page)
    blocking = [
        (v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert blocking == [], f"{name}: {blocking}"


@pytest.mark.django_db(transaction=True)
def test_an_issue_is_built_reordered_previewed_and_published(
    page: Page, live_server: Any, login: Callable[[Page, str], None], artifacts: Path
) -> None:
    newsletter = factories.make_newsletter()
    alice = factories.make_user("alice", roles.EDITORS)
    bob = factories.make_user("bob", roles.REVIEWERS)
    first, second, third = make_published_stories(
        newsletter=newsletter, author=alice, reviewer=bob, count=3
    )

    login(page, "alice")
    page.goto(f"{live_server.url}/desk/issues/new/")
    expect(page.get_by_role("spinbutton", name="Number")).to_have_value("1")
    page.get_by_role("button", name="Create issue").click()
    expect(page.get_by_role("heading", name=re.compile(r"no\. 1$"))).to_be_visible()

    for story in (first, second, third):
        page.get_by_role("button", name=f"Add “{story.headline}”").click()
        expect(page.get_by_text(f"Added “{story.headline}”.")).to_be_visible()
    # The count comes from a render worker, which the first render of a
    # process starts (Django, WeasyPrint and the fonts): allow for a cold start.
    expect(page.locator("#page-count")).to_contain_text("1 page", timeout=60_000)

    in_issue = page.locator("#issue-stories li[data-story-id]")
    expect(in_issue).to_have_count(3)
    in_issue.nth(1).drag_to(in_issue.nth(0))
    expect(page.locator("#order-status")).to_have_text("Order saved.")
    expect(in_issue.first).to_contain_text(second.headline)

    # Every change is in the builder's history, with who made it.
    page.reload()
    expect(page.get_by_text("Changed (issue builder)")).to_have_count(4)
    expect(page.get_by_text(f"Reordered the stories: 1. “{second.headline}”")).to_be_visible()
    check_page(page, "builder-history")

    # The HTML preview is built by a render worker, like the PDF.
    href = page.get_by_role("link", name="Preview HTML").get_attribute("href")
    html = page.request.get(f"{live_server.url}{href}")
    assert html.headers["content-type"].startswith("text/html")
    assert html.text().index(second.headline) < html.text().index(first.headline)

    href = page.get_by_role("link", name="Preview PDF").get_attribute("href")
    preview = page.request.get(f"{live_server.url}{href}")
    assert preview.headers["content-type"] == "application/pdf"
    text = pdf_text(preview.body())
    assert text.index(second.headline) < text.index(first.headline) < text.index(third.headline)

    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text("The issue is now waiting for a reviewer.")).to_be_visible()

    page.context.clear_cookies()
    login(page, "bob")
    issue = Issue.objects.get()
    page.goto(f"{live_server.url}/desk/issues/{issue.pk}/")
    page.get_by_role("link", name="Publish…").click()
    expect(
        page.get_by_role("heading", name=f"Publish {issue.newsletter.title} no.")
    ).to_be_visible()
    expect(page.get_by_text("stored for good")).to_be_visible()
    page.get_by_role("button", name="Publish now").click()
    expect(page.get_by_text(f"Published {issue}.")).to_be_visible()

    issue.refresh_from_db()
    stored = pdf_text(issue.latest_edition.pdf_file.read())
    assert stored.index(second.headline) < stored.index(first.headline)
    assert stored.index(first.headline) < stored.index(third.headline)
