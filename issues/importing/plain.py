"""Plain text and Markdown back issues without our masthead, as blocks.

Blocks are separated by blank lines. A Markdown heading (``#``, or a line
underlined with ``===``/``---``), a line wholly in ``**bold**``, or a short
line without a sentence's closing punctuation is set apart; a block whose
first line is such a line and goes on without a blank line is a headline
and its paragraph. Where a file marks its headlines (Markdown headings or
bold lines), only those are set apart. List items (``-``, ``*``, ``•``, ``1.``) are kept.
"""

from __future__ import annotations

import re

from issues.importing.recognise import Block, source_alone

HEADLINE_LINE_MAX = 160
SHORT_LINE = "on short lines of their own"
_HEADING = re.compile(r"^#{1,6}\s+(?P<text>.+?)\s*#*$")
_BOLD_LINE = re.compile(r"^(?:\*\*|__)(?P<text>[^*_].*?)(?:\*\*|__)$")
_UNDERLINE = re.compile(r"^(?:=+|-+)$")
_RULE = re.compile(r"^(?:\*\s*){3,}$|^(?:-\s*){3,}$|^(?:_\s*){3,}$")
_ITEM = re.compile(r"^(?:[-*+•·▪◦]|\d{1,2}[.)])\s+(?P<text>.+)$")
_MD_LINK = re.compile(r"\[(?P<text>[^\]]+)\]\((?P<url>https?://[^)\s]+)\)")
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1|(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?!\*)")


def _inline(text: str) -> tuple[str, str]:
    """Plain text of a Markdown line and its first link."""
    found = _MD_LINK.search(text)
    text = _MD_LINK.sub(lambda m: m.group("text"), text)
    text = _EMPHASIS.sub(lambda m: m.group(2) or m.group(3), text)
    text = _ESCAPE.sub(r"\1", text)
    return " ".join(text.split()), found.group("url") if found else ""


def _short_line(text: str) -> bool:
    return (
        0 < len(text) <= HEADLINE_LINE_MAX
        and not text.endswith((".", ",", ";", ":", "!", "?", ")", "]", "”", '"'))
        and source_alone(text) is None
        and not _ITEM.match(text)
    )


def text_blocks(text: str) -> list[Block]:
    lines = text.removeprefix("\ufeff").splitlines()
    groups: list[list[tuple[int, str]]] = [[]]
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or _RULE.match(line):
            groups.append([])
        elif _UNDERLINE.match(line) and groups[-1]:
            groups[-1][-1] = (groups[-1][-1][0], f"# {groups[-1][-1][1]}")
            groups.append([])
        else:
            groups[-1].append((number, line))
    blocks: list[Block] = []
    for group in filter(None, groups):
        blocks += _group_blocks(group)
    if any(b.heading and b.style != SHORT_LINE for b in blocks):
        # The file marks its headlines: a short line alone is only text.
        for block in blocks:
            if block.style == SHORT_LINE:
                block.heading, block.style = False, ""
    return blocks


def _group_blocks(group: list[tuple[int, str]]) -> list[Block]:
    blocks: list[Block] = []
    paragraph: list[tuple[int, str]] = []

    def flush() -> None:
        if paragraph:
            text, link = _inline(" ".join(t for _, t in paragraph))
            blocks.append(Block(text, f"line {paragraph[0][0]}", paragraph[0][0], link=link))
            paragraph.clear()

    for i, (number, line) in enumerate(group):
        where = f"line {number}"
        if heading := _HEADING.match(line) or _BOLD_LINE.match(line):
            flush()
            style = "as Markdown headings" if line.startswith("#") else "in bold"
            text, link = _inline(heading.group("text"))
            blocks.append(Block(text, where, number, heading=True, style=style, link=link))
        elif item := _ITEM.match(line):
            flush()
            text, link = _inline(item.group("text"))
            blocks.append(Block(text, where, number, list_item=True, link=link))
        elif blocks and blocks[-1].list_item and not paragraph:
            blocks[-1].text += " " + _inline(line)[0]  # an item wrapped over lines
        elif (
            not paragraph
            and not blocks
            and _short_line(_inline(line)[0])
            and (i + 1 < len(group) or len(group) == 1)
        ):
            text, link = _inline(line)
            blocks.append(
                Block(
                    text,
                    where,
                    number,
                    heading=True,
                    style="on short lines of their own",
                    link=link,
                )
            )
        else:
            paragraph.append((number, line))
    flush()
    return blocks
