"""Writing, viewing, editing and listing stories on the desk."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from newsroom.models import Newsletter, Source, Story
from newsroom.review.workflow import Status
from tests import factories

BODY = "<p>The island council switched on <strong>free</strong> public wifi.</p>"


def story_data(newsletter: Newsletter, **fields: object) -> dict[str, object]:
    return {
        "headline": "Island council switches on free wifi",
        "body": BODY,
        "source": factories.make_source().name,
        "new_source": "",
        "newsletter": newsletter.pk,
        "original_url": "https://example.org/wifi",
        **fields,
    }


def test_anonymous_visitors_are_sent_to_sign_in(client, newsletter: Newsletter) -> None:
    response = client.get("/desk/stories/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    "path", ["/desk/", "/desk/stories/", "/desk/stories/new/", "/desk/review/"]
)
def test_subscribers_get_no_desk(client, dave: User, path: str) -> None:
    client.force_login(dave)
    assert client.get(path).status_code == 403


def test_an_editor_writes_a_draft(client, alice: User, newsletter: Newsletter) -> None:
    client.force_login(alice)
    response = client.post("/desk/stories/new/", story_data(newsletter), follow=True)
    story = Story.objects.get()
    assert response.redirect_chain[-1][0] == f"/desk/stories/{story.pk}/"
    assert "Draft saved." in response.content.decode()
    assert (story.author, story.status, story.version) == (alice, Status.DRAFT, 1)
    assert story.body == BODY
    assert story.history.get().history_user == alice


def test_a_new_source_is_added_without_leaving_the_form(
    client, alice: User, newsletter: Newsletter
) -> None:
    client.force_login(alice)
    client.post("/desk/stories/new/", story_data(newsletter, source="", new_source="Lagoon Post"))
    assert Story.objects.get().source == Source.objects.get(name="Lagoon Post")


def test_a_new_source_with_a_known_name_reuses_it(
    client, alice: User, newsletter: Newsletter
) -> None:
    known = factories.make_source("Lagoon Post")
    client.force_login(alice)
    client.post("/desk/stories/new/", story_data(newsletter, source="", new_source="lagoon post"))
    assert Story.objects.get().source == known
    assert Source.objects.named("Lagoon Post").count() == 1


def test_invalid_input_is_shown_on_the_form_and_the_text_is_kept(
    client, alice: User, newsletter: Newsletter
) -> None:
    client.force_login(alice)
    data = story_data(newsletter, headline="", original_url="not a link")
    response = client.post("/desk/stories/new/", data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "This field is required." in page
    assert "Enter a valid URL." in page
    assert "free</strong> public wifi" in page  # the body typed is still there
    assert not Story.objects.exists()


def test_reviewers_cannot_write_stories(client, bob: User, newsletter: Newsletter) -> None:
    client.force_login(bob)
    assert client.post("/desk/stories/new/", story_data(newsletter)).status_code == 403
    assert not Story.objects.exists()


def test_the_story_page_shows_it_as_in_the_issue(
    client, alice: User, newsletter: Newsletter
) -> None:
    story = factories.make_story(author=alice, newsletter=newsletter, body=BODY)
    client.force_login(alice)
    page = client.get(f"/desk/stories/{story.pk}/").content.decode()
    assert 'public wifi. <span class="source">(<strong>Harbour Tribune</strong>)</span></p>' in page
    assert "Submit for review" in page
    assert f"/desk/stories/{story.pk}/edit/" in page


def test_a_missing_story_is_a_404(client, alice: User) -> None:
    client.force_login(alice)
    assert client.get("/desk/stories/999/").status_code == 404
    assert client.get("/desk/stories/999/edit/").status_code == 404


def test_an_editor_edits_a_draft(client, alice: User, erin: User, newsletter: Newsletter) -> None:
    story = factories.make_story(author=alice, newsletter=newsletter)
    client.force_login(erin)
    data = story_data(newsletter, headline="Island council doubles wifi speed", version=1)
    response = client.post(f"/desk/stories/{story.pk}/edit/", data, follow=True)
    assert "Saved (version 2)." in response.content.decode()
    story.refresh_from_db()
    assert (story.headline, story.version, story.status) == (
        "Island council doubles wifi speed",
        2,
        Status.DRAFT,
    )
    assert story.history.first().history_user == erin


def test_a_reviewer_fixes_a_typo_in_review(client, alice: User, bob: User, newsletter) -> None:
    story = factories.make_story(author=alice, newsletter=newsletter, status=Status.REVIEW)
    client.force_login(bob)
    data = story_data(newsletter, headline="Fixed headline", version=1)
    client.post(f"/desk/stories/{story.pk}/edit/", data)
    story.refresh_from_db()
    assert (story.headline, story.status, story.version) == ("Fixed headline", Status.REVIEW, 2)


@pytest.mark.parametrize(
    ("status", "who"),
    [
        (Status.DRAFT, "bob"),  # reviewers do not write drafts
        (Status.REVIEW, "alice"),  # under review: the editor waits
        (Status.PUBLISHED, "alice"),  # read-only until withdrawn
        (Status.PUBLISHED, "bob"),
    ],
)
def test_edits_outside_ones_role_are_refused(
    client, alice: User, bob: User, carol: User, newsletter, status: Status, who: str
) -> None:
    story = factories.make_story(author=alice, newsletter=newsletter, status=status, reviewer=carol)
    client.force_login({"alice": alice, "bob": bob}[who])
    assert client.get(f"/desk/stories/{story.pk}/edit/").status_code == 403
    data = story_data(
        newsletter, headline="Overwritten", source="", new_source="Lagoon Post", version=1
    )
    response = client.post(f"/desk/stories/{story.pk}/edit/", data)
    assert response.status_code == 409
    assert f"This story is {story.status_label().lower()}" in response.content.decode()
    assert "you cannot change it now" in response.content.decode()
    story.refresh_from_db()
    assert story.headline != "Overwritten"
    assert story.version == 1
    assert not Source.objects.named("Lagoon Post").exists()  # nothing else was saved either


def test_the_list_filters_by_status_and_author(
    client, alice: User, erin: User, bob: User, newsletter
) -> None:
    factories.make_story(author=alice, newsletter=newsletter, headline="Alice draft")
    factories.make_story(
        author=erin, newsletter=newsletter, headline="Erin in review", status=Status.REVIEW
    )
    client.force_login(bob)
    page = client.get("/desk/stories/", {"status": "review"}).content.decode()
    assert "Erin in review" in page
    assert "Alice draft" not in page
    page = client.get("/desk/stories/", {"author": alice.pk}).content.decode()
    assert "Alice draft" in page
    assert "Erin in review" not in page


def test_the_list_is_paginated(client, alice: User, newsletter: Newsletter) -> None:
    for n in range(26):
        factories.make_story(author=alice, newsletter=newsletter, headline=f"Story {n:02}")
    client.force_login(alice)
    first = client.get("/desk/stories/").content.decode()
    second = client.get("/desk/stories/", {"page": 2}).content.decode()
    assert "Page 1 of 2" in first
    assert "Story 00" in second
    assert "Story 00" not in first


@pytest.mark.parametrize("count", [5, 50])
@pytest.mark.parametrize("path", ["/desk/stories/", "/desk/review/", "/desk/"])
def test_desk_lists_take_a_constant_number_of_queries(
    client, django_assert_max_num_queries, alice: User, bob: User, newsletter, count, path
) -> None:
    for n in range(count):
        story = factories.make_story(
            author=alice,
            newsletter=newsletter,
            source=factories.make_source(f"Source {n}"),
            status=Status.REVIEW if n % 2 else Status.DRAFT,
        )
        if n % 3 == 0 and story.status == Status.REVIEW:
            from newsroom.review.workflow import REQUEST_CHANGES, perform

            perform(story, REQUEST_CHANGES, by=bob, comment="Shorter, please.")
    client.force_login(bob)
    with django_assert_max_num_queries(12):
        response = client.get(path)
    assert response.status_code == 200
    assert "Source" in response.content.decode()


def test_the_sources_list_takes_a_constant_number_of_queries(
    client, django_assert_max_num_queries, alice: User, newsletter: Newsletter
) -> None:
    for count in (5, 50):
        for n in range(count):
            factories.make_story(
                author=alice, newsletter=newsletter, source=factories.make_source(f"S{n}")
            )
        client.force_login(alice)
        with django_assert_max_num_queries(8):
            assert "S4" in client.get("/desk/sources/").content.decode()


def test_the_word_count_splits_at_blocks_and_breaks_but_not_inline_tags() -> None:
    body = '<p>Free <a href="https://x.example">wifi</a>.<br>Now</p><ul><li><p>here</p></li></ul>'
    assert Story(body=body).word_count == 4


DESK_PAGES = [
    "/desk/",
    "/desk/stories/",
    "/desk/stories/new/",
    "/desk/stories/{pk}/",
    "/desk/stories/{pk}/edit/",
    "/desk/stories/{pk}/review/",
    "/desk/stories/{pk}/history/",
    "/desk/stories/{pk}/history/diff/?a={h}&b={h}",
    "/desk/review/",
    "/desk/sources/",
    "/desk/sources/new/",
    "/desk/sources/{source}/edit/",
    "/desk/sources/{source}/merge/",
]


@pytest.mark.parametrize("path", DESK_PAGES)
def test_every_desk_page_refuses_subscribers_and_asks_strangers_to_sign_in(
    client, alice: User, dave: User, newsletter: Newsletter, path: str
) -> None:
    story = factories.make_story(author=alice, newsletter=newsletter)
    url = path.format(pk=story.pk, h=story.history.get().history_id, source=story.source_id)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    client.force_login(dave)
    assert client.get(url).status_code == 403


def test_the_list_filters_by_newsletter_and_source(client, alice: User, newsletter) -> None:
    other = factories.make_newsletter("Energy", "energy")
    gazette = factories.make_source("Valley Gazette")
    factories.make_story(author=alice, newsletter=newsletter, headline="ICT, Tribune")
    factories.make_story(author=alice, newsletter=other, headline="Energy, Gazette", source=gazette)
    client.force_login(alice)
    page = client.get("/desk/stories/", {"newsletter": other.pk}).content.decode()
    assert "Energy, Gazette" in page
    assert "ICT, Tribune" not in page
    page = client.get("/desk/stories/", {"source": gazette.name}).content.decode()
    assert "Energy, Gazette" in page
    assert "ICT, Tribune" not in page
