"""The issue's typefaces are files of ours (static/fonts/, SIL OFL): the PDF
is set in them, fetched through the renderer's locked fetcher, and the web
pages and the HTML artifact use the same files."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path
from typing import Any
from unittest import mock

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.staticfiles import finders
from django.test import Client
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from issues.rendering import documents
from newsroom.models import Newsletter
from tests.test_text_layer import make_text_layer_issue

FONTS = Path(settings.BASE_DIR) / "static" / "fonts"
FACES = re.compile(r'@font-face \{ font-family: "([^"]+)";[^}]*?url\("([^"]+)"\)')


def shipped_fonts() -> set[str]:
    return {f"fonts/{path.name}" for path in FONTS.glob("*.ttf")}


def faces(stylesheet: str, prefix: str) -> set[tuple[str, str]]:
    """(family, static path) of each @font-face in a stylesheet."""
    text = Path(str(finders.find(stylesheet))).read_text()
    return {(family, url.removeprefix(prefix)) for family, url in FACES.findall(text)}


def test_each_shipped_family_has_its_licence_beside_it() -> None:
    for family in ("newsreader", "libre-franklin"):
        assert list(FONTS.glob(f"{family}-*.ttf"))
        assert "SIL OPEN FONT LICENSE" in (FONTS / f"{family}-OFL.txt").read_text().upper()


def test_the_web_pages_and_the_pdf_declare_the_same_faces_from_the_same_files(
    client: Client, db: None
) -> None:
    printed = faces("css/issue.css", documents.STATIC_SCHEME)
    screen = faces("css/site.css", "../")
    assert printed == screen
    assert {path for _, path in printed} == shipped_fonts()
    assert {family for family, _ in printed} == {"Newsroom Text", "Newsroom Display"}
    page = client.get("/").content.decode()
    assert f'href="{settings.STATIC_URL}css/site.css"' in page


def test_the_renderer_fetches_every_face_through_its_locked_fetcher() -> None:
    fetched: list[str] = []
    fetch = documents.StaticOnlyFetcher.fetch

    def spy(self: documents.StaticOnlyFetcher, url: str, *args: Any) -> Any:
        fetched.append(url)
        return fetch(self, url, *args)

    # The faces are loaded with the stylesheet, once per process: start afresh.
    documents._stylesheets.cache_clear()
    documents._font_config.cache_clear()
    try:
        with mock.patch.object(documents.StaticOnlyFetcher, "fetch", spy):
            documents.html_to_pdf('<html lang="en"><body><p>Fibre</p></body></html>')
    finally:
        documents._stylesheets.cache_clear()
        documents._font_config.cache_clear()
    fonts = {url.removeprefix(documents.STATIC_SCHEME) for url in fetched if "fonts/" in url}
    assert fonts == shipped_fonts()


def test_the_pdf_is_set_in_the_shipped_faces_and_the_cjk_fallback_only(
    newsletter: Newsletter, alice: User, bob: User
) -> None:
    pdf = documents.render_pdf(make_text_layer_issue(newsletter, alice, bob))
    families = {
        str(font.get_object()["/BaseFont"]).split("+", 1)[-1]
        for page in PdfReader(io.BytesIO(pdf)).pages
        for font in page["/Resources"]["/Font"].values()
    }
    # Named after our @font-face families: no system font stood in for them.
    assert {"Newsroom-Text", "Newsroom-Text-Bold", "Newsroom-Display"} <= families, families
    others = {f for f in families if not f.startswith("Newsroom-")}
    assert others == {"Noto-Sans-CJK-SC"}, families  # for the Hanzi name only


def test_the_html_artifact_carries_each_face_subset_to_the_characters_it_uses(
    newsletter: Newsletter, alice: User, bob: User
) -> None:
    issue = make_text_layer_issue(newsletter, alice, bob)
    html = documents.render_html(issue)
    urls = re.findall(r'url\("([^"]+)"\)', html)
    assert len(urls) == len(shipped_fonts()), "one data: URL per shipped face"
    body_text = re.sub(r"<[^>]+>", "", html.split("<body>", 1)[1])
    for url in urls:
        assert url.startswith("data:font/woff2;base64,"), url[:40]
        data = base64.b64decode(url.removeprefix("data:font/woff2;base64,"))
        font = TTFont(io.BytesIO(data))
        covered = set(map(chr, font.getBestCmap()))
        assert {c for c in body_text if c.isascii() and c.isprintable()} <= covered
        assert "Q" not in body_text.upper() or "Q" in covered
        assert len(data) < 40_000  # a subset, not the whole face
    # Subsetting stamps no time: a second render gives the same bytes.
    assert documents.render_html(issue) == html
