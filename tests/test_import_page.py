"""The desk's import page: Alice (an editor) uploads a back issue, checks the
preview and confirms; Bob (a reviewer only) may not import."""

from __future__ import annotations

import datetime
from pathlib import Path

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from issues.desk.import_page import SESSION_KEY
from issues.models import Issue
from issues.rendering import documents
from newsroom.models import Newsletter, Source, Story
from newsroom.review.workflow import Status
from tests import factories

FIXTURES = Path(__file__).parent / "fixtures" / "import"
IMPORT = reverse("issue_desk:import")
CONFIRM = reverse("issue_desk:import_confirm")


def upload(name: str, content: bytes | None = None, **fields: object) -> dict[str, object]:
    content = content if content is not None else (FIXTURES / name).read_bytes()
    return {"file": SimpleUploadedFile(name, content), **fields}


def counts() -> tuple[int, int, int, int]:
    return (
        Newsletter.objects.count(),
        Source.objects.count(),
        Story.objects.count(),
        Issue.objects.count(),
    )


def test_alice_previews_an_issue_and_nothing_is_saved_yet(
    client: Client, alice: User, newsletter: Newsletter
) -> None:
    client.force_login(alice)
    before = counts()

    response = client.post(IMPORT, upload("basic.md"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Information and Communication Technology (ICT)" in page
    assert "No. 1, 24 - 30 November 2025" in page
    assert "1. Port Aldren opens its first undersea data centre" in page
    assert "5. Robotics fair draws record crowds in Northgate" in page
    assert "new source" in page
    assert counts() == before
    assert client.session[SESSION_KEY]["name"] == "basic.md"


def test_alice_confirms_and_gets_a_draft_issue_in_the_builder(
    client: Client, alice: User, newsletter: Newsletter
) -> None:
    client.force_login(alice)
    client.post(IMPORT, upload("escapes.md", number=12))

    response = client.post(CONFIRM, follow=True)

    issue = Issue.objects.get()
    assert response.redirect_chain[-1][0] == reverse("issue_desk:issue_builder", args=[issue.pk])
    assert "Imported Information and Communication Technology (ICT) no. 12" in (
        response.content.decode()
    )
    assert (issue.number, issue.created_by, issue.status) == (12, alice, Status.DRAFT)
    headlines = [s.headline for s in issue.ordered_stories()]
    assert headlines[1] == "Engineer 李明华 wins the Kessel prize for *open* hardware"
    assert {s.status for s in issue.ordered_stories()} == {Status.DRAFT}
    assert SESSION_KEY not in client.session


def test_imported_drafts_wait_on_alices_own_desk(
    client: Client, alice: User, newsletter: Newsletter
) -> None:
    client.force_login(alice)
    client.post(IMPORT, upload("basic.md"))
    client.post(CONFIRM)

    issue = Issue.objects.get()
    assert {(s.author, s.status) for s in issue.ordered_stories()} == {(alice, Status.DRAFT)}
    desk = client.get(reverse("desk:dashboard")).content.decode()
    my_drafts = desk[desk.index('id="my-drafts"') :]
    assert "Port Aldren opens its first undersea data centre" in my_drafts
    assert not User.objects.filter(username="importer").exists()


def test_alice_imports_into_the_newsletter_she_chooses(client: Client, alice: User) -> None:
    archive = factories.make_newsletter("Archive Copy", slug="archive")
    client.force_login(alice)

    client.post(IMPORT, upload("across_years.md", newsletter=archive.pk))
    client.post(CONFIRM)

    assert archive.issues.get().period == "29 December 2025 - 4 January 2026"  # type: ignore[attr-defined]
    assert not Newsletter.objects.filter(title__iexact="Maritime and Ports").exists()


def test_a_pdf_issue_previews_like_its_text(
    client: Client, alice: User, bob: User, newsletter: Newsletter
) -> None:
    stories = [
        factories.make_story(
            author=alice,
            newsletter=newsletter,
            status=Status.PUBLISHED,
            reviewer=bob,
            headline=f"Tram line {n} opens in Northgate",
            source=factories.make_source("Valley Courier"),
        )
        for n in (1, 2)
    ]
    issue = factories.make_issue(newsletter=newsletter, created_by=alice, stories=stories)
    pdf = documents.render_pdf(issue)
    archive = factories.make_newsletter("Archive Copy", slug="archive")
    client.force_login(alice)

    response = client.post(IMPORT, upload("issue.pdf", pdf, newsletter=archive.pk))

    page = response.content.decode()
    assert "1. Tram line 1 opens in Northgate" in page
    assert "2. Tram line 2 opens in Northgate" in page
    assert "No. 1, 24 - 30 November 2025" in page
    assert "Archive Copy" in page


def test_an_unreadable_issue_is_shown_with_its_line(
    client: Client, alice: User, newsletter: Newsletter
) -> None:
    client.force_login(alice)
    before = counts()

    response = client.post(IMPORT, upload("error_no_source.md"))

    assert response.status_code == 200
    assert "Line 7: the story “Millbrook buses get live arrival screens” has no source" in (
        response.content.decode()
    )
    assert SESSION_KEY not in client.session
    assert counts() == before


def test_an_issue_that_exists_already_is_refused_at_preview(
    client: Client, alice: User, newsletter: Newsletter
) -> None:
    factories.make_issue(
        newsletter=newsletter, created_by=alice, number=4, period_start=datetime.date(2025, 11, 3)
    )
    client.force_login(alice)

    response = client.post(IMPORT, upload("basic.md", number=4))

    assert (
        "Line 3: Information and Communication Technology (ICT) already has an issue number 4"
        in (response.content.decode())
    )
    assert SESSION_KEY not in client.session


def test_only_the_formats_we_read_are_accepted(client: Client, alice: User) -> None:
    client.force_login(alice)

    response = client.post(IMPORT, upload("issue.doc", b"\xd0\xcf\x11\xe0"))

    assert "Upload a .docx, .pdf, .txt, .md or .zip file." in response.content.decode()
    assert SESSION_KEY not in client.session


def test_a_broken_word_file_is_refused_in_words(client: Client, alice: User) -> None:
    client.force_login(alice)

    response = client.post(IMPORT, upload("issue.docx", b"PK\x03\x04"))

    assert "issue.docx: this is not a Word .docx file" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_a_number_taken_between_preview_and_confirm_imports_nothing(
    client: Client, alice: User, newsletter: Newsletter
) -> None:
    client.force_login(alice)
    client.post(IMPORT, upload("basic.md", number=9))
    factories.make_issue(
        newsletter=newsletter, created_by=alice, number=9, period_start=datetime.date(2025, 11, 3)
    )
    before = counts()

    response = client.post(CONFIRM)

    assert response.status_code == 409
    assert "already has an issue number 9" in response.content.decode()
    assert counts() == before


def test_confirming_without_a_preview_imports_nothing(client: Client, alice: User) -> None:
    client.force_login(alice)

    response = client.post(CONFIRM, follow=True)

    assert response.redirect_chain[-1][0] == IMPORT
    assert "There is nothing to import" in response.content.decode()
    assert Issue.objects.count() == 0


def test_bob_a_reviewer_may_not_import(client: Client, bob: User) -> None:
    client.force_login(bob)
    session = client.session
    session[SESSION_KEY] = {
        "name": "basic.md",
        "text": (FIXTURES / "basic.md").read_text(),
        "newsletter": None,
        "number": None,
    }
    session.save()

    assert client.get(IMPORT).status_code == 403
    assert client.post(IMPORT, upload("basic.md")).status_code == 403
    assert client.post(CONFIRM).status_code == 403
    assert counts() == (0, 0, 0, 0)


def test_the_import_page_needs_a_login_and_confirm_needs_a_post(
    client: Client, alice: User
) -> None:
    assert client.get(IMPORT)["Location"].startswith(reverse("login"))
    client.force_login(alice)
    assert client.get(CONFIRM).status_code == 405
