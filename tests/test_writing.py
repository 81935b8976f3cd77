"""Writing that does not surprise: links keep a scheme, headlines are not cut.

Alice edits.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from newsroom.models import Newsletter, Story
from newsroom.writing.sanitizing import absolute_link
from tests import factories


def story_data(newsletter: Newsletter, **fields: object) -> dict[str, object]:
    return {
        "headline": "Island council switches on free wifi",
        "body": "<p>The council switched on free wifi in the harbour.</p>",
        "source": factories.make_source().name,
        "new_source": "",
        "newsletter": newsletter.pk,
        "original_url": "",
        **fields,
    }


def test_a_link_typed_without_a_scheme_is_saved_with_https(
    client: Client, alice: User, newsletter: Newsletter
) -> None:
    client.force_login(alice)
    body = (
        '<p>Read <a href="www.example.org/plans">the plans</a> and <a href="/desk/">this</a>.</p>'
    )

    client.post("/desk/stories/new/", story_data(newsletter, body=body))

    story = Story.objects.get()
    assert '<a href="https://www.example.org/plans">the plans</a>' in story.body
    assert 'href="/desk/"' not in story.body  # never a relative link
    assert "this</a>" in story.body  # the words stay
    assert story.history.count() == 1


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("www.example.org/plans", "https://www.example.org/plans"),
        ("example.org", "https://example.org"),
        ("//cdn.example.org/x", "https://cdn.example.org/x"),
        ("https://example.org/a?b=1", "https://example.org/a?b=1"),
        ("mailto:desk@example.org", "mailto:desk@example.org"),
        ("plans.html", None),
        ("/issues/", None),
        ("#top", None),
    ],
)
def test_links_are_absolute_or_dropped(typed: str, kept: str | None) -> None:
    assert absolute_link(typed) == kept


def test_the_headline_shows_its_limit_and_a_long_one_is_refused_not_cut(
    client: Client, alice: User, newsletter: Newsletter
) -> None:
    client.force_login(alice)
    form_page = client.get("/desk/stories/new/").content.decode()
    assert 'data-limit="200"' in form_page and 'maxlength="200"' not in form_page

    long_headline = "Harbour " * 30  # 240 characters
    response = client.post("/desk/stories/new/", story_data(newsletter, headline=long_headline))

    assert response.status_code == 200
    assert "Ensure this value has at most 200 characters" in response.content.decode()
    assert long_headline.strip() in response.content.decode()  # what she typed is still there
    assert not Story.objects.exists()
