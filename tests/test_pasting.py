"""A paste from a word processor keeps its text and marks and loses the rest.

The HTML below is what Word, Google Docs and a PDF viewer put on the
clipboard (trimmed of their style sheets), with our own stories in it. Alice
pastes it into the story editor and saves.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.contrib.auth.models import User
from django.test import Client

from newsroom.models import Newsletter, Story
from newsroom.writing.sanitizing import sanitize_body
from tests import factories

# Word: list paragraphs whose bullet is a Symbol-font "·" (or a number)
# followed by non-breaking spaces, inside conditional comments.
WORD_BULLETS = """<html xmlns:o="urn:schemas-microsoft-com:office:office"><head>
<meta name=Generator content="Microsoft Word 15"><style>p.MsoNormal {margin:0cm}</style></head>
<body lang=EN-GB><!--StartFragment-->
<p class=MsoNormal>The port authority listed what the new quay brings:<o:p></o:p></p>
<p class=MsoListParagraphCxSpFirst style='text-indent:-18.0pt;mso-list:l0 level1 lfo1'>
<![if !supportLists]><span style='font-family:Symbol'>·<span style='font:7.0pt "Times New Roman"'>
&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp; </span></span><![endif]>two <b>subsea cable</b>
landings<o:p></o:p></p>
<p class=MsoListParagraphCxSpMiddle style='text-indent:-18.0pt;mso-list:l0 level1 lfo1'>
<![if !supportLists]><span style='font-family:Symbol'>·<span style='font:7.0pt "Times New Roman"'>
&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp; </span></span><![endif]>a data centre cooled by
<i>sea water</i><o:p></o:p></p>
<p class=MsoListParagraphCxSpLast style='text-indent:-18.0pt;mso-list:l0 level1 lfo1'>
<![if !supportLists]><span style='font-family:Symbol'>·<span style='font:7.0pt "Times New Roman"'>
&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp; </span></span><![endif]>400 jobs by 2027<o:p></o:p></p>
<!--EndFragment--></body></html>"""

WORD_NUMBERS = """<p class=MsoListParagraphCxSpFirst style='mso-list:l1 level1 lfo2'>
<![if !supportLists]><span>1.<span style='font:7.0pt "Times New Roman"'>&nbsp;&nbsp;&nbsp;&nbsp;
</span></span><![endif]>Tender opens in March<o:p></o:p></p>
<p class=MsoListParagraphCxSpLast style='mso-list:l1 level1 lfo2'>
<![if !supportLists]><span>2.<span style='font:7.0pt "Times New Roman"'>&nbsp;&nbsp;&nbsp;&nbsp;
</span></span><![endif]>Contract signed in June<o:p></o:p></p>"""

# Google Docs: one <b style="font-weight:normal"> around everything, marks as
# styled spans, and a table.
GOOGLE_DOCS = """<meta charset="utf-8"><b style="font-weight:normal;"
id="docs-internal-guid-5c1e7f2a-7fff-1a2b">
<p dir="ltr" style="line-height:1.38;margin-top:0pt;margin-bottom:0pt;"><span style="font-size:11pt;
font-family:Arial,sans-serif;font-weight:400;font-style:normal;">The island council </span><span
style="font-size:11pt;font-family:Arial,sans-serif;font-weight:700;">switched on</span><span
style="font-size:11pt;font-weight:400;"> free wifi in the </span><span style="font-style:italic;
font-weight:400;">old harbour</span><span style="font-weight:400;">.</span></p><br>
<div dir="ltr" align="left"><table style="border:none;border-collapse:collapse;"><colgroup><col
width="200"><col width="120"></colgroup><tbody><tr style="height:0pt"><td style="border-left:solid
#000000 1pt;"><p dir="ltr"><span style="font-weight:700;">Site</span></p></td><td><p dir="ltr"><span
style="font-weight:700;">Access points</span></p></td></tr><tr><td><p dir="ltr"><span>Ferry
terminal</span></p></td><td><p dir="ltr"><span>14</span></p></td></tr><tr><td><p dir="ltr">
<span>Fish market</span></p><p dir="ltr"><span>(north hall)</span></p></td><td><p dir="ltr">
<span>6</span></p>
</td></tr><tr><td><br></td><td></td></tr></tbody></table></div></b>"""

# A PDF viewer: one paragraph a line, the document's title first, its running
# head repeated at each page break, bullets as characters.
PDF = """<h1>Harbour wifi goes live</h1>
<p>Harbour Tribune · Weekly briefing</p>
<h2>Connectivity</h2>
<p>Free wifi now covers the harbour front. Three sites come first:</p>
<p>• ferry terminal</p>
<p>• fish market</p>
<p>•marina office</p>
<h2>Connectivity</h2>
<p>- the council pays for the first year</p>
<p>- a sponsor is sought for the second</p>"""


def test_word_bullets_become_a_list_with_their_bold_and_italic() -> None:
    assert sanitize_body(WORD_BULLETS) == (
        "<p>The port authority listed what the new quay brings:</p>"
        "<ul><li><p>two <strong>subsea cable</strong> landings</p></li>"
        "<li><p>a data centre cooled by <em>sea water</em></p></li>"
        "<li><p>400 jobs by 2027</p></li></ul>"
    )


def test_word_numbering_becomes_an_ordered_list() -> None:
    assert sanitize_body(WORD_NUMBERS) == (
        "<ol><li><p>Tender opens in March</p></li><li><p>Contract signed in June</p></li></ol>"
    )


def test_google_docs_keeps_its_marks_and_its_table_becomes_one_paragraph_a_row() -> None:
    clean = sanitize_body(GOOGLE_DOCS)

    assert clean.startswith(
        "<p>The island council <strong>switched on</strong> free wifi"
        " in the <em>old harbour</em>.</p>"
    )  # the whole paste is not bold
    assert "<p><strong>Site</strong> · <strong>Access points</strong></p>" in clean
    assert "<p>Ferry terminal · 14</p>" in clean
    assert "<p>Fish market (north hall) · 6</p>" in clean  # both paragraphs of a cell kept
    assert "<table" not in clean and "<td" not in clean
    assert "<p></p>" not in clean and "<p> · </p>" not in clean  # the empty row goes


def test_a_pdf_paste_loses_its_repeated_heading_and_gets_real_lists() -> None:
    clean = sanitize_body(PDF, headline="Harbour wifi goes live")

    assert clean == (
        "<p>Harbour Tribune · Weekly briefing</p>"
        "<p>Connectivity</p>"
        "<p>Free wifi now covers the harbour front. Three sites come first:</p>"
        "<ul><li><p>ferry terminal</p></li><li><p>fish market</p></li>"
        "<li><p>marina office</p></li></ul>"
        "<ul><li><p>the council pays for the first year</p></li>"
        "<li><p>a sponsor is sought for the second</p></li></ul>"
    )


def words(html: str) -> list[str]:
    """The words of `html` as a reader sees them, without bullets."""
    html = re.sub(r"<(style|head)\b.*?</\1>|<!--.*?-->|<!\[.*?\]>", " ", html, flags=re.S)
    text = unescape(re.sub(r"<[^>]+>", " ", html))
    bullet = re.compile(r"-|\d\.")
    return [word for word in re.split(r"[\s·•]+", text) if word and not bullet.fullmatch(word)]


@pytest.mark.parametrize(
    ("html", "dropped"),
    [(WORD_BULLETS, []), (WORD_NUMBERS, []), (GOOGLE_DOCS, []), (PDF, ["Connectivity"])],
    ids=["word-bullets", "word-numbers", "google-docs", "pdf"],
)
def test_no_word_of_a_paste_is_lost(html: str, dropped: list[str]) -> None:
    """Every word of the pasted text is still there, in order; only the
    bullets and a repeated running head go."""
    pasted = words(html)
    for word in dropped:
        pasted.reverse()
        pasted.remove(word)  # its last repetition
        pasted.reverse()
    assert words(sanitize_body(html)) == pasted


@pytest.mark.parametrize(
    "html",
    [
        "<p>- Sunday's ferry is cancelled</p>",  # one dash is prose, not a list
        "<p>1. FC Harbour won on Sunday.</p><p>The cup final is next.</p>",
        "<p>The council met on 3. March.</p>",
        "<p>3. Third</p><p>5. Fifth</p>",  # not a count
        "<ul><li><p>already a list</p></li></ul>",
    ],
)
def test_what_is_not_a_fake_list_is_left_alone(html: str) -> None:
    assert sanitize_body(html) == html


def test_a_line_break_list_in_one_paragraph_is_split_into_a_list() -> None:
    assert sanitize_body("<p>Three sites:<br>• ferry terminal<br>• fish market</p>") == (
        "<p>Three sites:</p><ul><li><p>ferry terminal</p></li><li><p>fish market</p></li></ul>"
    )


def test_a_numbered_run_keeps_its_first_number() -> None:
    assert sanitize_body("<p>4. Fourth</p><p>5. Fifth</p>") == (
        '<ol start="4"><li><p>Fourth</p></li><li><p>Fifth</p></li></ol>'
    )


def test_tidying_twice_changes_nothing() -> None:
    for html in (WORD_BULLETS, WORD_NUMBERS, GOOGLE_DOCS, PDF):
        once = sanitize_body(html, headline="Harbour wifi goes live")
        assert sanitize_body(once, headline="Harbour wifi goes live") == once


def test_only_a_first_paragraph_that_repeats_the_headline_is_dropped() -> None:
    headline = "Island council switches on free wifi"
    assert sanitize_body(f"<p>{headline}.</p><p>The council met.</p>", headline=headline) == (
        "<p>The council met.</p>"
    )
    kept = f"<p>The council met.</p><p>{headline}</p>"  # not first: the writer's choice
    assert sanitize_body(kept, headline=headline) == kept
    alone = f"<p>{headline} in the harbour</p>"  # more than the headline
    assert sanitize_body(alone, headline=headline) == alone
    pasted_title = "<meta charset='utf-8'><p><b>Cables &amp; wifi</b></p><p>Both arrive.</p>"
    assert sanitize_body(pasted_title, headline="Cables & wifi") == "<p>Both arrive.</p>"


def test_a_word_paste_saved_on_the_desk_is_stored_clean(
    client: Client, alice: User, newsletter: Newsletter
) -> None:
    client.force_login(alice)
    response = client.post(
        "/desk/stories/new/",
        {
            "headline": "Harbour wifi goes live",
            "body": PDF,
            "source": factories.make_source().name,
            "newsletter": newsletter.pk,
        },
    )

    assert response.status_code == 302
    story = Story.objects.get()
    assert story.body.startswith("<p>Harbour Tribune · Weekly briefing</p>")  # title dropped
    assert "<ul><li><p>ferry terminal</p></li>" in story.body
    assert story.body.count("Connectivity") == 1
    assert story.history.count() == 1
