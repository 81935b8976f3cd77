"""Finding a commented passage again after the story was edited."""

from __future__ import annotations

from newsroom.review.anchoring import Anchor, Found, anchor_at, locate, plain_text, reanchored

TEXT = (
    "The harbour authority opened its fifth data centre on Monday. "
    "Exports of cloud services rose 40% in a year, the ministry said. "
    "The centre is cooled by sea water."
)
QUOTE = "rose 40% in a year"


def anchored() -> Anchor:
    anchor = anchor_at(TEXT, QUOTE, near=TEXT.index(QUOTE))
    assert anchor is not None
    return anchor


def test_an_anchor_keeps_the_quote_its_offsets_and_the_text_around_it() -> None:
    anchor = anchored()
    assert TEXT[anchor.start : anchor.end] == QUOTE
    assert TEXT.endswith(anchor.suffix, 0, anchor.end + len(anchor.suffix))
    assert anchor.prefix == TEXT[anchor.start - 32 : anchor.start]
    assert anchor.suffix == TEXT[anchor.end : anchor.end + 32]


def test_an_edit_before_the_passage_moves_the_anchor_with_it() -> None:
    edited = "On a grey morning, " + TEXT.replace("fifth", "long-awaited fifth")
    where = locate(edited, anchored())
    assert where.found is Found.EXACT
    assert edited[where.start : where.end] == QUOTE


def test_an_edit_after_the_passage_leaves_the_anchor_in_place() -> None:
    edited = TEXT.replace("sea water", "water drawn from the bay")
    where = locate(edited, anchored())
    assert (where.found, where.start) == (Found.EXACT, anchored().start)


def test_an_edit_inside_the_passage_keeps_it_as_reworded() -> None:
    edited = TEXT.replace("rose 40% in a year", "rose 45 per cent in twelve months")
    where, new = reanchored(edited, anchored())
    assert where.found is Found.EDITED
    assert edited[where.start : where.end] == "rose 45 per cent in twelve months"
    assert new.quote == QUOTE  # the words the comment was made on


def test_a_passage_whose_words_and_surroundings_are_gone_is_lost() -> None:
    edited = "The ministry published no figures for the year. The centre opened on Monday."
    where, new = reanchored(edited, anchored())
    assert where.found is Found.LOST
    assert new == anchored()


def test_of_two_occurrences_the_one_in_the_old_surroundings_wins() -> None:
    text = "Sales rose 40% in a year. " + TEXT
    where = locate(text, anchored())
    assert where.start == text.index(QUOTE, 30)


def test_the_occurrence_nearest_the_selection_is_the_one_commented_on() -> None:
    text = "It rose. Later it rose again."
    anchor = anchor_at(text, "rose", near=18)
    assert anchor is not None and anchor.start == text.index("rose", 10)


def test_words_not_in_the_text_cannot_be_anchored() -> None:
    assert anchor_at(TEXT, "not in the story") is None
    assert anchor_at(TEXT, "   ") is None


def test_a_passage_at_the_very_start_survives_an_edit_inside_it() -> None:
    anchor = anchor_at(TEXT, "The harbour authority", near=0)
    assert anchor is not None and anchor.prefix == ""
    where = locate(TEXT.replace("The harbour authority", "The port board", 1), anchor)
    assert (where.found, where.start) == (Found.EDITED, 0)


def test_plain_text_is_what_the_reader_sees() -> None:
    body = "<p>Cloud &amp; <strong>data</strong> rose</p><p>A <a href='x'>link</a>.</p>"
    assert plain_text(body) == "Cloud & data roseA link."
