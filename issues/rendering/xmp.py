"""The PDF's XMP metadata as one packet with one rdf:RDF.

WeasyPrint writes one rdf:RDF for the variant it is asked for (PDF/UA-1, or
PDF/A-3b for archival newsletters) and appends any extra XMP after it as a
second rdf:RDF, which XMP readers (Exempi, pikepdf) do not see. An archival
PDF claims PDF/UA-1 as well, so its pdfuaid:part and the PDF/A extension
schema that declares the pdfuaid namespace (PDF/A allows only declared
properties) go into WeasyPrint's own rdf:RDF here, as its last
rdf:Description elements.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_PACKET = re.compile(rb"\A(.*?<x:xmpmeta[^>]*>)(.*)(</x:xmpmeta>.*)\Z", re.DOTALL)

for _prefix, _uri in {
    "pdfaExtension": "http://www.aiim.org/pdfa/ns/extension/",
    "pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#",
    "pdfaProperty": "http://www.aiim.org/pdfa/ns/property#",
    "pdfuaid": "http://www.aiim.org/pdfua/ns/id/",
    "rdf": RDF,
}.items():
    ET.register_namespace(_prefix, _uri)


def one_rdf(packet: bytes, extra: bytes = b"") -> bytes:
    """`packet` (a whole XMP packet) with the rdf:Description elements of
    every rdf:RDF in it, and of `extra` (an rdf:RDF), in its first rdf:RDF."""
    match = _PACKET.match(packet)
    if match is None:
        raise ValueError("not an XMP packet")
    head, body, tail = match.groups()
    # WeasyPrint's own XML and our static file: no entity or DTD from outside.
    whole = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">' + body + extra + b"</x:xmpmeta>"
    wrapper = ET.fromstring(whole)  # noqa: S314
    first, *others = wrapper.findall(f"{{{RDF}}}RDF")
    for other in others:
        first.extend(list(other))
    return head + b"\n" + ET.tostring(first, encoding="unicode").encode() + b"\n" + tail
