"""The import preview: Alice (an editor) corrects what the reader guessed
from a publisher's own back issue, and nothing is saved until she confirms."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from issues.desk.import_page import BATCH_KEY, SESSION_KEY
from issues.importing import editing
from issues.models import Issue
from newsroom.models import Source, Story
from newsroom.review.workflow import Status
from tests import factories

ARCHIVE = Path(__file__).parent / "fixtures" / "archive"
IMPORT = reverse("issue_desk:import")
PREVIEW = reverse("issue_desk:import_preview")
CORRECT = reverse("issue_desk:import_correct")
CONFIRM = reverse("issue_desk:import_confirm")

# Story 2's headline was typed as a plain line and story 1 names no source:
# the reader cannot tell them apart and reads one story.
MERGED = b"""Harbour Weekly

Issue 16 - 9-15 March 2026

**Tidal turbines switched on**

Four turbines began feeding the grid on Tuesday.

Shore power becomes mandatory

From June every cruise ship must plug in. (Coastal Ledger)
"""


def upload(name: str, content: bytes, **fields: object) -> dict[str, object]:
    return {"file": SimpleUploadedFile(name, content), **fields}


def pending(client: Client) -> Any:
    return editing.from_json(client.session[SESSION_KEY]["issue"])


def corrections(client: Client, action: str = "apply", **changes: object) -> dict[str, object]:
    """The preview's correction form as the page fills it, with changes."""
    parsed = pending(client)
    data: dict[str, object] = {
        "form-TOTAL_FORMS": len(parsed.stories),
        "form-INITIAL_FORMS": len(parsed.stories),
        "period": f"{parsed.period_start:%d %B %Y} - {parsed.period_end:%d %B %Y}",
        "number": parsed.number or "",
        "action": action,
    }
    for i, story in enumerate(parsed.stories):
        data |= {
            f"form-{i}-headline": story.headline,
            f"form-{i}-paragraph": story.paragraph,
            f"form-{i}-source": story.source,
            f"form-{i}-link": story.link,
        }
    return data | changes


def test_a_word_issue_previews_with_where_each_story_was_read(client: Client, alice: User) -> None:
    client.force_login(alice)

    response = client.post(
        IMPORT, upload("harbour.docx", (ARCHIVE / "harbour-weekly.docx").read_bytes())
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Read as a Word file" in page
    assert "No. 16, 9 - 15 March 2026" in page
    assert "1. Tidal turbines switched on at the north breakwater" in page
    assert "As read from paragraph 3" in page
    assert Story.objects.count() == 0


def test_alice_splits_a_merged_story_and_imports_both(client: Client, alice: User) -> None:
    client.force_login(alice)
    client.post(IMPORT, upload("merged.md", MERGED))
    parsed = pending(client)
    assert len(parsed.stories) == 1
    assert "\n\nShore power becomes mandatory\n\n" in parsed.stories[0].paragraph

    client.post(CORRECT, corrections(client, "split:1", **{"split_at-1": "2"}))
    assert "Story 1 (“Tidal turbines switched on”) has no source." in (
        client.get(PREVIEW).content.decode()
    )
    response = client.post(
        CORRECT, corrections(client, **{"form-0-source": "Harbour Tribune"}), follow=True
    )

    page = response.content.decode()
    assert "1. Tidal turbines switched on" in page
    assert "2. Shore power becomes mandatory" in page
    assert "To fix before importing" not in page
    assert Story.objects.count() == 0  # not yet

    client.post(CONFIRM)

    issue = Issue.objects.get()
    assert issue.number == 16
    assert [(s.headline, s.source.name, s.status) for s in issue.ordered_stories()] == [
        ("Tidal turbines switched on", "Harbour Tribune", Status.DRAFT),
        ("Shore power becomes mandatory", "Coastal Ledger", Status.DRAFT),
    ]
    assert "Four turbines began" in issue.ordered_stories()[0].body


def test_alice_merges_two_stories_back_into_one(client: Client, alice: User) -> None:
    client.force_login(alice)
    client.post(IMPORT, upload("clinic.md", (ARCHIVE / "clinic-roundup.md").read_bytes()))

    client.post(CORRECT, corrections(client, "merge:1"))

    parsed = pending(client)
    assert len(parsed.stories) == 2
    assert parsed.stories[0].headline == "Winter vaccination clinics extend their hours"
    assert "\n\nNew triage desk cuts waiting times\n\n" in parsed.stories[0].paragraph
    assert parsed.stories[0].source == "Ward Gazette"


def test_a_block_marked_not_a_story_is_set_aside_and_can_come_back(
    client: Client, alice: User
) -> None:
    client.force_login(alice)
    client.post(IMPORT, upload("textile.txt", (ARCHIVE / "textile-bulletin.txt").read_bytes()))

    client.post(CORRECT, corrections(client, "aside:3"))

    parsed = pending(client)
    assert [s.headline for s in parsed.stories][-1] == "Dye works cut water use by a third"
    assert parsed.set_aside[-1].text.startswith("Wool auction prices steady")
    page = client.get(PREVIEW).content.decode()
    assert "Set aside, not imported" in page

    client.post(CORRECT, corrections(client, f"story:{len(parsed.set_aside)}"))

    parsed = pending(client)
    assert len(parsed.stories) == 3
    assert parsed.stories[-1].headline == ""
    assert "Story 3 has no headline." in client.get(PREVIEW).content.decode()


def test_alice_sets_the_period_and_number(client: Client, alice: User) -> None:
    client.force_login(alice)
    client.post(IMPORT, upload("textile.txt", (ARCHIVE / "textile-bulletin.txt").read_bytes()))

    client.post(CORRECT, corrections(client, period="Week of 16 March 2026", number="40"))
    client.post(CONFIRM)

    issue = Issue.objects.get()
    assert (issue.number, issue.period) == (40, "16 - 22 March 2026")


def test_an_unreadable_period_is_refused_and_nothing_changes(client: Client, alice: User) -> None:
    client.force_login(alice)
    client.post(IMPORT, upload("textile.txt", (ARCHIVE / "textile-bulletin.txt").read_bytes()))
    before = client.session[SESSION_KEY]

    response = client.post(
        CORRECT, corrections(client, period="sometime", **{"form-0-headline": "Changed"})
    )

    assert response.status_code == 400
    assert "Unreadable period" in response.content.decode()
    assert client.session[SESSION_KEY] == before


def test_a_split_at_a_paragraph_that_is_not_there_is_refused(client: Client, alice: User) -> None:
    client.force_login(alice)
    client.post(IMPORT, upload("textile.txt", (ARCHIVE / "textile-bulletin.txt").read_bytes()))

    response = client.post(CORRECT, corrections(client, "split:1", **{"split_at-1": "5"}))

    assert response.status_code == 400
    assert "The story has 1 paragraphs" in response.content.decode()
    assert len(pending(client).stories) == 3


def test_confirming_with_a_story_still_without_source_imports_nothing(
    client: Client, alice: User
) -> None:
    client.force_login(alice)
    client.post(IMPORT, upload("merged.md", MERGED))
    client.post(CORRECT, corrections(client, "split:1", **{"split_at-1": "2"}))

    response = client.post(CONFIRM)

    assert response.status_code == 409
    assert "has no source: set it in the preview" in response.content.decode()
    assert Issue.objects.count() == Story.objects.count() == 0


def test_a_file_without_a_period_asks_for_it_and_takes_it(client: Client, alice: User) -> None:
    text = b"Harbour Weekly\n\n**First headline**\n\nIts paragraph. (Tribune)\n"
    client.force_login(alice)

    refused = client.post(IMPORT, upload("weekly.md", text))
    taken = client.post(IMPORT, upload("weekly.md", text, period="9–15 March 2026"))

    assert "but no period line" in refused.content.decode()
    assert "set the period" in refused.content.decode()
    assert "NEWSLETTER" not in refused.content.decode()
    assert "No. 1, 9 - 15 March 2026" in taken.content.decode()


def test_sources_are_matched_whatever_their_case_and_spacing(client: Client, alice: User) -> None:
    existing = factories.make_source("Weavers' Gazette")
    text = (
        (ARCHIVE / "textile-bulletin.txt")
        .read_text()
        .replace("(Weavers' Gazette)", "(  WEAVERS'   gazette )")
    )
    client.force_login(alice)
    client.post(IMPORT, upload("textile.txt", text.encode()))

    client.post(CONFIRM)

    stories = Issue.objects.get().ordered_stories()
    assert stories[0].source == existing
    assert Source.objects.filter(name__iexact="weavers' gazette").count() == 1


def test_a_zip_of_back_issues_is_reported_and_imported_together(
    client: Client, alice: User
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in ("harbour-weekly.docx", "transit-notes.pdf", "textile-bulletin.txt"):
            archive.write(ARCHIVE / name, f"back-issues/{name}")
        archive.writestr("back-issues/notes.txt", "Just a note, not an issue.")
        archive.writestr("__MACOSX/._harbour-weekly.docx", "resource fork")
    client.force_login(alice)

    response = client.post(IMPORT, upload("back-issues.zip", buffer.getvalue()))

    page = response.content.decode()
    assert "Harbour Energy Weekly, no. 16, 9 - 15 March 2026: 4 stories" in page
    assert "TRANSIT NOTES, no. 7, 4 - 10 May 2026: 5 stories" in page
    assert "no number printed: the newsletter&#x27;s next one" in page
    assert "Not readable:" in page and "notes.txt" in page
    assert "Import 3 of 4 issues" in page
    assert Issue.objects.count() == 0

    client.post(CONFIRM)

    assert Issue.objects.count() == 3
    assert Story.objects.count() == 12
    assert BATCH_KEY not in client.session


def test_bob_a_reviewer_may_not_correct_an_import(client: Client, bob: User) -> None:
    client.force_login(bob)

    assert client.get(PREVIEW).status_code == 403
    assert client.post(CORRECT, {"action": "apply"}).status_code == 403


def test_correcting_without_an_upload_sends_back_to_the_upload(client: Client, alice: User) -> None:
    client.force_login(alice)

    response = client.post(CORRECT, {"action": "merge:1"}, follow=True)

    assert response.redirect_chain[-1][0] == IMPORT
    assert "There is nothing to import" in response.content.decode()


def test_a_zip_too_big_for_the_page_points_to_the_command(client: Client, alice: User) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for n in range(61):
            archive.writestr(f"issue-{n}.txt", "Weekly\n")
    client.force_login(alice)

    response = client.post(IMPORT, upload("many.zip", buffer.getvalue()))

    assert "the page reads at most 60 at once" in response.content.decode()
    assert "manage.py import_newsletter" in response.content.decode()
    assert BATCH_KEY not in client.session


def test_corrections_from_an_older_preview_are_not_applied(client: Client, alice: User) -> None:
    client.force_login(alice)
    client.post(IMPORT, upload("textile.txt", (ARCHIVE / "textile-bulletin.txt").read_bytes()))
    stale = corrections(client, "apply", **{"form-0-headline": "From the old tab"})
    client.post(CORRECT, corrections(client, "merge:1"))

    response = client.post(CORRECT, stale)

    assert response.status_code == 409
    assert "The preview changed meanwhile" in response.content.decode()
    assert pending(client).stories[0].headline == "Cotton mills report a busy spring order book"
