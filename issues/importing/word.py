"""Word (.docx) back issues, as blocks.

mammoth turns the document into clean HTML: Word's heading styles become
``h1``-``h6``, bold runs ``strong``, lists ``ul``/``ol``, hyperlinks ``a``.
A heading, or a paragraph wholly in bold, is set apart; every paragraph
and list item is a block, numbered in document order for the editor.
"""

from __future__ import annotations

import io
import zipfile
from html.parser import HTMLParser

import mammoth

from issues.importing.parsing import IssueParseError
from issues.importing.recognise import Block

# A back issue's document.xml is tens of kilobytes; a zip that inflates
# past this is refused before mammoth reads it.
UNPACKED_MAX = 30 * 1024 * 1024
_BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6"}
_BOLD = {"strong", "b"}


class _Blocks(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self._tag = ""
        self._text: list[tuple[str, bool]] = []
        self._bold = 0
        self._link = ""
        self._count = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self._flush()
            self._tag = tag
        elif tag in _BOLD:
            self._bold += 1
        elif tag == "a" and not self._link:
            href = dict(attrs).get("href") or ""
            if href.startswith(("http://", "https://")):
                self._link = href
        elif tag == "br":
            self._text.append((" ", bool(self._bold)))

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self._flush()
        elif tag in _BOLD:
            self._bold = max(0, self._bold - 1)

    def handle_data(self, data: str) -> None:
        if self._tag:
            self._text.append((data, bool(self._bold)))

    def _flush(self) -> None:
        text = " ".join("".join(t for t, _ in self._text).split())
        if text:
            self._count += 1
            bold = all(b for t, b in self._text if t.strip())
            heading = self._tag.startswith("h") or (bold and self._tag == "p")
            style = f"in Heading {self._tag[1]}" if self._tag.startswith("h") else "in bold"
            self.blocks.append(
                Block(
                    text,
                    f"paragraph {self._count}",
                    self._count,
                    heading=heading,
                    style=style if heading else "",
                    list_item=self._tag == "li",
                    link=self._link,
                )
            )
        self._tag, self._text, self._link = "", [], ""


def docx_blocks(data: bytes) -> list[Block]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            if "word/document.xml" not in archive.namelist():
                raise IssueParseError("this .docx has no document in it; is it a Word file?", 1)
    except zipfile.BadZipFile:
        raise IssueParseError(
            "this is not a Word .docx file (an older .doc? save it as .docx or PDF)", 1
        ) from None
    if unpacked > UNPACKED_MAX:
        raise IssueParseError(
            f"the .docx unpacks to {unpacked // 1024 // 1024} MB; a back issue needs far less", 1
        )
    try:
        result = mammoth.convert_to_html(io.BytesIO(data))
    except Exception as exc:  # mammoth raises whatever its XML reader meets
        raise IssueParseError(f"the Word file could not be read ({exc})", 1) from None
    parser = _Blocks()
    parser.feed(result.value)
    parser.close()
    parser._flush()
    return parser.blocks
