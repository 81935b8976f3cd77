"""Nothing typed is lost: autosaved drafts (one per person and story, never
touching the story until Save) and a save that arrives after the session
expired (the text waits through the sign-in)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.test import Client

from newsroom.desk.drafts import when
from newsroom.models import Newsletter, Story
from newsroom.models.drafts import StoryDraft
from newsroom.review.workflow import Status
from newsroom.writing.sanitizing import MAX_BODY_LENGTH
from tests import factories
from tests.factories import PASSWORD


def typed(newsletter: Newsletter, **fields: object) -> dict[str, object]:
    return {
        "headline": "Ferry timetable moves online",
        "body": "<p>The ferry company puts its <strong>timetable</strong> online.</p>",
        "source": "",
        "new_source": "",
        "newsletter": newsletter.pk,
        "original_url": "",
        **fields,
    }


@pytest.fixture
def story(alice: User, newsletter: Newsletter) -> Story:
    return factories.make_story(author=alice, newsletter=newsletter, headline="Old headline")


def test_it_autosaves_a_draft_without_touching_the_story(
    client: Client, alice: User, newsletter: Newsletter, story: Story
) -> None:
    client.force_login(alice)

    response = client.post(f"/desk/stories/{story.pk}/draft/", typed(newsletter, version=1))

    assert response.status_code == 200
    assert response.json()["saved"] is True
    draft = StoryDraft.objects.get(user=alice, story=story)
    assert draft.headline == "Ferry timetable moves online"
    assert draft.version == 1
    story.refresh_from_db()
    assert story.headline == "Old headline"
    assert story.version == 1


def test_a_second_autosave_replaces_the_first(
    client: Client, alice: User, newsletter: Newsletter, story: Story
) -> None:
    client.force_login(alice)
    client.post(f"/desk/stories/{story.pk}/draft/", typed(newsletter, headline="First"))
    client.post(f"/desk/stories/{story.pk}/draft/", typed(newsletter, headline="Second"))

    assert list(StoryDraft.objects.values_list("headline", flat=True)) == ["Second"]


def test_an_unfinished_new_story_is_autosaved(
    client: Client, alice: User, newsletter: Newsletter
) -> None:
    client.force_login(alice)

    response = client.post(
        "/desk/stories/new/draft/",
        typed(newsletter, headline="", source="Harbour Trib", original_url="https://exa"),
    )

    assert response.status_code == 200
    draft = StoryDraft.objects.get(user=alice, story=None)
    assert (draft.headline, draft.source, draft.original_url) == ("", "Harbour Trib", "https://exa")
    assert Story.objects.count() == 0


def test_the_autosave_sanitises_the_body(
    client: Client, alice: User, newsletter: Newsletter, story: Story
) -> None:
    client.force_login(alice)
    body = '<p onclick="steal()">Tide <script>alert(1)</script><b>tables</b></p>'

    client.post(f"/desk/stories/{story.pk}/draft/", typed(newsletter, body=body))

    saved = StoryDraft.objects.get().body
    assert "script" not in saved and "onclick" not in saved
    assert "<strong>tables</strong>" in saved


def test_the_autosave_refuses_what_the_form_refuses(
    client: Client, alice: User, newsletter: Newsletter, story: Story
) -> None:
    client.force_login(alice)
    too_long = "<p>" + "x" * MAX_BODY_LENGTH + "</p>"

    response = client.post(f"/desk/stories/{story.pk}/draft/", typed(newsletter, body=too_long))

    assert response.status_code == 400
    assert "at most 20,000" in " ".join(response.json()["problems"])
    assert not StoryDraft.objects.exists()


def test_nobody_autosaves_into_a_story_they_may_not_edit(
    client: Client, alice: User, bob: User, newsletter: Newsletter
) -> None:
    approved = factories.make_story(
        author=alice, newsletter=newsletter, status=Status.PUBLISHED, reviewer=bob
    )
    client.force_login(alice)

    response = client.post(f"/desk/stories/{approved.pk}/draft/", typed(newsletter))

    assert response.status_code == 403
    assert not StoryDraft.objects.exists()


def test_a_subscriber_cannot_autosave(client: Client, dave: User, newsletter: Newsletter) -> None:
    client.force_login(dave)

    response = client.post("/desk/stories/new/draft/", typed(newsletter))

    assert response.status_code == 403
    assert not StoryDraft.objects.exists()


def test_the_autosave_rejects_get(client: Client, alice: User, story: Story) -> None:
    client.force_login(alice)

    assert client.get(f"/desk/stories/{story.pk}/draft/").status_code == 405


def test_reopening_the_form_offers_the_draft_at_its_local_time(
    client: Client, alice: User, newsletter: Newsletter, story: Story, settings: object
) -> None:
    client.force_login(alice)
    client.post(f"/desk/stories/{story.pk}/draft/", typed(newsletter))

    page = client.get(f"/desk/stories/{story.pk}/edit/").content.decode()

    saved_at = StoryDraft.objects.get().saved_at
    assert f"You have unsaved changes from {when(saved_at)}." in page
    assert 'value="Old headline"' in page  # the form itself holds the saved story


def test_only_the_person_sees_their_draft(
    client: Client, alice: User, erin: User, newsletter: Newsletter, story: Story
) -> None:
    client.force_login(alice)
    client.post(f"/desk/stories/{story.pk}/draft/", typed(newsletter))
    client.force_login(erin)

    page = client.get(f"/desk/stories/{story.pk}/edit/").content.decode()

    assert "unsaved changes" not in page
    assert (
        client.get(f"/desk/stories/{story.pk}/edit/?draft=restore")
        .content.decode()
        .count("Ferry timetable")
        == 0
    )


def test_restore_fills_the_form_from_the_draft(
    client: Client, alice: User, newsletter: Newsletter, story: Story
) -> None:
    client.force_login(alice)
    client.post(f"/desk/stories/{story.pk}/draft/", typed(newsletter, version=1))

    page = client.get(f"/desk/stories/{story.pk}/edit/?draft=restore").content.decode()

    assert 'value="Ferry timetable moves online"' in page
    assert "are back in the form: check them and save" in page
    assert "data-unsaved" in page
    story.refresh_from_db()
    assert story.headline == "Old headline"


def test_discard_deletes_the_draft(
    client: Client, alice: User, newsletter: Newsletter, story: Story
) -> None:
    client.force_login(alice)
    client.post(f"/desk/stories/{story.pk}/draft/", typed(newsletter))

    response = client.post(f"/desk/stories/{story.pk}/draft/discard/", follow=True)

    assert response.redirect_chain[-1][0] == f"/desk/stories/{story.pk}/edit/"
    assert not StoryDraft.objects.exists()
    assert "unsaved changes from" not in response.content.decode()


def test_save_deletes_the_persons_draft_only(
    client: Client, alice: User, erin: User, newsletter: Newsletter, story: Story
) -> None:
    factories.client_for(erin).post(f"/desk/stories/{story.pk}/draft/", typed(newsletter))
    client.force_login(alice)
    client.post(f"/desk/stories/{story.pk}/draft/", typed(newsletter))

    response = client.post(f"/desk/stories/{story.pk}/edit/", typed(newsletter, version=1))

    assert response.status_code == 302
    story.refresh_from_db()
    assert story.headline == "Ferry timetable moves online"
    assert list(StoryDraft.objects.values_list("user__username", flat=True)) == ["erin"]


def test_saving_a_new_story_deletes_the_new_story_draft(
    client: Client, alice: User, newsletter: Newsletter
) -> None:
    client.force_login(alice)
    client.post("/desk/stories/new/draft/", typed(newsletter))

    client.post("/desk/stories/new/", typed(newsletter, new_source="Lagoon Post"))

    assert Story.objects.get().headline == "Ferry timetable moves online"
    assert not StoryDraft.objects.exists()


# Signed out ---------------------------------------------------------------


def test_a_save_after_the_session_expired_keeps_the_text_through_sign_in(
    alice: User, newsletter: Newsletter, story: Story
) -> None:
    browser = Client()  # no session: it expired while Alice typed

    response = browser.post(
        f"/desk/stories/{story.pk}/edit/", typed(newsletter, version=1), follow=True
    )

    page = response.content.decode()
    assert response.redirect_chain[-1][0].startswith("/accounts/login/?next=")
    assert "Sign in to the desk to keep your work" in page
    assert "subscribe" not in page.split("<main", 1)[-1].split("</form>")[0]
    story.refresh_from_db()
    assert story.headline == "Old headline"

    signed_in = browser.post(
        "/accounts/login/",
        {"username": "alice", "password": PASSWORD, "next": f"/desk/stories/{story.pk}/edit/"},
        follow=True,
    )

    page = signed_in.content.decode()
    assert signed_in.redirect_chain[-1][0] == f"/desk/stories/{story.pk}/edit/"
    assert "You were signed out; your text is kept: check it and save." in page
    assert 'value="Ferry timetable moves online"' in page
    assert "&lt;strong&gt;timetable&lt;/strong&gt;" in page  # the body, in its textarea
    # Once: the next visit shows the story as saved.
    again = browser.get(f"/desk/stories/{story.pk}/edit/").content.decode()
    assert 'value="Old headline"' in again


def test_a_new_story_posted_signed_out_comes_back_after_sign_in(
    alice: User, newsletter: Newsletter
) -> None:
    browser = Client()
    browser.post("/desk/stories/new/", typed(newsletter))

    browser.post(
        "/accounts/login/",
        {"username": "alice", "password": PASSWORD, "next": "/desk/stories/new/"},
    )
    page = browser.get("/desk/stories/new/").content.decode()

    assert 'value="Ferry timetable moves online"' in page
    assert Story.objects.count() == 0


def test_kept_text_fills_only_the_form_it_was_posted_to(
    alice: User, newsletter: Newsletter, story: Story
) -> None:
    browser = Client()
    browser.post(f"/desk/stories/{story.pk}/edit/", typed(newsletter))
    browser.post("/accounts/login/", {"username": "alice", "password": PASSWORD})

    page = browser.get("/desk/stories/new/").content.decode()

    assert "Ferry timetable" not in page


def test_an_ordinary_sign_in_speaks_to_subscribers(client: Client, db: None) -> None:
    page = client.get("/accounts/login/?next=/issues/").content.decode()

    assert "Sign in to read the issues you subscribe to." in page


def test_a_sign_in_for_the_desk_speaks_to_the_desk(client: Client, db: None) -> None:
    page = client.get("/accounts/login/?next=/desk/stories/").content.decode()

    assert "Sign in to the desk." in page
    assert "subscribe to." not in page


def test_an_autosave_of_the_story_as_saved_keeps_no_draft(
    client: Client, alice: User, newsletter: Newsletter, story: Story
) -> None:
    """An autosave that raced the Save arrives after it with the saved text:
    there is nothing unsaved to offer."""
    client.force_login(alice)
    client.post(f"/desk/stories/{story.pk}/draft/", typed(newsletter, headline="Changed"))
    as_saved = typed(newsletter, headline=story.headline, body=story.body, source=story.source.name)

    response = client.post(f"/desk/stories/{story.pk}/draft/", as_saved)

    assert response.json() == {"saved": False, "same": True, "problems": []}
    assert not StoryDraft.objects.exists()


def test_the_database_holds_one_draft_per_person_and_story(alice: User, story: Story) -> None:
    StoryDraft.objects.create(user=alice, story=None)
    StoryDraft.objects.create(user=alice, story=story)
    for again in (None, story):
        with pytest.raises(IntegrityError), transaction.atomic():
            StoryDraft.objects.create(user=alice, story=again)


@pytest.mark.clock("2026-12-07 13:02:00+00:00")
def test_the_offer_tells_the_time_in_the_publishers_zone(
    client: Client, alice: User, newsletter: Newsletter, story: Story, settings: Any
) -> None:
    settings.TIME_ZONE = "Europe/Brussels"
    client.force_login(alice)
    client.post(f"/desk/stories/{story.pk}/draft/", typed(newsletter))

    page = client.get(f"/desk/stories/{story.pk}/edit/").content.decode()

    assert "You have unsaved changes from 14:02." in page


@pytest.mark.clock("2026-12-07 13:02:00+00:00")
def test_a_draft_from_another_day_names_its_date(
    client: Client, alice: User, newsletter: Newsletter, story: Story, settings: Any, clock: Any
) -> None:
    settings.TIME_ZONE = "Europe/Brussels"
    client.force_login(alice)
    client.post(f"/desk/stories/{story.pk}/draft/", typed(newsletter))
    clock.shift(datetime.timedelta(days=2))

    page = client.get(f"/desk/stories/{story.pk}/edit/").content.decode()

    assert "You have unsaved changes from 7 Dec 2026, 14:02." in page
