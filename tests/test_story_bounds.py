"""Bodies are bounded before anything parses them: a list nested 10,000
deep or a 2 MB body gets a message on the form, and nothing is saved."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import Client

from newsroom.models import Newsletter, Story
from newsroom.writing.sanitizing import MAX_BODY_LENGTH, check_body_bounds
from tests import factories

NESTED_10000 = "<ul><li>" * 10_000 + "deep" + "</li></ul>" * 10_000  # 180 KB
BODY_2MB = "<p>" + "word " * 400_000 + "</p>"


def nested_lists(levels: int) -> str:
    return "<ul><li>" * levels + "<p>item</p>" + "</li></ul>" * levels


def story_data(newsletter: Newsletter, body: str, **fields: object) -> dict[str, object]:
    return {
        "headline": "Island council switches on free wifi",
        "body": body,
        "source": factories.make_source().name,
        "new_source": "",
        "newsletter": newsletter.pk,
        "original_url": "",
        **fields,
    }


def test_the_form_states_the_limits(client: Client, alice: User, newsletter: Newsletter) -> None:
    client.force_login(alice)
    page = client.get("/desk/stories/new/").content.decode()
    assert "At most 20,000 characters including formatting;" in page
    assert "lists nest at most 5 levels deep." in page


def test_a_list_nested_10000_deep_is_refused_and_nothing_saved(
    client: Client, alice: User, newsletter: Newsletter
) -> None:
    client.force_login(alice)
    response = client.post("/desk/stories/new/", story_data(newsletter, NESTED_10000))
    page = response.content.decode()
    assert response.status_code == 200
    assert "The text is 180,004 characters long including formatting;" in page
    assert "Island council switches on free wifi" in page  # what was typed is kept
    assert not Story.objects.exists()
    assert not Story.history.exists()


def test_a_short_list_nested_1000_deep_is_refused_and_nothing_saved(
    client: Client, alice: User, newsletter: Newsletter
) -> None:
    client.force_login(alice)
    response = client.post("/desk/stories/new/", story_data(newsletter, nested_lists(1000)))
    assert response.status_code == 200
    assert "Lists are nested more than 5 levels deep" in response.content.decode()
    assert not Story.objects.exists()
    assert not Story.history.exists()


def test_a_2_mb_body_is_refused_and_the_story_unchanged(
    client: Client, alice: User, newsletter: Newsletter
) -> None:
    story = factories.make_story(author=alice, newsletter=newsletter)
    before = (story.body, story.version, story.history.count())
    client.force_login(alice)
    data = story_data(newsletter, BODY_2MB, version=story.version)
    response = client.post(f"/desk/stories/{story.pk}/edit/", data)
    assert response.status_code == 200
    assert "The text is 2,000,007 characters long including formatting;" in (
        response.content.decode()
    )
    story.refresh_from_db()
    assert (story.body, story.version, story.history.count()) == before


def test_lists_five_levels_deep_are_fine(
    client: Client, alice: User, newsletter: Newsletter
) -> None:
    client.force_login(alice)
    response = client.post("/desk/stories/new/", story_data(newsletter, nested_lists(5)))
    assert response.status_code == 302
    assert Story.objects.get().body.count("<ul>") == 5


def test_the_admin_refuses_a_deep_list_too(client: Client, newsletter: Newsletter) -> None:
    root = User.objects.create_superuser("root", "root@example.org", "x")
    client.force_login(root)
    data = story_data(
        newsletter, nested_lists(6), author=root.pk, source=factories.make_source().pk
    )
    response = client.post("/admin/newsroom/story/add/", data)
    assert response.status_code == 200
    assert "Lists are nested more than 5 levels deep" in response.content.decode()
    assert not Story.objects.exists()


def test_the_model_holds_the_rule(alice: User, newsletter: Newsletter) -> None:
    story = factories.make_story(author=alice, newsletter=newsletter)
    story.body = nested_lists(6)
    with pytest.raises(ValidationError) as refused:
        story.full_clean()
    assert "Lists are nested more than 5 levels deep" in str(refused.value.message_dict["body"])


@pytest.mark.parametrize(
    ("body", "refused"),
    [
        ("<p>" + "a" * (MAX_BODY_LENGTH - 7) + "</p>", False),
        ("<p>" + "a" * (MAX_BODY_LENGTH - 6) + "</p>", True),
        ("<p>" + "<strong><em>" * 14 + "x" + "</em></strong>" * 14 + "</p>", False),
        ("<p>" + "<strong><em>" * 15 + "x" + "</em></strong>" * 15 + "</p>", True),
        # Items and paragraphs left open end where the next one starts.
        ("<ul>" + "<li>item" * 500 + "</ul>" + "<p>para" * 500, False),
        ("<p>a<br>b<br/>c<img src=x></p>" * 100, False),
    ],
)
def test_the_bounds_count_characters_and_open_elements(body: str, refused: bool) -> None:
    if refused:
        with pytest.raises(ValidationError):
            check_body_bounds(body)
    else:
        check_body_bounds(body)


# HTML5 opens an element written self-closed (`<b/>` is `<b>`); only void
# elements such as <br/> and <img/> stay empty.
SELF_CLOSED_B = "<p>" + "<b/>" * 1500 + "text</p>"
SELF_CLOSED_SPAN = "<p>" + "<span/>" * 1100 + "text</p>"
TOO_DEEP = "The formatting is nested more than 30 levels deep"


@pytest.mark.parametrize("body", [SELF_CLOSED_B, SELF_CLOSED_SPAN])
def test_self_closed_tags_on_the_desk_form_are_refused_with_words(
    client: Client, alice: User, newsletter: Newsletter, body: str
) -> None:
    client.force_login(alice)
    response = client.post("/desk/stories/new/", story_data(newsletter, body))
    assert response.status_code == 200
    assert TOO_DEEP in response.content.decode()
    assert not Story.objects.exists()
    assert not Story.history.exists()


@pytest.mark.parametrize("body", [SELF_CLOSED_B, SELF_CLOSED_SPAN])
def test_self_closed_tags_in_the_admin_are_refused_with_words(
    client: Client, newsletter: Newsletter, body: str
) -> None:
    root = User.objects.create_superuser("root", "root@example.org", "x")
    client.force_login(root)
    data = story_data(newsletter, body, author=root.pk, source=factories.make_source().pk)
    response = client.post("/admin/newsroom/story/add/", data)
    assert response.status_code == 200
    assert TOO_DEEP in response.content.decode()
    assert not Story.objects.exists()


@pytest.mark.parametrize(
    ("body", "refused"),
    [
        ("<p>" + "<b/>" * 29 + "x</p>", False),  # p and 29 b elements: 30 deep
        ("<p>" + "<b/>" * 30 + "x</p>", True),
        ("<p>" + "<br/>" * 3000 + "</p>", False),  # void: nothing opens
        ("<p>a</br>b</br>c</p>" * 200, False),  # </br> is a line break
        ("<ul><li/>" * 6 + "x", True),  # six lists, each opened inside the last item
    ],
)
def test_the_bounds_parse_as_html5_does(body: str, refused: bool) -> None:
    if refused:
        with pytest.raises(ValidationError):
            check_body_bounds(body)
    else:
        check_body_bounds(body)


def test_the_bounds_count_without_recursing_on_depth() -> None:
    # As deep as the length allows (6,666 open elements): refused, quickly,
    # with no RecursionError whatever the interpreter's recursion limit.
    with pytest.raises(ValidationError, match="nested more than"):
        check_body_bounds("<b>" * (MAX_BODY_LENGTH // 3))
