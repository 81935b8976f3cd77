"""Correcting a published issue: a reviewer starts, an editor fixes, a second
reviewer publishes the next edition; the earlier edition stays as it was."""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.core import mail
from django.template.defaultfilters import filesizeformat
from django.test import Client, TestCase
from django.urls import reverse

from issues.corrections.mail import mail_correction
from issues.models import Issue
from issues.models.editions import Correction, Edition
from issues.publishing.publish import publish_issue
from newsroom import roles
from newsroom.models import Newsletter, Story
from newsroom.models.private_addresses import PrivateAddressKey, Purpose
from newsroom.review.workflow import Status
from tests import factories
from tests.factories import client_for
from tests.issue_helpers import make_issue_in_review, pdf_text

WRONG = "<p>The harbour board signed a contract worth 14 million for the new cable.</p>"
RIGHT = "<p>The harbour board signed a contract worth 41 million for the new cable.</p>"
NOTE = "the contract value is 41 million, not 14 million"
ATOM = "{http://www.w3.org/2005/Atom}"


def desk(name: str, issue: Issue, *args: object) -> str:
    return reverse(f"issue_desk:{name}", args=[issue.pk, *args])


@pytest.fixture
def issue(
    newsletter: Newsletter,
    alice: User,
    bob: User,
    dave: User,
    django_capture_on_commit_callbacks: Any,
) -> Issue:
    """Published and mailed to Dave; its first story has a wrong figure, printed in edition 1."""
    issue = make_issue_in_review(
        newsletter=newsletter,
        editor=alice,
        reviewer=bob,
        headlines=("Port Avel signs its cable contract", "Lowmarsh opens a chip school"),
        number=5,
    )
    Story.objects.filter(pk=issue.ordered_stories()[0].pk).update(body=WRONG)
    with django_capture_on_commit_callbacks(execute=True):
        publish_issue(issue=issue, by=bob)
    assert issue.deliveries.filter(user=dave, sent_at__isnull=False).exists()
    assert "14 million" in pdf_text(stored(issue.editions.get()))
    return issue


def stored(edition: Edition, document: str = "pdf") -> bytes:
    with getattr(edition, f"{document}_file").open("rb") as f:
        return f.read()


def start(issue: Issue, reviewer: User) -> Correction:
    story = issue.ordered_stories()[0]
    response = client_for(reviewer).post(
        desk("correction_start", issue), {"story": story.pk, "note": NOTE}
    )
    correction = Correction.objects.get(issue=issue)
    assert response.status_code == 302 and response["Location"] == correction.get_absolute_url()
    return correction


def edit(correction: Correction, editor: User, body: str = RIGHT) -> None:
    response = client_for(editor).post(
        reverse("issue_desk:correction", args=[correction.issue_id, correction.pk]),
        {
            "headline": correction.headline,
            "body": body,
            "note": correction.note,
            "version": correction.version,
        },
    )
    assert response.status_code == 302, response.content.decode()


def submit(correction: Correction, editor: User) -> None:
    client_for(editor).post(desk("correction_submit", correction.issue, correction.pk))


def publish_as(correction: Correction, reviewer: User) -> Client:
    client = client_for(reviewer)
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(desk("correction_publish", correction.issue, correction.pk))
    return client


@pytest.fixture
def corrected(issue: Issue, alice: User, bob: User, carol: User) -> Issue:
    """Bob starts, Alice fixes and submits, Carol publishes edition 2."""
    mail.outbox.clear()
    correction = start(issue, bob)
    edit(correction, alice)
    submit(correction, alice)
    publish_as(correction, carol)
    return issue


def test_a_reviewer_starts_a_correction_with_the_story_as_published(
    issue: Issue, bob: User
) -> None:
    correction = start(issue, bob)
    story = issue.ordered_stories()[0]
    assert (correction.status, correction.body, correction.note) == (Status.DRAFT, WRONG, NOTE)
    row = correction.transitions.get()
    assert (row.transition, row.by, row.comment) == ("start", bob, NOTE)
    story.refresh_from_db()
    assert story.status == Status.PUBLISHED and story.body == WRONG
    assert issue.editions.count() == 1


def test_publishing_a_correction_stores_edition_two_and_keeps_edition_one(
    issue: Issue, alice: User, bob: User, carol: User
) -> None:
    first = issue.editions.get()
    first_pdf, first_html = stored(first), stored(first, "html")
    correction = start(issue, bob)
    edit(correction, alice)
    submit(correction, alice)
    publish_as(correction, carol)

    correction.refresh_from_db()
    assert correction.status == Status.PUBLISHED
    second = issue.editions.get(number=2)
    assert correction.edition == second
    assert (second.published_by, second.correction_note) == (carol, NOTE)
    pdf = stored(second)
    assert second.pdf_sha256 == hashlib.sha256(pdf).hexdigest() != first.pdf_sha256
    text = pdf_text(pdf)
    assert "41 million" in text and "14 million for the new cable" not in text
    date = f"{second.published_at.day} {second.published_at:%B %Y}"
    # The note is printed at the foot of the corrected story, before the next one.
    note = f"Corrected on {date}: {NOTE}"
    assert text.index("41 million") < text.index(note) < text.index("Lowmarsh opens a chip")
    assert "Corrected on" not in pdf_text(first_pdf)
    assert "Corrected on" in stored(second, "html").decode()
    # The masthead says which edition this is; the first says nothing of it.
    assert (
        "Edition 2 (corrected)" in text
        and "Edition 2 (corrected)" in stored(second, "html").decode()
    )
    assert "Edition" not in pdf_text(first_pdf)
    # Edition 1, byte for byte: the stored files still hash to what was published.
    again = Edition.objects.get(pk=first.pk)
    assert again.pdf_file.name == first.pdf_file.name
    assert again.html_file.name == first.html_file.name
    assert (stored(again), stored(again, "html")) == (first_pdf, first_html)
    assert hashlib.sha256(stored(again)).hexdigest() == first.pdf_sha256
    assert hashlib.sha256(stored(again, "html")).hexdigest() == first.html_sha256
    # The story has the corrected text, a new version and history; still in the issue.
    story = correction.story
    story.refresh_from_db()
    assert story.body == RIGHT and story.status == Status.PUBLISHED
    assert "Corrected in edition 2" in story.history.first().history_change_reason
    # The record: the correction's steps and the issue's new edition, who and why.
    steps = list(correction.transitions.order_by("at", "pk").values_list("transition", "by"))
    assert steps == [("start", bob.pk), ("submit", alice.pk), ("publish", carol.pk)]
    row = issue.transitions.get(transition="correct")
    assert (row.by, row.comment, row.from_status, row.to_status) == (
        carol,
        NOTE,
        Status.PUBLISHED,
        Status.PUBLISHED,
    )


def test_the_editor_of_a_correction_cannot_publish_it(
    issue: Issue, bob: User, newsletter: Newsletter
) -> None:
    frank = factories.make_editor("frank")
    frank.groups.add(Group.objects.get(name=roles.REVIEWERS))
    correction = start(issue, bob)
    edit(correction, frank)
    submit(correction, frank)

    client = publish_as(correction, frank)

    correction.refresh_from_db()
    assert correction.status == Status.REVIEW and correction.edition is None
    page = client.get(correction.get_absolute_url()).content.decode()
    assert "another reviewer publishes it" in page
    assert issue.editions.count() == 1
    assert not correction.transitions.filter(transition="publish").exists()


def test_the_reviewer_who_started_a_correction_does_not_publish_it(
    issue: Issue, alice: User, bob: User
) -> None:
    correction = start(issue, bob)
    edit(correction, alice)
    submit(correction, alice)
    publish_as(correction, bob)
    correction.refresh_from_db()
    assert correction.status == Status.REVIEW
    assert issue.editions.count() == 1


def test_an_editor_cannot_start_or_publish_a_correction(issue: Issue, alice: User) -> None:
    story = issue.ordered_stories()[0]
    client = client_for(alice)
    response = client.post(desk("correction_start", issue), {"story": story.pk, "note": NOTE})
    assert response.status_code == 403
    assert not Correction.objects.exists()


def test_an_unpublished_issue_is_not_corrected(
    newsletter: Newsletter, alice: User, bob: User
) -> None:
    draft = make_issue_in_review(newsletter=newsletter, editor=alice, reviewer=bob, count=1)
    story = draft.ordered_stories()[0]
    response = client_for(bob).post(
        desk("correction_start", draft), {"story": story.pk, "note": NOTE}, follow=True
    )
    assert "Only a published issue is corrected" in response.content.decode()
    assert not Correction.objects.exists()


def test_a_correction_needs_a_note_and_a_changed_text(issue: Issue, alice: User, bob: User) -> None:
    story = issue.ordered_stories()[0]
    response = client_for(bob).post(
        desk("correction_start", issue), {"story": story.pk, "note": "  "}, follow=True
    )
    assert "Say what is wrong" in response.content.decode()
    correction = start(issue, bob)
    response = client_for(alice).post(desk("correction_submit", issue, correction.pk), follow=True)
    assert "same as the published one" in response.content.decode()
    correction.refresh_from_db()
    assert correction.status == Status.DRAFT


def test_one_correction_at_a_time(issue: Issue, bob: User, carol: User) -> None:
    start(issue, bob)
    story = issue.ordered_stories()[1]
    response = client_for(carol).post(
        desk("correction_start", issue), {"story": story.pk, "note": NOTE}, follow=True
    )
    assert "already has a correction in progress" in response.content.decode()
    assert Correction.objects.count() == 1


def test_a_published_correction_and_its_edition_cannot_change(
    corrected: Issue, alice: User
) -> None:
    correction = Correction.objects.get()
    assert not correction.can_edit(alice)
    response = client_for(alice).post(
        correction.get_absolute_url(),
        {"headline": "x", "body": "<p>x</p>", "note": "x", "version": correction.version},
    )
    assert response.status_code == 403
    correction.refresh_from_db()
    assert correction.body == RIGHT


def test_the_latest_edition_is_served_everywhere_and_the_earlier_one_still_downloads(
    corrected: Issue, dave: User
) -> None:
    first, second = corrected.editions.order_by("number")
    client = client_for(dave)
    args = [corrected.newsletter.slug, corrected.number]

    default = client.get(reverse("issues:issue_pdf", args=args))
    assert b"".join(default.streaming_content) == stored(second)
    html = client.get(reverse("issues:issue_html", args=args))
    assert hashlib.sha256(html.content).hexdigest() == second.html_sha256
    earlier = client.get(reverse("issues:edition_pdf", args=[*args, 1]))
    assert hashlib.sha256(b"".join(earlier.streaming_content)).hexdigest() == first.pdf_sha256
    assert "edition-1" not in default["Content-Disposition"]

    page = client.get(corrected.get_absolute_url()).content.decode()
    assert "Corrected on" in page and NOTE in page
    assert "41 million" in page and "14 million for the new cable" not in page
    assert second.pdf_sha256 in page and first.pdf_sha256 in page
    assert "earlier edition" in page
    archive = client.get(reverse("issues:archive")).content.decode()
    assert "Corrected" in archive
    assert f"PDF, {filesizeformat(second.pdf_size)}" in archive


@pytest.mark.parametrize("signed_links", [False, True])
def test_the_archive_and_issue_page_download_links_serve_the_latest_edition(
    corrected: Issue, dave: User, settings: Any, signed_links: bool
) -> None:
    settings.NEWSROOM_SIGNED_LINKS = signed_links
    second = corrected.editions.get(number=2)
    client = client_for(dave)
    for page in (reverse("issues:archive"), corrected.get_absolute_url()):
        html = client.get(page).content.decode()
        [href] = set(re.findall(r'href="([^"]*(?:\.pdf|/download/[^"]*))"', html)) - {
            reverse("issues:edition_pdf", args=["ict", corrected.number, n]) for n in (1, 2)
        }
        response = client.get(href)
        assert b"".join(response.streaming_content) == stored(second), page


def test_the_public_feed_updates_its_entry_for_the_new_edition(corrected: Issue) -> None:
    second = corrected.editions.get(number=2)
    feed = Client().get("/feeds/ict.atom")
    [entry] = ET.fromstring(feed.content).findall(f"{ATOM}entry")  # noqa: S314
    assert entry.findtext(f"{ATOM}updated").startswith(
        second.published_at.strftime("%Y-%m-%dT%H:%M:%S")
    )
    # The entry says what changed, for a feed reader that shows it again.
    assert "Edition 2, corrected on" in entry.findtext(f"{ATOM}summary")
    assert NOTE in entry.findtext(f"{ATOM}summary")


def test_the_private_feed_updates_its_entry_for_the_new_edition(
    corrected: Issue, dave: User
) -> None:
    second = corrected.editions.get(number=2)
    token = PrivateAddressKey.objects.create(purpose=Purpose.FEED, user=dave)
    feed = Client().get(f"/feeds/private/{token.key}/ict.atom")
    [entry] = ET.fromstring(feed.content).findall(f"{ATOM}entry")  # noqa: S314
    updated = entry.findtext(f"{ATOM}updated")
    assert updated.startswith(second.published_at.strftime("%Y-%m-%dT%H:%M:%S"))
    enclosure = entry.find(f"{ATOM}link[@rel='enclosure']")
    assert enclosure.get("length") == str(second.pdf_size)


def test_readers_who_received_the_issue_get_one_mail_naming_the_change(
    corrected: Issue, dave: User
) -> None:
    [message] = mail.outbox
    assert message.to == [dave.email]
    assert message.subject.startswith("Correction:")
    assert NOTE in message.body and "edition 2" in message.body
    # A retry mails nobody twice.
    assert mail_correction.call(Correction.objects.get().pk) == 0
    assert len(mail.outbox) == 1


def test_a_subscriber_who_never_received_the_issue_gets_no_correction_mail(
    issue: Issue, alice: User, bob: User, carol: User, newsletter: Newsletter
) -> None:
    factories.make_subscriber("gina", newsletter)  # subscribed after it went out
    mail.outbox.clear()
    correction = start(issue, bob)
    edit(correction, alice)
    submit(correction, alice)
    publish_as(correction, carol)
    assert [m.to for m in mail.outbox] == [["dave@example.org"]]


def test_a_second_correction_is_edition_three_and_earlier_editions_stay(
    corrected: Issue, alice: User, bob: User, carol: User
) -> None:
    first, second = corrected.editions.order_by("number")
    before = {e.number: (stored(e), stored(e, "html")) for e in (first, second)}
    # The record is the edition: a row changed behind the workflow's back
    # (a shell, a migration) changes no printed or listed note.
    Correction.objects.filter(pk=second.correction.pk).update(note="rewritten later")
    story = corrected.ordered_stories()[1]
    response = client_for(carol).post(
        desk("correction_start", corrected), {"story": story.pk, "note": "it opens in March"}
    )
    assert response.status_code == 302
    correction = Correction.objects.open().get()
    edit(correction, alice, body="<p>Lowmarsh opens its chip school in March.</p>")
    submit(correction, alice)
    publish_as(correction, bob)

    third = corrected.editions.get(number=3)
    text = pdf_text(stored(third))
    assert NOTE in text and "it opens in March" in text and "rewritten later" not in text
    assert "Edition 3 (corrected)" in text
    page = client_for(alice).get(corrected.get_absolute_url()).content.decode()
    assert NOTE in page and "rewritten later" not in page
    for edition in (first, second):
        again = Edition.objects.get(pk=edition.pk)
        assert (stored(again), stored(again, "html")) == before[edition.number]
    rows = corrected.transitions.filter(transition="correct").order_by("at", "pk")
    assert [(row.by, row.note) for row in rows] == [
        (carol, "edition 2: “Port Avel signs its cable contract” corrected"),
        (bob, "edition 3: “Lowmarsh opens a chip school” corrected"),
    ]


def test_the_correction_page_shows_what_changed_and_who_may_publish(
    issue: Issue, alice: User, bob: User, carol: User
) -> None:
    correction = start(issue, bob)
    page = client_for(alice).get(correction.get_absolute_url()).content.decode()
    assert "Nothing yet: the saved text is the published one. Fix it and save" in page
    assert "Submit the correction for review" not in page

    edit(correction, alice)
    submit(correction, alice)
    # The second reviewer sees the change word by word, and may publish it.
    page = client_for(carol).get(correction.get_absolute_url()).content.decode()
    assert "<del>14</del><ins>41</ins>" in page
    assert "Publish the correction" in page and "you become one of its editors" in page
    # The reviewer who started it is told why there is no button for them.
    page = client_for(bob).get(correction.get_absolute_url()).content.decode()
    assert "Publish the correction</button>" not in page
    assert "You started this correction: a second reviewer publishes it." in page

    publish_as(correction, carol)
    page = client_for(bob).get(correction.get_absolute_url()).content.decode()
    assert "Published as edition 2" in page and "What changed" not in page
    args = [issue.newsletter.slug, issue.number]
    assert reverse("issues:edition_pdf", args=[*args, 1]) in page


def test_the_readers_history_says_which_edition_each_download_was(
    corrected: Issue, dave: User
) -> None:
    client = client_for(dave)
    args = [corrected.newsletter.slug, corrected.number]
    b"".join(client.get(reverse("issues:issue_pdf", args=args)).streaming_content)
    b"".join(client.get(reverse("issues:edition_pdf", args=[*args, 1])).streaming_content)

    page = client.get(reverse("issues:account")).content.decode()

    assert f"no. {corrected.number}, edition 2</td>" in page
    assert f"no. {corrected.number}, edition 1 (earlier)</td>" in page
    issue_page = client.get(corrected.get_absolute_url()).content.decode()
    assert "Edition 2</strong> (latest: the download above)" in issue_page
