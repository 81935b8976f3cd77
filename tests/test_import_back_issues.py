"""Back issues as the record they are: Alice (an editor) imports a
publisher's Word issue, Bob (a reviewer) publishes it as it was; Dave, a
subscriber, finds it in the archive. Four eyes are kept."""

from __future__ import annotations

import datetime
import hashlib
from pathlib import Path

from django.contrib.auth.models import Group, User
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from issues.importing import IMPORT_NOTE
from issues.importing.back_issues import back_issue_refusal, untouched_import
from issues.models import Issue, IssueTransition
from newsroom import roles
from newsroom.models import Newsletter, StoryTransition
from newsroom.review.workflow import Status
from tests import factories

ARCHIVE = Path(__file__).parent / "fixtures" / "archive"


def imported_by(client: Client, user: User, newsletter: Newsletter | None = None) -> Issue:
    client.force_login(user)
    data = (ARCHIVE / "harbour-weekly.docx").read_bytes()
    fields: dict[str, object] = {"file": SimpleUploadedFile("harbour-weekly.docx", data)}
    if newsletter is not None:
        fields["newsletter"] = newsletter.pk
    client.post(reverse("issue_desk:import"), fields)
    client.post(reverse("issue_desk:import_confirm"))
    client.logout()
    return Issue.objects.get()


def publish_url(issue: Issue) -> str:
    return reverse("issue_desk:issue_publish_back_issue", args=[issue.pk])


def test_bob_publishes_alices_import_as_the_back_issue_it_is(
    client: Client, alice: User, bob: User
) -> None:
    newsletter = factories.make_newsletter("Harbour Energy Weekly", slug="harbour")
    dave = factories.make_subscriber("dave", newsletter)
    issue = imported_by(client, alice, newsletter)
    client.force_login(bob)
    builder = client.get(reverse("issue_desk:issue_builder", args=[issue.pk])).text
    assert "Publish as a back issue" in builder

    response = client.post(publish_url(issue), follow=True)

    issue.refresh_from_db()
    assert "as a back issue, dated 9 March 2026" in response.text
    assert issue.status == Status.PUBLISHED
    assert timezone.localtime(issue.published_at).date() == datetime.date(2026, 3, 9)
    assert issue.latest_edition is not None
    stories = issue.ordered_stories()
    assert {(s.status, s.author) for s in stories} == {(Status.PUBLISHED, alice)}
    approvals = StoryTransition.objects.filter(story__in=stories, to_status=Status.PUBLISHED)
    assert {(t.by, t.note) for t in approvals} == {(bob, IMPORT_NOTE)}
    published = IssueTransition.objects.get(issue=issue, to_status=Status.PUBLISHED)
    assert (published.by, published.note) == (bob, IMPORT_NOTE)
    assert mail.outbox == []
    client.force_login(dave)
    archive = client.get(reverse("issues:archive")).text
    assert "Harbour Energy Weekly" in archive
    assert "9 - 15 March 2026" in archive


def test_the_importer_may_not_publish_their_own_import(
    client: Client, carol: User, bob: User
) -> None:
    carol.groups.add(Group.objects.get(name=roles.EDITORS))  # an editor and a reviewer
    issue = imported_by(client, carol)
    client.force_login(carol)

    response = client.post(publish_url(issue), follow=True)

    issue.refresh_from_db()
    assert "You imported this issue: another reviewer publishes it (four eyes)." in response.text
    assert issue.status == Status.DRAFT
    assert back_issue_refusal(issue, bob) == ""


def test_an_editor_may_not_publish_a_back_issue(client: Client, alice: User, erin: User) -> None:
    issue = imported_by(client, alice)
    client.force_login(erin)

    response = client.post(publish_url(issue), follow=True)

    issue.refresh_from_db()
    assert "Only a reviewer publishes a back issue." in response.text
    assert issue.status == Status.DRAFT


def test_an_import_someone_edited_goes_through_review_as_usual(
    client: Client, alice: User, bob: User
) -> None:
    issue = imported_by(client, alice)
    story = issue.ordered_stories()[0]
    story.headline = "Tidal turbines switched on"
    story._change_reason = "fixed the headline"  # type: ignore[attr-defined]
    story.save()

    client.force_login(bob)
    response = client.post(publish_url(issue), follow=True)

    issue.refresh_from_db()
    assert not untouched_import(issue)
    assert "goes through review as usual" in response.text
    assert issue.status == Status.DRAFT
    assert not IssueTransition.objects.filter(issue=issue).exists()


def test_an_issue_built_on_the_desk_is_no_back_issue(alice: User, bob: User) -> None:
    newsletter = factories.make_newsletter()
    story = factories.make_story(author=alice, newsletter=newsletter)
    issue = factories.make_issue(newsletter=newsletter, created_by=alice, stories=[story])

    assert not untouched_import(issue)
    assert "goes through review as usual" in back_issue_refusal(issue, bob)


def test_publishing_a_back_issue_needs_a_post(client: Client, alice: User, bob: User) -> None:
    issue = imported_by(client, alice)
    client.force_login(bob)

    assert client.get(publish_url(issue)).status_code == 405


def test_the_publishers_own_pdf_is_kept_beside_and_subscribers_download_it(
    client: Client, alice: User, bob: User
) -> None:
    newsletter = factories.make_newsletter("Harbour Energy Weekly", slug="harbour")
    dave = factories.make_subscriber("dave", newsletter)
    stranger = factories.make_subscriber("sid", factories.make_newsletter("Other", slug="other"))
    original = (ARCHIVE / "harbour-weekly.pdf").read_bytes()
    client.force_login(alice)
    preview = client.post(
        reverse("issue_desk:import"),
        {
            "file": SimpleUploadedFile("harbour-weekly.pdf", original),
            "keep_original": "on",
        },
    )
    assert "kept beside Newsroom's rendering" in preview.text
    client.post(reverse("issue_desk:import_confirm"))
    issue = Issue.objects.get()
    assert issue.original_pdf.sha256 == hashlib.sha256(original).hexdigest()  # type: ignore[attr-defined]
    client.force_login(bob)
    client.post(publish_url(issue))

    client.force_login(dave)
    page = client.get(reverse("issues:issue_detail", args=["harbour", issue.number])).text
    download = client.get(reverse("issues:original_pdf", args=["harbour", issue.number]))

    assert "The publisher's original PDF" in page
    assert b"".join(download.streaming_content) == original  # type: ignore[attr-defined]
    assert download["Content-Disposition"].startswith("attachment")
    client.force_login(stranger)
    assert (
        client.get(reverse("issues:original_pdf", args=["harbour", issue.number])).status_code
        == 404
    )


def test_an_issue_without_an_original_has_no_original_download(
    client: Client, alice: User, bob: User
) -> None:
    newsletter = factories.make_newsletter("Harbour Energy Weekly", slug="harbour")
    dave = factories.make_subscriber("dave", newsletter)
    issue = imported_by(client, alice, newsletter)
    client.force_login(bob)
    client.post(publish_url(issue))
    client.force_login(dave)

    page = client.get(reverse("issues:issue_detail", args=["harbour", issue.number])).text
    response = client.get(reverse("issues:original_pdf", args=["harbour", issue.number]))

    assert "original PDF" not in page
    assert response.status_code == 404
