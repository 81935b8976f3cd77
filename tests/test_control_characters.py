"""Control characters: refused in every text field, dropped from every document.

One ESC in a headline once made every feed of its newsletter answer 500.
"""

from __future__ import annotations

import datetime
import io
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from issues.corrections.correcting import start_correction
from issues.models import Issue, IssueInvitation, IssueInvitationUse
from issues.models.editions import Correction
from newsroom.models import Newsletter, Source, Story, StoryTransition
from newsroom.models.comments import Comment
from newsroom.models.invitations import StoryInvitation, StoryInvitationUse
from newsroom.models.planning import Assignment
from newsroom.models.private_addresses import PrivateAddressKey, Purpose
from newsroom.review.comments import comment_on_passage
from newsroom.review.invitations import invite
from newsroom.review.workflow import PUBLISH, Status, perform
from newsroom.text import FORBIDDEN, one_line, printable, validate_line, validate_text
from tests import factories
from tests.issue_helpers import make_issue_in_review

ATOM = "{http://www.w3.org/2005/Atom}"
ESC, BEL = "\x1b", "\x07"


def story_data(newsletter: Newsletter, **fields: object) -> dict[str, object]:
    return {
        "headline": "Island council switches on free wifi",
        "body": "<p>The island council switched on free public wifi.</p>",
        "source": factories.make_source().name,
        "new_source": "",
        "newsletter": newsletter.pk,
        "original_url": "",
        **fields,
    }


@pytest.mark.parametrize(
    "char", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9b", "\ud800", "\ufffe", "\uffff"]
)
def test_both_validators_refuse_every_kind_of_control_character(char: str) -> None:
    for validator in (validate_line, validate_text):
        with pytest.raises(ValidationError, match="control character"):
            validator(f"Harbour{char}news")


def test_a_multiline_field_keeps_tabs_and_line_breaks_a_one_line_field_refuses_them() -> None:
    validate_text("First line\r\nsecond\tline")
    with pytest.raises(ValidationError, match="one line"):
        validate_line("First line\nsecond")
    assert printable(f"A{ESC}B\tC\nD{BEL}") == "AB\tC\nD"
    assert one_line(f"A{ESC}B\n C") == "AB C"


@pytest.mark.parametrize(
    "field",
    [
        {"headline": f"Island council{ESC}[31m switches on wifi"},
        {"body": f"<p>The council{BEL} switched on wifi.</p>"},
        {"source": "", "new_source": f"Lagoon{ESC} Post"},
    ],
    ids=["headline", "body", "new source"],
)
def test_a_new_story_with_a_control_character_is_refused_and_nothing_is_saved(
    client: Client, alice: User, newsletter: Newsletter, field: dict[str, str]
) -> None:
    client.force_login(alice)
    data = story_data(newsletter, **field)
    sources = Source.objects.count()

    response = client.post("/desk/stories/new/", data)

    assert response.status_code == 200
    assert "invisible control character" in response.content.decode()
    assert not Story.objects.exists()
    assert Source.objects.count() == sources


def test_an_edit_with_a_control_character_is_refused_and_the_story_is_unchanged(
    client: Client, alice: User, newsletter: Newsletter
) -> None:
    story = factories.make_story(author=alice, newsletter=newsletter)
    client.force_login(alice)

    response = client.post(
        f"/desk/stories/{story.pk}/edit/",
        story_data(newsletter, headline=f"Ring{BEL}ring", version=story.version),
    )

    assert "U+0007" in response.content.decode()
    before = story.headline
    story.refresh_from_db()
    assert (story.headline, story.version) == (before, 1)
    assert story.history.count() == 1


def test_a_source_name_with_a_control_character_is_refused(client: Client, alice: User) -> None:
    client.force_login(alice)
    response = client.post("/desk/sources/new/", {"name": f"Coastal{ESC}Ledger", "homepage": ""})
    assert "invisible control character" in response.content.decode()
    assert not Source.objects.exists()


def test_a_request_for_changes_with_a_control_character_is_refused(
    client: Client, alice: User, bob: User, newsletter: Newsletter
) -> None:
    story = factories.make_story(author=alice, newsletter=newsletter, status=Status.REVIEW)
    client.force_login(bob)

    response = client.post(
        f"/desk/stories/{story.pk}/request-changes/",
        {"comment": f"Please fix{ESC} the lead"},
        follow=True,
    )

    assert "U+001B" in response.content.decode()
    story.refresh_from_db()
    assert story.status == Status.REVIEW
    assert not StoryTransition.objects.filter(transition="request_changes").exists()


def test_an_issue_sent_back_with_a_control_character_stays_in_review(
    client: Client, alice: User, bob: User, newsletter: Newsletter
) -> None:
    issue = make_issue_in_review(newsletter=newsletter, editor=alice, reviewer=bob, count=1)
    client.force_login(bob)

    response = client.post(
        f"/desk/issues/{issue.pk}/request-changes/", {"comment": f"Too{BEL} long"}, follow=True
    )

    assert "U+0007" in response.content.decode()
    issue.refresh_from_db()
    assert issue.status == Status.REVIEW
    assert not issue.transitions.filter(transition="request_changes").exists()


def test_a_newsletter_title_with_a_control_character_is_refused_in_the_admin(
    client: Client, admin_user: User
) -> None:
    client.force_login(admin_user)
    response = client.post(
        "/admin/newsroom/newsletter/add/",
        {"title": f"Energy{ESC}", "slug": "energy", "description": f"Power{BEL}"},
    )
    assert response.content.decode().count("invisible control character") == 2
    assert not Newsletter.objects.exists()


@override_settings(NEWSROOM_SELF_SIGNUP=True)
def test_account_fields_with_control_characters_are_refused(client: Client, db: None) -> None:
    response = client.post(
        "/accounts/signup/",
        {
            "username": f"eve{ESC}",
            "email": f"eve{BEL}@example.org",
            "password1": "a-long-enough-password",
            "password2": "a-long-enough-password",
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(username__startswith="eve").exists()
    assert not mail.outbox


def test_a_headline_stored_with_control_characters_cannot_break_the_feeds(
    client: Client, alice: User, bob: User, dave: User, newsletter: Newsletter
) -> None:
    issue = make_issue_in_review(newsletter=newsletter, editor=alice, reviewer=bob, count=1)
    # Written around the validators, as data from before the rule would be.
    Story.objects.filter(issues=issue).update(headline=f"Bell{BEL} and escape{ESC}[0m rang")
    Newsletter.objects.filter(pk=newsletter.pk).update(description=f"Weekly{ESC}")
    client.force_login(bob)
    client.post(f"/desk/issues/{issue.pk}/publish/")
    issue = Issue.objects.get(pk=issue.pk)
    assert issue.status == Status.PUBLISHED
    token = PrivateAddressKey.objects.create(purpose=Purpose.FEED, user=dave)

    for path in ("/feeds/ict.atom", f"/feeds/private/{token.key}/ict.atom"):
        response = client.get(path)
        assert response.status_code == 200
        feed = ET.fromstring(response.content)  # noqa: S314 (our own feed)
        [entry] = feed.findall(f"{ATOM}entry")
        assert "Bell and escape[0m rang" in entry.findtext(f"{ATOM}summary", "")
        assert feed.findtext(f"{ATOM}subtitle") == "Weekly"
    with issue.latest_edition.html_file.open("rb") as stored:
        html = stored.read().decode()
    assert "Bell and escape[0m rang" in html
    assert ESC not in html and BEL not in html


def test_a_comment_on_a_passage_with_a_control_character_is_refused(
    client: Client, alice: User, bob: User, newsletter: Newsletter
) -> None:
    story = factories.make_story(author=alice, newsletter=newsletter, status=Status.REVIEW)
    client.force_login(bob)

    response = client.post(
        f"/desk/stories/{story.pk}/comments/",
        {"text": f"Check{ESC} this", "quote": "harbour authority", "near": "0"},
    )

    assert response.status_code == 400
    assert "U+001B" in response.content.decode()
    assert not Comment.objects.exists()


# The review, correction and planning fields: each refuses ESC and BEL with a
# message, stores nothing, and the newsletter's feeds keep answering.

GUEST = "expert@partner.example"
PASSAGE = "The island council switched on free public wifi."


@pytest.fixture
def published(newsletter: Newsletter, alice: User, bob: User) -> Issue:
    issue = make_issue_in_review(newsletter=newsletter, editor=alice, reviewer=bob, count=1)
    return perform(issue, PUBLISH, by=bob, prepare=factories.small_edition(bob))


@pytest.fixture
def in_review(newsletter: Newsletter, alice: User) -> Story:
    return factories.make_story(
        author=alice, newsletter=newsletter, body=f"<p>{PASSAGE}</p>", status=Status.REVIEW
    )


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def assert_the_feeds_answer(published: Issue, subscriber: User) -> None:
    token = PrivateAddressKey.objects.get_or_create(purpose=Purpose.FEED, user=subscriber)[0]
    for path in ("/feeds/ict.atom", f"/feeds/private/{token.key}/ict.atom"):
        response = Client().get(path)
        assert response.status_code == 200, path
        feed = ET.fromstring(response.content)  # noqa: S314 (our own feed)
        assert len(feed.findall(f"{ATOM}entry")) == 1


def test_an_outside_verdict_with_a_control_character_is_refused(
    in_review: Story, bob: User, dave: User, published: Issue
) -> None:
    invitation = invite(StoryInvitation, subject=in_review, email=GUEST, by=bob)
    link = f"/review/story/{in_review.pk}/{invitation.token()}/verdict/"

    response = Client().post(
        link, {"verdict": "needs_changes", "comment": f"The date{ESC} is wrong."}, follow=True
    )

    page = response.content.decode()
    assert "U+001B" in page and "Your text: “The date" in page
    assert not StoryInvitationUse.objects.filter(action="verdict").exists()
    assert_the_feeds_answer(published, dave)


def test_an_outside_verdict_on_an_issue_with_a_control_character_is_refused(
    newsletter: Newsletter, alice: User, bob: User, dave: User, published: Issue
) -> None:
    issue = make_issue_in_review(newsletter=newsletter, editor=alice, reviewer=bob, count=1)
    invitation = invite(IssueInvitation, subject=issue, email=GUEST, by=bob)
    link = f"/review/issue/{issue.pk}/{invitation.token()}/verdict/"

    response = Client().post(link, {"verdict": "looks_good", "comment": f"Fine{BEL}"}, follow=True)

    assert "U+0007" in response.content.decode()
    assert not IssueInvitationUse.objects.filter(action="verdict").exists()
    assert_the_feeds_answer(published, dave)


def test_an_outside_comment_with_a_control_character_is_refused(
    in_review: Story, bob: User, dave: User, published: Issue
) -> None:
    invitation = invite(StoryInvitation, subject=in_review, email=GUEST, by=bob)
    link = f"/review/story/{in_review.pk}/{invitation.token()}/comment/"

    response = Client().post(
        link, {"text": f"Source{BEL}?", "quote": "free public wifi", "near": "0"}, follow=True
    )

    assert "U+0007" in response.content.decode()
    assert not Comment.objects.exists()
    assert_the_feeds_answer(published, dave)


def test_a_reply_with_a_control_character_is_refused(
    in_review: Story, alice: User, bob: User, dave: User, published: Issue
) -> None:
    thread = comment_on_passage(in_review, text="Which council?", quote="island council", by=bob)

    response = signed_in(alice).post(
        f"/desk/stories/{in_review.pk}/comments/{thread.pk}/reply/", {"text": f"Ours{ESC}"}
    )

    assert response.status_code == 400
    assert "U+001B" in response.content.decode()
    assert list(Comment.objects.all()) == [thread]
    assert_the_feeds_answer(published, dave)


def test_a_correction_note_with_a_control_character_is_refused(
    published: Issue, carol: User, dave: User
) -> None:
    story = published.ordered_stories()[0]

    response = signed_in(carol).post(
        f"/desk/issues/{published.pk}/corrections/start/",
        {"story": story.pk, "note": f"the figure{ESC}[1m is wrong"},
        follow=True,
    )

    assert "The note was not accepted." in response.content.decode()
    assert "U+001B" in response.content.decode()
    assert not Correction.objects.exists()
    assert_the_feeds_answer(published, dave)


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("headline", f"Council{ESC} wifi", "U+001B"),
        ("body", f"<p>Free{BEL} wifi.</p>", "U+0007"),
        ("note", f"the figure{BEL} is wrong", "U+0007"),
    ],
)
def test_a_corrected_text_with_a_control_character_is_refused_and_kept_as_it_was(
    published: Issue, alice: User, carol: User, dave: User, field: str, value: str, code: str
) -> None:
    story = published.ordered_stories()[0]
    correction = start_correction(issue=published, story=story, note="the figure", by=carol)
    data = {"headline": story.headline, "body": story.body, "note": "the figure", "version": 1}

    response = signed_in(alice).post(correction.get_absolute_url(), {**data, field: value})

    assert response.status_code == 200
    assert code in response.content.decode()
    correction.refresh_from_db()
    assert (correction.headline, correction.body, correction.note, correction.version) == (
        story.headline,
        story.body,
        "the figure",
        1,
    )
    assert_the_feeds_answer(published, dave)


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [("headline", f"Ferry{ESC} tickets", "U+001B"), ("note", f"Ask{BEL} them", "U+0007")],
)
def test_a_planned_slot_with_a_control_character_is_refused(
    newsletter: Newsletter,
    alice: User,
    erin: User,
    dave: User,
    published: Issue,
    field: str,
    value: str,
    code: str,
) -> None:
    data = {
        "headline": "Ferry tickets go quantum-safe",
        "newsletter": newsletter.pk,
        "assignee": erin.pk,
        "due_at": "2026-11-27T16:30",
        "note": "Ask the ferry company for numbers.",
    }

    response = signed_in(alice).post(reverse("desk:assignment_new"), {**data, field: value})

    assert response.status_code == 200
    assert code in response.content.decode()
    assert not Assignment.objects.exists()
    assert_the_feeds_answer(published, dave)


@pytest.mark.postgres
@pytest.mark.parametrize("query", ["Island\x00 council", f"Island{ESC} council"])
def test_a_search_with_control_characters_finds_what_it_would_without(
    client: Client, alice: User, dave: User, newsletter: Newsletter, bob: User, query: str
) -> None:
    """PostgreSQL refuses a NUL in a query parameter: the search boxes must
    not pass one on (this runs on both databases)."""
    issue = make_issue_in_review(newsletter=newsletter, editor=alice, reviewer=bob, count=1)
    waiting = factories.make_story(
        author=alice,
        newsletter=newsletter,
        headline="Island council switches on wifi",
        status=Status.PUBLISHED,
        reviewer=bob,
    )
    draft = factories.make_issue(newsletter=newsletter, created_by=alice)
    client.force_login(alice)

    builder = client.get(f"/desk/issues/{draft.pk}/", {"q": query})
    stories = client.get("/desk/stories/", {"q": query})

    assert builder.status_code == stories.status_code == 200
    assert waiting.headline in builder.content.decode()
    if "\x00" in query:  # the story list's filter form says what is wrong
        assert "Null characters are not allowed." in stories.content.decode()
    else:
        assert waiting.headline in stories.content.decode()
    assert issue.status == Status.REVIEW


BASIC_ISSUE = (Path(__file__).parent / "fixtures" / "import" / "basic.md").read_text()


@pytest.mark.parametrize(
    ("where", "changed", "line"),
    [
        (
            "a headline",
            BASIC_ISSUE.replace("Millbrook students", f"Millbrook{ESC}[31m students"),
            7,
        ),
        ("a source", BASIC_ISSUE.replace("(**Valley Courier**)", f"(**Valley{BEL} Courier**)"), 9),
        ("the sector", BASIC_ISSUE.replace("(ICT)", "(ICT\ufffe)"), 3),
    ],
)
def test_an_uploaded_issue_with_a_control_character_is_refused_with_its_line(
    client: Client, alice: User, where: str, changed: str, line: int
) -> None:
    before = (Newsletter.objects.count(), Source.objects.count(), Story.objects.count())
    client.force_login(alice)
    upload = SimpleUploadedFile("issue.md", changed.encode())
    response = client.post(reverse("issue_desk:import"), {"file": upload})
    assert response.status_code == 200
    assert f"Line {line}: remove the invisible control character U+" in response.content.decode()
    assert (Newsletter.objects.count(), Source.objects.count(), Story.objects.count()) == before
    assert not Issue.objects.exists()


def test_the_import_command_refuses_a_control_character_with_its_line(
    alice: User, tmp_path: Path
) -> None:
    path = tmp_path / "issue.md"
    path.write_text(BASIC_ISSUE.replace("Millbrook students", f"Millbrook{ESC} students"))
    with pytest.raises(CommandError, match=r"issue.md:7: remove the invisible control character"):
        call_command("import_newsletter", str(path), user="alice", stdout=io.StringIO())
    assert not Story.objects.exists()
    assert not Issue.objects.exists()


def test_a_headline_stored_with_control_characters_leaves_the_calendar_feed_clean(
    alice: User, newsletter: Newsletter
) -> None:
    Assignment.objects.create(
        headline="Cable story",
        newsletter=newsletter,
        assignee=alice,
        due_at=timezone.now() + datetime.timedelta(days=1),
        created_by=alice,
    )
    # Written around the validators, as data from before the rule would be.
    Assignment.objects.update(headline=f"Cable{ESC}[0m story{BEL}")
    key = PrivateAddressKey.objects.create(purpose=Purpose.CALENDAR, user=alice).key
    response = Client().get(reverse("desk:calendar_feed", args=[key]))
    assert ESC.encode() not in response.content and BEL.encode() not in response.content
    [event] = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["summary"]).startswith("Cable[0m story (")


def test_a_headline_stored_with_control_characters_leaves_the_desk_pages_clean(
    client: Client, alice: User, newsletter: Newsletter
) -> None:
    story = factories.make_story(author=alice, newsletter=newsletter)
    Story.objects.filter(pk=story.pk).update(headline=f"Bell{BEL} and\ufffe escape{ESC} rang")
    client.force_login(alice)
    for path in (f"/desk/stories/{story.pk}/", "/desk/stories/", f"/desk/stories/{story.pk}/edit/"):
        page = client.get(path).content.decode()
        assert "Bell and escape rang" in page, path
        assert not FORBIDDEN.search(page), path
