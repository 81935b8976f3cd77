"""Story bodies keep what the editor can make and lose everything else."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from newsroom.models import Newsletter, Story
from newsroom.writing.sanitizing import editor_allowlist, sanitize_body
from tests import factories

ALLOWED = (
    "<p>Plain, <strong>bold</strong>, <em>italic</em> and a "
    '<a href="https://example.org/story">link</a>.<br>Next line.</p>'
    "<ul><li><p>one</p></li></ul><ol><li><p>two</p></li></ol>"
)


def saved(body: str, alice: User, newsletter: Newsletter) -> str:
    story = factories.make_story(author=alice, newsletter=newsletter, body=body)
    return Story.objects.get(pk=story.pk).body


def test_allowed_markup_survives_unchanged(alice: User, newsletter: Newsletter) -> None:
    assert saved(ALLOWED, alice, newsletter) == ALLOWED


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("<p>Hi<script>alert(1)</script></p>", "<p>Hi</p>"),
        ('<p onclick="alert(1)">Hi</p>', "<p>Hi</p>"),
        ('<p><img src="x" onerror="alert(1)">Hi</p>', "<p>Hi</p>"),
        ('<p><a href="javascript:alert(1)">Hi</a></p>', "<p><a>Hi</a></p>"),
        (
            '<p style="color:red">Hi <strong style="x">there</strong></p>',
            "<p>Hi <strong>there</strong></p>",
        ),
        (
            '<p><a href="https://x.example" target="_blank">Hi</a></p>',
            '<p><a href="https://x.example">Hi</a></p>',
        ),
        ("<h1>Big</h1><p>Hi</p>", "<p>Big</p><p>Hi</p>"),  # a heading is a paragraph
    ],
)
def test_dangerous_markup_is_removed_on_save(
    alice: User, newsletter: Newsletter, dirty: str, clean: str
) -> None:
    assert saved(dirty, alice, newsletter) == clean


def test_the_desk_form_sanitises_too(client, alice: User, newsletter: Newsletter) -> None:
    client.force_login(alice)
    client.post(
        "/desk/stories/new/",
        {
            "headline": "Harbour wifi",
            "body": '<p onmouseover="x()">Free <script>x()</script><em>wifi</em></p>',
            "source": factories.make_source().name,
            "newsletter": newsletter.pk,
        },
    )
    assert Story.objects.get().body == "<p>Free <em>wifi</em></p>"


def test_the_page_sanitises_again_on_render(client, alice: User, newsletter) -> None:
    story = factories.make_story(author=alice, newsletter=newsletter)
    # A row written behind the model's back (raw SQL, an old import).
    Story.objects.filter(pk=story.pk).update(body='<p>Hi<script>alert("x")</script></p>')
    client.force_login(alice)
    page = client.get(f"/desk/stories/{story.pk}/").content.decode()
    assert 'alert("x")' not in page
    assert '<p>Hi <span class="source">(<strong>Harbour Tribune</strong>)</span></p>' in page


def test_the_editor_page_gets_the_servers_allowlist(client, alice: User, newsletter) -> None:
    client.force_login(alice)
    page = client.get(reverse("desk:story_new"))
    sent = json.loads(
        re.search(
            r'<script id="body-allowlist" type="application/json">(.*?)</script>',
            page.content.decode(),
        ).group(1)
    )
    assert sent == editor_allowlist()
    assert set(sent["tags"]) == {"A", "BR", "EM", "LI", "OL", "P", "STRONG", "UL"}
    assert sent["schemes"] == ["http:", "https:", "mailto:"]
    # What the page keeps is exactly what the sanitiser keeps.
    kept = sanitize_body("<s>x</s><p><u>a</u><strong>b</strong><a href='https://x.org'>c</a></p>")
    assert kept == 'x<p>a<strong>b</strong><a href="https://x.org">c</a></p>'


# Fragments as pastes and hand-typed markup bring them: the tags the pasting
# step reads and some it drops, opened, closed and self-closed in any order,
# around the text that looks like bullets, numbers and headings.
_TAGS = ["p", "br", "b", "strong", "em", "i", "a", "ul", "ol", "li", "div", "span", "h2"]
_TAGS += ["table", "tr", "td", "u", "script"]
_PIECES = st.one_of(
    st.sampled_from(_TAGS).map(lambda tag: f"<{tag}>"),
    st.sampled_from(_TAGS).map(lambda tag: f"</{tag}>"),
    st.sampled_from(_TAGS).map(lambda tag: f"<{tag}/>"),
    st.sampled_from(
        [
            '<a href="https://example.org">',
            '<a href="www.example.org">',
            '<span style="font-weight:bold">',
            '<b style="font-weight:normal">',
            '<ol start="3">',
        ]
    ),
    st.sampled_from(["Heading", "word", " ", "- dash", "• dot", "1. one", "2. two", "o\u00a0x"]),
    st.sampled_from(["&nbsp;", "\n", "·", "x.", "&amp;", "<", ">", "Harbour wifi"]),
)
FRAGMENTS = st.lists(_PIECES, max_size=14).map("".join)


@settings(max_examples=3000, derandomize=True, database=None, deadline=None)
@given(FRAGMENTS, st.sampled_from(["", "Harbour wifi"]))
def test_sanitising_twice_changes_nothing(fragment: str, headline: str) -> None:
    once = sanitize_body(fragment, headline=headline)
    assert sanitize_body(once, headline=headline) == once


@pytest.mark.parametrize(
    "fragment",
    [
        "<br>Heading</br>- dash",  # HTML5 reads </br> as a line break
        "</p>- dash",  # and a stray </p> as an empty paragraph
        '<a href="https://example.org"><p><table><a href="https://example.org">- dash',
    ],
)
def test_fragments_that_once_changed_on_a_second_pass_are_stable(fragment: str) -> None:
    once = sanitize_body(fragment)
    assert sanitize_body(once) == once
    assert "dash" in once


def test_a_saved_body_is_saved_again_unchanged(alice: User, newsletter: Newsletter) -> None:
    # Through the database (SQLite or PostgreSQL, whichever the suite runs on).
    body = saved("<br>Heading</br>- dash", alice, newsletter)
    story = Story.objects.get()
    story.save()
    story.refresh_from_db()
    assert story.body == body == "Heading<br>- dash"
