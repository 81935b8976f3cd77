"""The renderer's URL fetcher: our static files, small data: URLs, nothing else.

Each refused kind is proven not opened: the tests record every file opened
under the test's folder, every socket connection and every urllib request
while the fetcher (or a whole render) runs.
"""

from __future__ import annotations

import base64
import builtins
import io
import socket
import struct
import urllib.request
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import unquote_to_bytes

import pytest
from django.contrib.auth.models import User

from issues.rendering import documents
from issues.rendering import pool as render_pool
from issues.rendering.jobs import worker_pid
from newsroom.models import Newsletter, Story
from tests import factories
from tests.issue_helpers import make_published_stories, pdf_text

PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.css"
    path.write_text("body { color: red } /* the server's private file */")
    return path


@pytest.fixture
def attempts(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[tuple[str, str]]:
    """Every attempt to open a file under tmp_path or to reach the network."""
    seen: list[tuple[str, str]] = []
    real_open = builtins.open

    def watched_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if str(tmp_path) in str(file):
            seen.append(("open", str(file)))
        return real_open(file, *args, **kwargs)

    def refuse(kind: str) -> Callable[..., Any]:
        def record(*args: Any, **kwargs: Any) -> Any:
            seen.append((kind, repr(args[1:2] or args[:1])))
            raise OSError(f"{kind} is not allowed in this test")

        return record

    monkeypatch.setattr(builtins, "open", watched_open)
    monkeypatch.setattr(io, "open", watched_open)
    monkeypatch.setattr(socket.socket, "connect", refuse("connect"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    monkeypatch.setattr(urllib.request.OpenerDirector, "open", refuse("urllib"))
    return seen


def test_it_serves_our_own_static_files() -> None:
    response = documents.fetch_resource("newsroomstatic:css/issue-print.css")
    assert b"@page" in response.read()
    assert response.content_type == "text/css"


def test_it_serves_a_small_data_url(attempts: list[tuple[str, str]]) -> None:
    url = "data:image/png;base64," + base64.b64encode(PNG_1PX).decode()
    response = documents.fetch_resource(url)
    assert response.read() == PNG_1PX
    assert response.content_type == "image/png"
    assert attempts == []


@pytest.mark.parametrize(
    "url",
    [
        "file://{secret}",
        "FILE://{secret}",
        "http://127.0.0.1:9/pixel.png",
        "https://example.org/tracker.css",
        "ftp://example.org/file.css",
        "newsroomstatic:../tests/issue_helpers.py",
        "newsroomstatic:%2e%2e/%2e%2e{secret}",
        "newsroomstatic:css/../../newsroom/settings.py",
        "newsroomstatic:{secret}",
        "newsroomstatic:",
        "newsroomstatic:css/",
        "data:image/png;base64," + "A" * 200_000,
        "data:text/plain," + "a" * 70_000,
    ],
)
def test_it_refuses_without_opening_anything(
    url: str, secret: Path, attempts: list[tuple[str, str]]
) -> None:
    with pytest.raises(documents.RefusedURL):
        documents.fetch_resource(url.format(secret=secret))
    assert attempts == []


def test_a_document_full_of_refused_urls_still_renders(
    secret: Path, attempts: list[tuple[str, str]]
) -> None:
    huge = "data:image/png;base64," + base64.b64encode(b"\0" * 100_000).decode()
    html = f"""<!doctype html><html lang="en"><head><title>Trap</title>
    <link rel="stylesheet" href="file://{secret}">
    <link rel="stylesheet" href="https://example.org/tracker.css">
    <style>@import url("http://127.0.0.1:9/evil.css");
      @font-face {{ font-family: Trap; src: url("file://{secret}"); }}
      body {{ background: url("https://example.org/bg.png"); font-family: Trap, serif; }}</style>
    </head><body><h2>Still here</h2>
    <img src="file://{secret}" alt="a"><img src="http://example.org/p.png" alt="b">
    <img src="{huge}" alt="c"><img src="newsroomstatic:../../../etc/passwd" alt="d">
    <iframe src="https://example.org/"></iframe><object data="file://{secret}"></object>
    </body></html>"""
    pdf = documents.html_to_pdf(html)
    assert pdf.startswith(b"%PDF-")
    assert "Still here" in pdf_text(pdf)
    assert attempts == []


@pytest.fixture
def warm_pool() -> None:
    """A render worker already running (starting one opens a local socket)."""
    render_pool.run(worker_pid)


def test_a_story_body_cannot_make_the_renderer_fetch(
    warm_pool: None,
    newsletter: Newsletter,
    alice: User,
    bob: User,
    secret: Path,
    attempts: list[tuple[str, str]],
) -> None:
    story = make_published_stories(newsletter=newsletter, author=alice, reviewer=bob, count=1)[0]
    # Bypass save() and its sanitiser, as an old row or a raw import might.
    Story.objects.filter(pk=story.pk).update(
        body=f'<p>Harbour news<img src="file://{secret}"><img src="http://127.0.0.1:9/x.png">'
        f'<link rel="stylesheet" href="file://{secret}"></p>'
    )
    issue = factories.make_issue(newsletter=newsletter, created_by=alice, stories=[story])
    pdf = documents.render_pdf(issue)
    assert "Harbour news" in pdf_text(pdf)
    assert "private file" not in pdf_text(pdf)
    assert attempts == []


def png_declaring(width: int, height: int) -> bytes:
    """A small PNG whose header declares `width` x `height` grey pixels:
    decoding it would allocate width x height bytes (a "pixel bomb")."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\0" * (width + 1) * 4, 9)  # a few rows; the rest is missing
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


def data_url(data: bytes, mime_type: str = "image/png") -> str:
    return f"data:{mime_type};base64," + base64.b64encode(data).decode()


@pytest.mark.parametrize(
    ("width", "height"),
    [(100_000, 100_000), (13_000, 13_000), (5_000, 4_000)],
)
@pytest.mark.parametrize("mime_type", ["image/png", "text/plain", "application/octet-stream"])
def test_a_pixel_bomb_is_refused_from_its_header(width: int, height: int, mime_type: str) -> None:
    bomb = png_declaring(width, height)
    assert len(bomb) < 64 * 1024  # small enough to pass the size cap
    with pytest.raises(documents.RefusedURL, match="pixels"):
        documents.fetch_resource(data_url(bomb, mime_type))


def test_a_sane_image_passes() -> None:
    image = png_declaring(1_000, 800)
    assert documents.fetch_resource(data_url(image)).read() == image


def test_an_svg_in_a_data_url_is_refused() -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'
    for mime_type in ("image/svg+xml", "text/plain"):
        with pytest.raises(documents.RefusedURL, match="SVG"):
            documents.fetch_resource(data_url(svg, mime_type))


def test_a_document_with_a_pixel_bomb_renders_without_it() -> None:
    bomb = data_url(png_declaring(13_000, 13_000))
    html = f"""<!doctype html><html lang="en"><body><p>Before the bomb</p>
    <img src="{bomb}" alt="bomb"><div style="background: url('{bomb}')">After it</div>
    </body></html>"""
    # In a render worker with a tight memory limit: decoded, the image's 169
    # million pixels would need more (and take seconds), stopping the render.
    pool = render_pool.RenderPool(size=1, max_jobs=5, memory_mb=128)
    try:
        pdf = pool.run(documents.html_to_pdf, html, time_limit=30)
    finally:
        pool.close()
    assert "Before the bomb" in pdf_text(pdf) and "After it" in pdf_text(pdf)


def test_an_oversized_data_url_is_refused_before_it_is_decoded() -> None:
    url = data_url(b"\0" * 100_000)
    with (
        mock.patch.object(documents.base64, "b64decode", wraps=base64.b64decode) as decode,
        mock.patch.object(documents, "unquote_to_bytes", wraps=unquote_to_bytes) as unquote,
        pytest.raises(documents.RefusedURL, match="over 65536 bytes"),
    ):
        documents.fetch_resource(url)
    with pytest.raises(documents.RefusedURL, match="over 65536 bytes"):
        documents.fetch_resource("data:text/plain," + "%00" * 100_000)
    assert decode.call_count == 0 and unquote.call_count == 0
