"""A publisher's back issue comes in through the browser: Alice (an editor)
uploads a Word file, splits the story the reader merged and names its
source, and imports; Bob (a reviewer) publishes it as the back issue it is;
Dave, a subscriber, finds it in the archive. axe-core on the preview."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from issues.models import Issue
from newsroom.review.workflow import Status
from tests import factories
from tests.e2e.test_accessibility import blocking_violations, table

WORD_FILE = Path(__file__).parents[1] / "fixtures" / "archive" / "quay-notes-merged.docx"


@pytest.mark.django_db(transaction=True)
def test_a_word_back_issue_is_corrected_published_and_found(
    page: Page, live_server: Any, login: Callable[[Page, str], None]
) -> None:
    quay = factories.make_newsletter("Quay Notes", slug="quay")
    factories.make_editor("alice")
    factories.make_reviewer("bob")
    factories.make_subscriber("dave", quay)
    site = live_server.url

    login(page, "alice")
    page.goto(f"{site}/desk/issues/import/")
    page.get_by_label("Issue file").set_input_files(WORD_FILE)
    page.get_by_role("button", name="Preview").click()

    expect(
        page.get_by_role("heading", name="Import quay-notes-merged.docx: preview")
    ).to_be_visible()
    first = page.locator("#story-1")
    expect(first.get_by_label("Text")).to_contain_text("Pilots get a new launch")
    first.get_by_label("Split before paragraph").select_option("2")
    first.get_by_role("button", name="Split").click()

    expect(page.locator("#story-2 legend")).to_have_text("2. Pilots get a new launch")
    expect(page.locator("#import-problems")).to_contain_text("Story 1")
    page.locator("#story-1").get_by_label("Source").fill("Harbour Tribune")
    page.get_by_role("button", name="Apply corrections").click()
    expect(page.locator("#import-problems")).to_have_count(0)

    results = Axe().run(page).response
    found = blocking_violations(results, role="editor", page="import preview")
    assert not found, "serious or critical axe-core violations:\n" + table(found)

    page.get_by_role("button", name="Import 3 stories").click()
    expect(page.get_by_text("Imported Quay Notes no. 5 (9 - 15 March 2026)")).to_be_visible()
    issue = Issue.objects.get()
    page.context.clear_cookies()

    login(page, "bob")
    page.goto(f"{site}/desk/issues/{issue.pk}/")
    results = Axe().run(page, context={"include": [["#back-issue"]]}).response
    found = blocking_violations(results, role="reviewer", page="back issue box")
    assert not found, "serious or critical axe-core violations:\n" + table(found)
    page.get_by_role("button", name="Publish as a back issue").click()
    expect(page.get_by_text("as a back issue, dated 9 March 2026")).to_be_visible()
    issue.refresh_from_db()
    assert issue.status == Status.PUBLISHED
    assert [s.source.name for s in issue.ordered_stories()] == [
        "Harbour Tribune",
        "Quay Courier",
        "Port Herald",
    ]
    page.context.clear_cookies()

    login(page, "dave")
    page.goto(f"{site}/issues/")
    page.get_by_role("link", name="9 - 15 March 2026").first.click()
    expect(page.get_by_text("Pilots get a new launch")).to_be_visible()
    expect(page.get_by_text("Crane drivers agree a new rota")).to_be_visible()


@pytest.mark.django_db(transaction=True)
def test_the_report_on_a_zip_of_back_issues_is_accessible(
    page: Page, live_server: Any, login: Callable[[Page, str], None], tmp_path: Path
) -> None:
    factories.make_editor("alice")
    archive = tmp_path / "back-issues.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(WORD_FILE.parent / "textile-bulletin.txt", "textile-bulletin.txt")
        zipped.write(WORD_FILE.parent / "clinic-roundup.md", "clinic-roundup.md")
        zipped.writestr("notes.txt", "Just a note.")

    login(page, "alice")
    page.goto(f"{live_server.url}/desk/issues/import/")
    found = blocking_violations(Axe().run(page).response, role="editor", page="import")
    page.get_by_label("Issue file").set_input_files(archive)
    page.get_by_role("button", name="Preview").click()

    expect(page.locator("#batch-report")).to_contain_text("Clinic Roundup, no. 3")
    found += blocking_violations(Axe().run(page).response, role="editor", page="zip report")
    assert not found, "serious or critical axe-core violations:\n" + table(found)
    page.get_by_role("button", name="Import 2 of 3 issues").click()
    expect(page.get_by_text("Imported 2 back issues with 6 draft stories")).to_be_visible()
