"""What a paste from a word processor, a Google Doc or a PDF brings, made into
what the story editor makes (paragraphs, bold, italic, links, lists).

The allowlist (newsroom.writing.sanitizing) keeps the text of what it does not
allow and drops the tags, which on its own leaves a paste looking wrong:

- bullets typed as characters ("•", "·" from Word's Symbol font, "-", "1.")
  at the start of paragraphs become real lists (a run of two or more; one
  paragraph is enough for a bullet glyph, which nobody types as prose);
- a table becomes one paragraph per row, its cells joined by " · ", so no
  cell's text is lost and none runs into the next;
- headings become paragraphs, and a heading that repeats an earlier one (a
  PDF's running head on every page) is dropped;
- <b> and <i>, and Google Docs' styled spans, become the editor's <strong>
  and <em>; Google Docs' <b style="font-weight:normal"> around the whole paste
  is not bold and is unwrapped.

A headline pasted as the first line of the body is dropped by
`drop_repeated_headline`, which the story calls with its headline when saved.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import escape, unescape
from html.parser import HTMLParser

import nh3

# What this module reads; html5ever (through nh3) balances the markup first
# and drops everything else, comments (Word's <![if !supportLists]>) included.
READ_TAGS = {
    "p", "br", "strong", "b", "em", "i", "a", "ul", "ol", "li", "div", "span",
    "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "caption", "thead", "tbody", "tfoot", "tr", "td", "th",
}  # fmt: skip
_read = nh3.Cleaner(
    tags=READ_TAGS,
    attributes={"a": {"href", "title"}, "ol": {"start"}, "b": {"style"}, "span": {"style"}},
    link_rel=None,
    url_schemes={"http", "https", "mailto"},
)

# Worth a look: a tag the editor does not make, or a paragraph that starts
# with something like a bullet. Bodies the editor made skip the parse.
_MAYBE_PASTED = re.compile(
    r"<(?:b|i|span|div|table|h[1-6])\b|<(?:p|br)\b[^>]*>(?:\s|&nbsp;|&#160;|<[^>]+>)*"
    r"(?:[•·‣◦▪▫■□●○◆◇►▸➢➤✓✔⁃∙§*\-–—]|o(?:&nbsp;|\u00a0)|&#183;|&middot;|&bull;|\d{1,3}[.)])",
    re.IGNORECASE,
)

_BULLET = re.compile(
    r"\s*(?:"
    r"(?P<glyph>[•·‣◦▪▫■□●○◆◇►▸➢➤✓✔⁃∙§])\s*"
    r"|(?P<dash>[-–—*])\s+"
    r"|(?P<word_o>o)\u00a0\s*"  # Word's second-level bullet, a Courier "o"
    r"|(?P<number>\d{1,3})[.)]\s+"
    r")(?=\S)"
)
_BOLD = re.compile(r"font-weight\s*:\s*(?:bold|bolder|[6-9]00)", re.IGNORECASE)
_NOT_BOLD = re.compile(r"font-weight\s*:\s*(?:normal|lighter|[1-5]00)", re.IGNORECASE)
_ITALIC = re.compile(r"font-style\s*:\s*italic", re.IGNORECASE)
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_BLOCKS = frozenset({"p", "ul", "ol", "li", "div", "table", "tr", "caption"} | _HEADINGS)
CELL_SEPARATOR = " · "


class Element:
    __slots__ = ("attrs", "children", "tag")

    def __init__(self, tag: str, attrs: dict[str, str] | None = None) -> None:
        self.tag = tag
        self.attrs = attrs or {}
        self.children: list[Element | str] = []

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def html(self) -> str:
        inner = "".join(
            escape(c, quote=False) if isinstance(c, str) else c.html() for c in self.children
        )
        if self.tag == "#root":
            return inner
        attrs = "".join(f' {name}="{escape(value)}"' for name, value in self.attrs.items())
        if self.tag == "br":
            return f"<br{attrs}>"
        return f"<{self.tag}{attrs}>{inner}</{self.tag}>"


class _TreeBuilder(HTMLParser):
    """A tree of the (already balanced) markup nh3 returns."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#root")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(element)
        if tag != "br":
            self.stack.append(element)

    def handle_endtag(self, tag: str) -> None:
        if tag != "br" and len(self.stack) > 1 and self.stack[-1].tag == tag:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


# The same elements with every attribute dropped: their serialisation holds
# only bare tags, balanced, and text with "<" and ">" escaped.
_bare = nh3.Cleaner(tags=READ_TAGS, attributes={}, link_rel=None)
_BARE_TAG = re.compile(r"<(/?)([a-z][a-z0-9]*)>")
_LIST_TAGS = frozenset({"ul", "ol"})
# Deeper than this, a body is left as the allowlist cleans it (our tree
# walkers recurse; the desk refuses such bodies long before, see
# newsroom.writing.sanitizing.check_body_bounds).
TIDY_DEPTH = 100


def depths(html: str) -> Iterator[tuple[int, int]]:
    """(elements open, lists open) after each tag of the tree an HTML5 parser
    builds from `html` (html5ever, through nh3): `<b/>` opens a b element,
    `</br>` is a line break, an open <li> or <p> ends where the next begins.
    Read with a counter, so nothing recurses on the depth."""
    depth = lists = 0
    for match in _BARE_TAG.finditer(_bare.clean(html)):
        closing, name = match.group(1), match.group(2)
        if name == "br":
            continue
        step = -1 if closing else 1
        depth += step
        lists += step if name in _LIST_TAGS else 0
        yield depth, lists


def _too_deep(html: str) -> bool:
    return any(depth > TIDY_DEPTH for depth, _ in depths(html))


def parse(html: str) -> Element:
    return _tree(_read.clean(html))


def _tree(balanced: str) -> Element:
    builder = _TreeBuilder()
    builder.feed(balanced)
    builder.close()
    return builder.root


def tidy_pasted(html: str) -> str:
    """`html` with a paste's fake bullets, tables, headings and styled marks
    turned into the editor's own markup (see the module's docstring)."""
    # Whether it looks pasted is asked of the markup as an HTML5 parser reads
    # it (`</br>` is a line break, `</p>` alone an empty paragraph), the same
    # markup the sanitiser returns: so a body sanitised once looks the same
    # to the second pass, and sanitising stays idempotent.
    balanced = _read.clean(html)
    if not _MAYBE_PASTED.search(balanced) or _too_deep(balanced):
        return html
    root = _tree(balanced)
    _marks(root)
    _blocks(root, seen_headings=set())
    _lists(root)
    _spaces(root)
    root.children = _between_blocks(root.children)
    return root.html()


def _between_blocks(children: list[Element | str]) -> list[Element | str]:
    """Between blocks, only blocks: no line breaks, white space or empty
    paragraphs (Word's spacing) are left over. A line break within a run of
    text outside any paragraph ("Heading<br>- dash") stays: without it the
    words would run together."""
    meaningful = [child for child in children if _is_break(child) or _has_text(child)]
    # Whether the next child that is not a line break is inline, from the end.
    inline_after: list[bool] = []
    following = False
    for child in reversed(meaningful):
        inline_after.append(following)
        if not _is_break(child):
            following = _is_inline(child)
    inline_after.reverse()
    kept: list[Element | str] = []
    for child, inline_next in zip(meaningful, inline_after, strict=True):
        if not _is_break(child) or (kept and _is_inline(kept[-1]) and inline_next):
            kept.append(child)
    return kept


def _is_break(child: Element | str) -> bool:
    return isinstance(child, Element) and child.tag == "br"


def _has_text(child: Element | str) -> bool:
    return bool(child.text().strip() if isinstance(child, Element) else child.strip())


def _is_inline(child: Element | str) -> bool:
    return isinstance(child, str) or child.tag not in _BLOCKS


def _spaces(element: Element) -> None:
    """Line ends in the clipboard's HTML are spaces, as a browser shows them."""
    element.children = [
        re.sub(r"[\r\n]+", " ", child) if isinstance(child, str) else child
        for child in element.children
    ]
    for child in element.children:
        if isinstance(child, Element):
            _spaces(child)


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold().rstrip(".:")


def drop_repeated_headline(html: str, headline: str) -> str:
    """`html` without a first paragraph that only repeats `headline` (a paste
    that brought the document's title along)."""
    wanted = _normal(headline)
    if not wanted or wanted not in _normal(unescape(html)) or _too_deep(html):
        return html
    root = parse(html)
    first = next((c for c in root.children if not (isinstance(c, str) and not c.strip())), None)
    if not isinstance(first, Element) or first.tag not in {"p", *_HEADINGS}:
        return html
    if _normal(first.text()) != wanted:
        return html
    root.children.remove(first)
    return root.html().strip()


def _marks(element: Element) -> None:
    """<b>/<i> and styled spans as <strong>/<em>; other spans unwrapped."""
    for child in element.children:
        if isinstance(child, Element):
            _marks(child)
    children: list[Element | str] = []
    for child in element.children:
        if not isinstance(child, Element) or child.tag not in {"b", "i", "span"}:
            children.append(child)
            continue
        style = child.attrs.get("style", "")
        wrapped: list[Element | str] = list(child.children)
        bold = (child.tag == "b" and not _NOT_BOLD.search(style)) or bool(_BOLD.search(style))
        italic = child.tag == "i" or bool(_ITALIC.search(style))
        for tag, wanted in (("em", italic), ("strong", bold)):
            if wanted:
                mark = Element(tag)
                mark.children = wrapped
                wrapped = [mark]
        children.extend(wrapped)
    element.children = children


def _blocks(element: Element, *, seen_headings: set[str]) -> None:
    """Divs unwrapped, headings as paragraphs (a repeated one dropped),
    tables as one paragraph per row."""
    children: list[Element | str] = []
    for child in element.children:
        if not isinstance(child, Element):
            children.append(child)
        elif child.tag == "div":
            _blocks(child, seen_headings=seen_headings)
            children.extend(child.children)
        elif child.tag in _HEADINGS:
            heading = _normal(child.text())
            if heading and heading in seen_headings:
                continue
            seen_headings.add(heading)
            paragraph = Element("p")
            paragraph.children = _inline(child)
            children.append(paragraph)
        elif child.tag == "table":
            children.extend(_table_as_paragraphs(child))
        else:
            _blocks(child, seen_headings=seen_headings)
            children.append(child)
    element.children = children


def _inline(element: Element) -> list[Element | str]:
    """The inline content of `element`, its blocks joined by spaces."""
    parts: list[Element | str] = []
    for child in element.children:
        if isinstance(child, Element) and child.tag in _BLOCKS | {"td", "th"}:
            inner = _inline(child)
            if inner and parts:
                parts.append(" ")
            parts.extend(inner)
        elif isinstance(child, Element) and child.tag == "br":
            parts.append(" ")
        else:
            parts.append(child)
    return parts


def _rows(table: Element) -> list[Element]:
    rows: list[Element] = []
    for child in table.children:
        if isinstance(child, Element) and child.tag == "tr":
            rows.append(child)
        elif isinstance(child, Element) and child.tag in {"thead", "tbody", "tfoot"}:
            rows.extend(_rows(child))
    return rows


def _table_as_paragraphs(table: Element) -> list[Element]:
    paragraphs: list[Element] = []
    for child in table.children:
        if isinstance(child, Element) and child.tag == "caption" and child.text().strip():
            caption = Element("p")
            caption.children = _inline(child)
            paragraphs.append(caption)
    for row in _rows(table):
        cells = [c for c in row.children if isinstance(c, Element) and c.tag in {"td", "th"}]
        paragraph = Element("p")
        for cell in cells:
            _blocks(cell, seen_headings=set())
            if not cell.text().strip():
                continue
            if paragraph.children:
                paragraph.children.append(CELL_SEPARATOR)
            paragraph.children.extend(_strip(_inline(cell)))
        if paragraph.children:
            paragraphs.append(paragraph)
    return paragraphs


def _strip(parts: list[Element | str]) -> list[Element | str]:
    """Inline content without leading and trailing white space."""
    if parts and isinstance(parts[0], str):
        parts = [parts[0].lstrip(), *parts[1:]]
    if parts and isinstance(parts[-1], str):
        parts = [*parts[:-1], parts[-1].rstrip()]
    return [part for part in parts if part != ""]


# Fake bullets -> lists.


def _lines(paragraph: Element) -> list[Element]:
    """A paragraph split at its line breaks, when a line after the first
    starts with a bullet ("Our plans:<br>• one<br>• two"); else itself."""
    lines: list[Element] = [Element("p")]
    for child in paragraph.children:
        if isinstance(child, Element) and child.tag == "br":
            lines.append(Element("p"))
        else:
            lines[-1].children.append(child)
    if len(lines) > 1 and any(_BULLET.match(line.text()) for line in lines[1:]):
        return [line for line in lines if line.text().strip()]
    return [paragraph]


def _kind(paragraph: Element) -> tuple[str, int] | None:
    """("ol", number) for a paragraph that starts with a number, ("•", 0)
    (its bullet) for one that starts with a bullet: a list goes on while the
    bullet stays the same (Word's second-level "o" goes with any)."""
    match = _BULLET.match(paragraph.text())
    if not match:
        return None
    if match.group("number"):
        return ("ol", int(match.group("number")))
    return (match.group("glyph") or match.group("dash") or "o", 0)


def _drop_marker(paragraph: Element) -> None:
    match = _BULLET.match(paragraph.text())
    if match:
        _drop_leading(paragraph, match.end())


def _drop_leading(element: Element, count: int) -> int:
    """Remove the first `count` characters of text under `element`; return
    how many are still to remove."""
    children: list[Element | str] = []
    for child in element.children:
        if count and isinstance(child, str):
            cut = min(count, len(child))
            child, count = child[cut:], count - cut
        elif count and isinstance(child, Element):
            count = _drop_leading(child, count)
            if child.tag != "br" and not child.text():
                continue  # a mark that held only the bullet
        if child != "":
            children.append(child)
    element.children = children
    return count


def _lists(element: Element) -> None:
    """Runs of bullet paragraphs among `element`'s children as <ul>/<ol>."""
    for child in element.children:
        if isinstance(child, Element) and child.tag not in {"p", "li"}:
            _lists(child)
    expanded: list[Element | str] = []
    for child in element.children:
        if isinstance(child, Element) and child.tag == "p":
            expanded.extend(_lines(child))
        else:
            expanded.append(child)
    children: list[Element | str] = []
    run: list[Element] = []
    run_kind: tuple[str, int] | None = None

    def close_run() -> None:
        if run_kind is None:
            return
        glyph = _BULLET.match(run[0].text())
        if len(run) >= 2 or (glyph and (glyph.group("glyph") or glyph.group("word_o"))):
            children.append(_as_list(run_kind, run))
        else:
            children.extend(run)

    for child in expanded:
        if isinstance(child, str) and not child.strip():
            if run_kind is None:  # white space between list items goes
                children.append(child)
            continue
        kind = _kind(child) if isinstance(child, Element) and child.tag == "p" else None
        if _continues(run_kind, kind, len(run)):
            run.append(child)  # type: ignore[arg-type]
            continue
        close_run()
        run, run_kind = [], None
        if kind is not None:
            run, run_kind = [child], kind  # type: ignore[list-item]
        else:
            children.append(child)
    close_run()
    element.children = children


def _continues(run: tuple[str, int] | None, item: tuple[str, int] | None, length: int) -> bool:
    if run is None or item is None:
        return False
    if "ol" in (run[0], item[0]):
        return run[0] == item[0] and item[1] == run[1] + length  # 1., 2., 3.
    return run[0] == item[0] or "o" in (run[0], item[0])


def _as_list(kind: tuple[str, int], items: list[Element]) -> Element:
    if kind[0] != "ol":
        listing = Element("ul")
    else:
        listing = Element("ol", {"start": str(kind[1])} if kind[1] != 1 else {})
    for paragraph in items:
        _drop_marker(paragraph)
        paragraph.children = _strip(paragraph.children)
        item = Element("li")
        item.children = [paragraph]
        listing.children.append(item)
    return listing
