"""The PDF/UA-1 essentials, checked with pypdf (no validator installs from the
registries we can reach). Used on every PDF the tests publish.

`assert_accessible_pdf` checks: a structure tree with the right roles
(headings, paragraphs, links, figures with alternative text), one H1 (the
issue's title) before every other heading, the document language and title
shown, one XMP packet whose single rdf:RDF claims PDF/UA-1 (read back with an
XML parser, as XMP readers do), every font embedded with a ToUnicode map,
and the reading order (the headings of the structure tree, read in order,
are the issue's headlines in the issue's order).

`page_furniture_text`, `artifact_text` and `languages` read what the
structure tree leaves out (running heads, footers) and which runs carry
their own /Lang.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from typing import Any

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NumberObject

HEADING = re.compile(r"^/H[1-6]?$")
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
PDFUAID = "http://www.aiim.org/pdfua/ns/id/"
ARTIFACT = "artifact"


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


def _marked_text(
    reader: PdfReader, artifacts: list[str] | None = None
) -> dict[tuple[int, int], str]:
    """The text inside each marked-content sequence: (page, MCID) -> text.
    Text inside /Artifact marked content goes to `artifacts` instead."""
    texts: dict[tuple[int, int], str] = {}
    for number, page in enumerate(reader.pages):
        open_ids: list[int | str | None] = []

        def before(operator: bytes, operands: list[Any], *_: Any) -> None:
            if operator in (b"BDC", b"BMC") and operands and operands[0] == "/Artifact":
                open_ids.append(ARTIFACT)  # noqa: B023
            elif operator == b"BDC":
                properties = _resolve(operands[1]) if len(operands) > 1 else None
                mcid = properties.get("/MCID") if isinstance(properties, dict) else None
                open_ids.append(int(mcid) if mcid is not None else None)  # noqa: B023
            elif operator == b"BMC":
                open_ids.append(None)  # noqa: B023
            elif operator == b"EMC" and open_ids:  # noqa: B023
                open_ids.pop()  # noqa: B023

        def text(value: str, *_: Any) -> None:
            if ARTIFACT in open_ids:  # noqa: B023
                if artifacts is not None:
                    artifacts.append(value)
                return
            ids = [i for i in open_ids if isinstance(i, int)]  # noqa: B023
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


def _page_numbers(reader: PdfReader) -> dict[int, int]:
    # By object number: pypdf may hand out two Python objects for one page.
    return {
        page.indirect_reference.idnum: number
        for number, page in enumerate(reader.pages)
        if page.indirect_reference is not None
    }


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def headings_in_reading_order(pdf: bytes, roles: str = "") -> list[str]:
    """The text of each heading (of `roles` only, e.g. "/H1", if given)."""
    reader = PdfReader(io.BytesIO(pdf))
    texts = _marked_text(reader)
    pages = _page_numbers(reader)
    return [
        _one_line(_element_text(element, texts, pages))
        for element in structure_elements(reader)
        if HEADING.match(str(element["/S"])) and str(element["/S"]).startswith(roles)
    ]


def _tagged_ids(reader: PdfReader, pages: dict[int, int]) -> set[tuple[int, int]]:
    """(page, MCID) of every marked-content sequence the structure tree names."""
    found: set[tuple[int, int]] = set()

    def visit(element: DictionaryObject, page: int) -> None:
        page = _page_of(element, pages, page)
        for kid in _kids(element):
            if isinstance(kid, NumberObject | int):
                found.add((page, int(kid)))
            elif isinstance(kid, DictionaryObject) and "/MCID" in kid:
                found.add((_page_of(kid, pages, page), int(kid["/MCID"])))
            elif isinstance(kid, DictionaryObject) and "/S" in kid:
                visit(kid, page)

    for top in _kids(_resolve(reader.trailer["/Root"]["/StructTreeRoot"])):
        if isinstance(top, DictionaryObject):
            visit(top, 0)
    return found


def page_furniture_text(pdf: bytes) -> str:
    """The text a reader of the structure tree never meets: inside /Artifact
    marked content, or in marked content no structure element names."""
    reader = PdfReader(io.BytesIO(pdf))
    artifacts: list[str] = []
    texts = _marked_text(reader, artifacts)
    tagged = _tagged_ids(reader, _page_numbers(reader))
    untagged = [text for key, text in sorted(texts.items()) if key not in tagged]
    return _one_line(" ".join(artifacts + untagged))


def artifact_text(pdf: bytes) -> str:
    """The text inside /Artifact marked content (page furniture)."""
    artifacts: list[str] = []
    _marked_text(PdfReader(io.BytesIO(pdf)), artifacts)
    return _one_line(" ".join(artifacts))


def structure_text(pdf: bytes) -> str:
    """All the text the structure tree holds, in its order."""
    reader = PdfReader(io.BytesIO(pdf))
    texts = _marked_text(reader)
    pages = _page_numbers(reader)
    tagged = sorted(_tagged_ids(reader, pages))
    return _one_line(" ".join(texts.get(key, "") for key in tagged))


def languages(pdf: bytes) -> list[tuple[str, str]]:
    """(/Lang, text) of each structure element that names its own language."""
    reader = PdfReader(io.BytesIO(pdf))
    texts = _marked_text(reader)
    pages = _page_numbers(reader)
    return [
        (str(element["/Lang"]), _one_line(_element_text(element, texts, pages)))
        for element in structure_elements(reader)
        if "/Lang" in element
    ]


def xmp_packet(pdf: bytes) -> bytes:
    reader = PdfReader(io.BytesIO(pdf))
    return bytes(_resolve(reader.trailer["/Root"]["/Metadata"]).get_data())


def xmp_rdf_blocks_and_pdfua_part(packet: bytes) -> tuple[int, str | None]:
    """How many rdf:RDF the XMP packet has, and the pdfuaid:part the first
    one claims (as an XMP reader sees it: only the first rdf:RDF counts)."""
    body = packet[packet.index(b"<x:xmpmeta") : packet.index(b"</x:xmpmeta>") + 12]
    blocks = ET.fromstring(body).findall(f"{{{RDF}}}RDF")  # noqa: S314 (our own PDF)
    for description in blocks[0].iter(f"{{{RDF}}}Description") if blocks else ():
        part = description.get(f"{{{PDFUAID}}}part") or description.findtext(f"{{{PDFUAID}}}part")
        if part is not None:
            return len(blocks), part.strip()
    return len(blocks), None


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


def assert_accessible_pdf(
    pdf: bytes, *, headlines: Sequence[str], lang: str = "en", title: str | None = None
) -> None:
    """The PDF/UA-1 essentials; `headlines` in the issue's order; the H1
    (if `title` is given) names it (the case and spacing as printed aside)."""
    reader = PdfReader(io.BytesIO(pdf))
    catalog = reader.trailer["/Root"]
    assert bool(catalog["/MarkInfo"]["/Marked"]), "not marked as tagged"
    assert catalog["/Lang"] == lang
    assert bool(catalog["/ViewerPreferences"]["/DisplayDocTitle"])
    assert reader.metadata is not None and reader.metadata.title, "no document title"
    blocks, part = xmp_rdf_blocks_and_pdfua_part(xmp_packet(pdf))
    assert blocks == 1, f"{blocks} rdf:RDF in the XMP packet: readers see the first only"
    assert part == "1", "no PDF/UA-1 claim (pdfuaid:part) in the XMP"

    elements = list(structure_elements(reader))
    roles = [str(element["/S"]) for element in elements]
    headings = [role for role in roles if HEADING.match(role)]
    assert headings and headings[0] == "/H1", f"the first heading is {headings[:1]}, not an H1"
    assert headings.count("/H1") == 1, f"{headings.count('/H1')} H1 elements: the title is the one"
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

    heading_texts = headings_in_reading_order(pdf)
    assert [h for h in heading_texts if h in headlines] == list(headlines), heading_texts
    if title is not None:
        (h1,) = headings_in_reading_order(pdf, "/H1")
        squeezed = re.sub(r"\s+", "", h1).casefold()
        assert re.sub(r"\s+", "", title).casefold() in squeezed, f"the H1 is {h1!r}"
