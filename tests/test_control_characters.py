"""Control characters: refused in every text field, dropped from every document.

One ESC in a headline once made every feed of its newsletter answer 500.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client, override_settings

from issues.models import FeedToken, Issue
from newsroom.comments import Comment
from newsroom.models import Newsletter, Source, Story, StoryTransition
from newsroom.text import one_line, printable, validate_line, validate_text
from newsroom.workflow import Status
from tests import factories
from tests.issue_helpers import make_issue_in_review

ATOM = "{http://www.w3.org/2005/Atom}"
ESC, BEL = "\x1b", "\x07"


def story_data(newsletter: Newsletter, **fields: object) -> dict[str, object]:
    return {
        "headline": "Island council switches on free wifi",
        "body": "<p>The island council switched on free public wifi.</p>",
        "source": factories.make_source().pk,
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
    token = FeedToken.objects.create(user=dave)

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
