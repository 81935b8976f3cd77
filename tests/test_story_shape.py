"""One paragraph, optionally followed by one list: the rule, the word count,
the submit check, and a paste cleaned by the server's own code."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth.models import User
from pypdf import PdfReader

from issues.rendering import documents
from newsroom.desk.paste import LIST_NOTICE, MAX_PASTE, TABLE_NOTICE
from newsroom.forms import StoryForm
from newsroom.models import Newsletter, Story
from newsroom.review.workflow import SUBMIT, Status, WorkflowError, perform
from newsroom.writing.sanitizing import sanitize_body
from newsroom.writing.story_shape import (
    BODY_RULE,
    body_problem,
    body_shape,
    count_words,
    recording_as_printed,
)
from tests import factories

LIST = "<ul><li><p>North</p></li><li><p>South</p></li><li><p>East</p></li></ul>"

# Word's clipboard for two fake bullets (Symbol-font "·", the "o" of a second
# level) and a two-row table, as Chromium hands it to a paste handler.
WORD_PASTE = (
    "<html><head><style>p.MsoNormal{margin:0cm;}</style></head><body lang=EN-GB>"
    "<!--StartFragment--><p class=MsoNormal>The port authority listed three changes"
    " for <b>next year</b>:</p>"
    "<p class=MsoListParagraphCxSpFirst style='text-indent:-18.0pt;mso-list:l0 level1 lfo1'>"
    "<!--[if !supportLists]--><span style='font-family:Symbol'>·<span"
    " style='font:7.0pt \"Times New Roman\"'>&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp; </span>"
    "</span><!--[endif]-->longer <i>opening</i> hours</p>"
    "<p class=MsoListParagraphCxSpLast style='text-indent:-18.0pt;mso-list:l0 level1 lfo1'>"
    "<!--[if !supportLists]--><span style='font-family:Symbol'>·<span"
    " style='font:7.0pt \"Times New Roman\"'>&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp; </span>"
    "</span><!--[endif]-->a second ferry</p>"
    "<table class=MsoTableGrid><tr><td><p class=MsoNormal>Berths</p></td>"
    "<td><p class=MsoNormal>12</p></td></tr><tr><td><p class=MsoNormal>Cranes</p></td>"
    "<td><p class=MsoNormal>4</p></td></tr></table><!--EndFragment--></body></html>"
)


@pytest.mark.parametrize(
    ("html", "blocks", "problem"),
    [
        ("", (), None),
        ("<p>One paragraph.</p>", ("p",), None),
        (f"<p>Three ports:</p>{LIST}", ("p", "list"), None),
        ("<p>One<br>line broken.</p>", ("p",), None),
        ("<p>One.</p><p>Two.</p>", ("p", "p"), "This story has 2 paragraphs"),
        (f"<p>Ports:</p>{LIST}<p>After.</p>", ("p", "list", "p"), "This story has 2 paragraphs"),
        (f"<p>Ports:</p>{LIST}{LIST}", ("p", "list", "list"), "This story has 2 lists"),
        (f"{LIST}<p>Ports.</p>", ("list", "p"), "The list comes before the paragraph"),
        (LIST, ("list",), "This story is only a list"),
        ("Loose text", ("p",), None),
    ],
)
def test_the_rule_counts_top_level_paragraphs_and_lists(
    html: str, blocks: tuple[str, ...], problem: str | None
) -> None:
    assert body_shape(html).blocks == blocks
    said = body_problem(html)
    if problem is None:
        assert said is None
    else:
        assert said is not None and said.startswith(problem)
        assert BODY_RULE.lower() in said


def test_eight_paragraphs_say_how_many_and_what_to_do() -> None:
    body = "".join(f"<p>Paragraph {n}.</p>" for n in range(8))
    assert body_problem(body) == (
        "This story has 8 paragraphs; a story is one paragraph, optionally"
        " followed by one list. Join the paragraphs."
    )


def test_the_help_text_states_the_rule(db: None) -> None:
    assert StoryForm().fields["body"].help_text.startswith(f"{BODY_RULE}; our stories run 60–90")


@pytest.mark.parametrize(
    ("html", "words"),
    [
        ("<p>One <strong>two</strong> three.</p>", 3),
        ("<p>See <a href='https://example.org'>this</a>.</p>", 2),
        ("<p>Rows:</p><ul><li><p>one</p></li><li><p>two</p></li></ul>", 3),
        ("<p>Berths · 12</p><p>Cranes – 4</p>", 4),  # a separator is not a word
        ("<p>a<br>b</p>", 2),
        ("<p>Café 2026 état</p>", 3),
    ],
)
def test_a_word_holds_a_letter_or_a_digit(html: str, words: int) -> None:
    assert count_words(html) == words
    assert Story(body=html).word_count == words


@pytest.fixture
def draft(alice: User, newsletter: Newsletter) -> Story:
    return factories.make_story(author=alice, newsletter=newsletter)


def test_a_story_of_one_paragraph_and_a_list_goes_to_review(alice: User, draft: Story) -> None:
    draft.body = f"<p>Three ports:</p>{LIST}"
    draft.save()
    perform(draft, SUBMIT, by=alice)
    assert draft.status == Status.REVIEW


def test_an_eight_paragraph_story_is_refused_at_submit(alice: User, draft: Story) -> None:
    draft.body = "".join(f"<p>Paragraph {n}.</p>" for n in range(8))
    draft.save()
    with pytest.raises(WorkflowError, match="This story has 8 paragraphs"):
        perform(draft, SUBMIT, by=alice)
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_the_desk_says_why_a_story_was_not_submitted(client, alice: User, draft: Story) -> None:
    draft.body = "<p>One.</p><p>Two.</p>"
    draft.save()
    client.force_login(alice)
    page = client.post(f"/desk/stories/{draft.pk}/submit/", follow=True).content.decode()
    assert "This story has 2 paragraphs; a story is one paragraph, optionally followed" in page
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_a_back_issue_is_recorded_as_printed(alice: User, draft: Story) -> None:
    draft.body = "<p>One.</p><p>Two.</p>"
    draft.save()
    with recording_as_printed():
        perform(draft, SUBMIT, by=alice)
    assert draft.status == Status.REVIEW


# The paste endpoint: the server's own clean-up, before the editor inserts.


def paste(client, html: str, **fields: str) -> tuple[int, dict]:
    response = client.post("/desk/stories/paste/", {"html": html, **fields})
    return response.status_code, json.loads(response.content)


def test_a_word_paste_comes_back_as_a_save_would_keep_it(client, alice: User) -> None:
    client.force_login(alice)
    status, answer = paste(client, WORD_PASTE)
    assert status == 200
    assert answer["html"] == (
        "<p>The port authority listed three changes for <strong>next year</strong>:</p>"
        "<ul><li><p>longer <em>opening</em> hours</p></li><li><p>a second ferry</p></li></ul>"
        "<p>Berths · 12</p><p>Cranes · 4</p>"
    )
    assert answer["notices"] == [TABLE_NOTICE, LIST_NOTICE]
    # What the editor inserts is what a save keeps, word for word.
    assert sanitize_body(answer["html"]) == answer["html"]
    assert count_words(answer["html"]) == count_words(sanitize_body(WORD_PASTE)) == 19


def test_a_pasted_title_that_repeats_the_headline_is_dropped(client, alice: User) -> None:
    client.force_login(alice)
    _, answer = paste(client, "<h1>Ferry doubles</h1><p>Text.</p>", headline="Ferry doubles")
    assert answer == {"html": "<p>Text.</p>", "notices": []}


def test_a_paste_beyond_bounds_is_refused_in_words(client, alice: User) -> None:
    client.force_login(alice)
    status, answer = paste(client, "x" * (MAX_PASTE + 1))
    assert status == 400
    assert "at most 1,000,000 are read" in answer["problems"][0]
    status, answer = paste(client, "<p>" + "word " * 5000 + "</p>")
    assert status == 400
    assert "a story may have at most 20,000" in answer["problems"][0]


def test_only_the_desk_cleans_pastes(client, dave: User) -> None:
    assert client.post("/desk/stories/paste/", {"html": "<p>x</p>"}).status_code == 302
    client.force_login(dave)
    assert client.post("/desk/stories/paste/", {"html": "<p>x</p>"}).status_code == 403


def test_in_print_the_source_ends_the_last_item_of_a_closing_list(
    newsletter: Newsletter, alice: User, bob: User
) -> None:
    story = factories.make_story(
        author=alice,
        newsletter=newsletter,
        status=Status.PUBLISHED,
        reviewer=bob,
        body=f"<p>Three ports changed their hours:</p>{LIST}",
        source=factories.make_source("Island Courier"),
    )
    issue = factories.make_issue(newsletter=newsletter, created_by=alice, stories=[story])
    page = PdfReader(io.BytesIO(documents.render_pdf(issue))).pages[0]
    lines = [line.strip() for line in page.extract_text().splitlines()]
    assert "East (Island Courier)" in lines  # on the item's line, never alone
    assert "(Island Courier)" not in lines
