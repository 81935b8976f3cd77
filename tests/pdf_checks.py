"""The PDF/UA-1 essentials, checked with pypdf (no validator installs from the
registries we can reach). Used on every PDF the tests publish.

`assert_accessible_pdf` checks: a structure tree with the right roles
(headings, paragraphs, links, figures with alternative text), the document
language and title shown, every font embedded with a ToUnicode map, and the
reading order (the headings of the structure tree, read in order, are the
issue's headlines in the issue's order).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Sequence
from typing import Any

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NumberObject

HEADING = re.compile(r"^/H[1-6]?$")


def _resolve(value: Any) -> Any:
    return value.get_object() if isinstance(value, IndirectObject) else value


def _kids(element: DictionaryObject) -> list[Any]:
    kids = _resolve(element.get("/K"))
    if kids is None:
        return []
    return [_resolve(kid) for kid in (kids if isinstance(kids, ArrayObject) else [kids])]


def structure_elements(reader: PdfReader) -> Iterator[DictionaryObject]:
    """Every structure element, depth first, in the tree's (reading) order."""
    root = _resolve(reader.trailer["/Root"]["/StructTreeRoot"])
    stack = list(reversed(_kids(root)))
    while stack:
        element = stack.pop()
        if isinstance(element, DictionaryObject) and "/S" in element:
            yield element
            stack.extend(reversed(_kids(element)))


def _marked_text(reader: PdfReader) -> dict[tuple[int, int], str]:
    """The text inside each marked-content sequence: (page, MCID) -> text."""
    texts: dict[tuple[int, int], str] = {}
    for number, page in enumerate(reader.pages):
        open_ids: list[int | None] = []

        def before(operator: bytes, operands: list[Any], *_: Any) -> None:
            if operator == b"BDC":
                properties = _resolve(operands[1]) if len(operands) > 1 else None
                mcid = properties.get("/MCID") if isinstance(properties, dict) else None
                open_ids.append(int(mcid) if mcid is not None else None)  # noqa: B023
            elif operator == b"BMC":
                open_ids.append(None)  # noqa: B023
            elif operator == b"EMC" and open_ids:  # noqa: B023
                open_ids.pop()  # noqa: B023

        def text(value: str, *_: Any) -> None:
            ids = [i for i in open_ids if i is not None]  # noqa: B023
            if ids and value:
                key = (number, ids[-1])  # noqa: B023
                texts[key] = texts.get(key, "") + value

        page.extract_text(visitor_operand_before=before, visitor_text=text)
    return texts


def _page_of(item: DictionaryObject, pages: dict[int, int], default: int) -> int:
    """The page number an element or marked-content reference names in /Pg
    (an indirect reference to the page), or `default`."""
    reference = item.get("/Pg")
    if isinstance(reference, IndirectObject):
        return pages.get(reference.idnum, default)
    return default


def _element_text(
    element: DictionaryObject,
    texts: dict[tuple[int, int], str],
    pages: dict[int, int],
    page: int = 0,
) -> str:
    page = _page_of(element, pages, page)
    pieces = []
    for kid in _kids(element):
        if isinstance(kid, NumberObject | int):
            pieces.append(texts.get((page, int(kid)), ""))
        elif isinstance(kid, DictionaryObject) and "/MCID" in kid:
            pieces.append(texts.get((_page_of(kid, pages, page), int(kid["/MCID"])), ""))
        elif isinstance(kid, DictionaryObject) and "/S" in kid:
            pieces.append(_element_text(kid, texts, pages, page))
    # Not stripped here: a space at the edge of a child (a span) is text.
    return "".join(pieces)


def headings_in_reading_order(pdf: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    texts = _marked_text(reader)
    # By object number: pypdf may hand out two Python objects for one page.
    pages = {
        page.indirect_reference.idnum: number
        for number, page in enumerate(reader.pages)
        if page.indirect_reference is not None
    }
    return [
        re.sub(r"\s+", " ", _element_text(element, texts, pages)).strip()
        for element in structure_elements(reader)
        if HEADING.match(str(element["/S"]))
    ]


def _fonts(reader: PdfReader) -> Iterator[DictionaryObject]:
    seen: set[int] = set()
    for page in reader.pages:
        for font in _resolve(page["/Resources"]).get("/Font", {}).values():
            font = _resolve(font)
            if id(font) not in seen:
                seen.add(id(font))
                yield font


def made_by_newsroom(pdf: bytes) -> bool:
    """Whether `pdf` came out of our renderer (WeasyPrint says so)."""
    if not pdf.startswith(b"%PDF-"):
        return False
    metadata = PdfReader(io.BytesIO(pdf)).metadata
    return metadata is not None and "WeasyPrint" in str(metadata.get("/Producer", ""))


def assert_accessible_pdf(pdf: bytes, *, headlines: Sequence[str], lang: str = "en") -> None:
    """The PDF/UA-1 essentials; `headlines` in the issue's order."""
    reader = PdfReader(io.BytesIO(pdf))
    catalog = reader.trailer["/Root"]
    assert bool(catalog["/MarkInfo"]["/Marked"]), "not marked as tagged"
    assert catalog["/Lang"] == lang
    assert bool(catalog["/ViewerPreferences"]["/DisplayDocTitle"])
    assert reader.metadata is not None and reader.metadata.title, "no document title"
    xmp = _resolve(catalog["/Metadata"]).get_data()
    assert b'pdfuaid:part="1"' in xmp or b"<pdfuaid:part>1<" in xmp, "no PDF/UA-1 claim"

    elements = list(structure_elements(reader))
    roles = [str(element["/S"]) for element in elements]
    assert any(HEADING.match(role) for role in roles), roles
    assert "/P" in roles, roles
    for element in elements:
        if element["/S"] == "/Figure":
            assert str(element.get("/Alt", "")).strip(), "a figure without alternative text"
    for page in reader.pages:
        for annotation in page.get("/Annots", []):
            if _resolve(annotation).get("/Subtype") == "/Link":
                assert "/Link" in roles, "a link annotation outside a Link element"

    for font in _fonts(reader):
        name = font["/BaseFont"]
        assert "/ToUnicode" in font, f"{name} has no ToUnicode map"
        descendant = _resolve(font.get("/DescendantFonts", [font])[0])
        descriptor = _resolve(descendant["/FontDescriptor"])
        assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), f"{name} not embedded"

    headings = headings_in_reading_order(pdf)
    assert [h for h in headings if h in headlines] == list(headlines), headings
