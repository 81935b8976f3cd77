"""What a story's body is, counted one way everywhere: its words and its
blocks.

The rule: **one paragraph, optionally followed by one list**. The help text
under the body field, the live warning on the story form
(static/js/desk-editor.js, `bodyProblem`) and the submit check
(`Story.check_rules`) all say it in these words, and count the same way:

- the blocks are the body's top-level elements: paragraphs (<p>) and lists
  (<ul>, <ol>; the items of a list, and lists within it, are part of it);
- a word is a run of characters between spaces, block ends and line breaks
  that holds at least one letter or digit (a "·" or "–" on its own is not a
  word; a full stop after a link is not one either).

Stories recorded as they were printed (a back issue imported into the
archive) are not held to the rule: `recording_as_printed()` says so around
their transitions.

The script on the story form mirrors `count_words` and `body_problem`; the
journey in tests/e2e/test_writing_journey.py holds both sides to the same
answers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from html.parser import HTMLParser

from django.utils.html import strip_tags

BODY_RULE = "One paragraph, optionally followed by one list"
BODY_HELP = f"{BODY_RULE}; our stories run 60–90 words."

BLOCK_BREAK = re.compile(r"<br\s*/?>|</(?:p|li|ul|ol)>", re.IGNORECASE)
_WORDLIKE = re.compile(r"[^\W_]")  # a letter or a digit, in any script


def count_words(html: str) -> int:
    """The words of a body as a reader counts them (see the module)."""
    text = strip_tags(BLOCK_BREAK.sub(" ", html or ""))
    return sum(1 for token in text.split() if _WORDLIKE.search(token))


@dataclass(frozen=True)
class Shape:
    blocks: tuple[str, ...]  # "p" or "list", in order

    @property
    def paragraphs(self) -> int:
        return self.blocks.count("p")

    @property
    def lists(self) -> int:
        return self.blocks.count("list")


class _TopLevel(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.blocks: list[str] = []
        self.loose_text = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            return
        if self.depth == 0:
            if tag in {"ul", "ol"}:
                self.blocks.append("list")
            elif tag == "p":
                self.blocks.append("p")
            else:  # inline markup outside a paragraph reads as one
                self.loose_text = True
        self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag != "br" and self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth == 0 and data.strip():
            self.loose_text = True


def body_shape(html: str) -> Shape:
    """The top-level blocks of a body (sanitised, so balanced). Text outside
    any block counts as one paragraph, as the editor shows it."""
    parser = _TopLevel()
    parser.feed(html or "")
    parser.close()
    blocks = parser.blocks
    if parser.loose_text and "p" not in blocks:
        blocks = ["p", *blocks]
    return Shape(tuple(blocks))


def body_problem(html: str) -> str | None:
    """What keeps `html` from being a story's body by the rule, in words; None
    when it keeps the rule (an empty body too: submitting asks for a body)."""
    shape = body_shape(html)
    rule = f"a story is {BODY_RULE.lower()}."
    if shape.paragraphs > 1:
        return f"This story has {shape.paragraphs} paragraphs; {rule} Join the paragraphs."
    if shape.lists > 1:
        return f"This story has {shape.lists} lists; {rule} Make them one list."
    if shape.lists and shape.blocks[0] != "p":
        if shape.paragraphs:
            return f"The list comes before the paragraph; {rule} Move the list to the end."
        return f"This story is only a list; {rule} Start it with a paragraph."
    return None


_as_printed: ContextVar[bool] = ContextVar("recording_as_printed", default=False)


@contextmanager
def recording_as_printed() -> Iterator[None]:
    """Within it, the submit check does not hold bodies to the rule: the
    stories of a back issue are recorded as they were printed."""
    token = _as_printed.set(True)
    try:
        yield
    finally:
        _as_printed.reset(token)


def submit_problem(html: str) -> str | None:
    """What the submit check says of `html` (None: it may go to review)."""
    return None if _as_printed.get() else body_problem(html)
