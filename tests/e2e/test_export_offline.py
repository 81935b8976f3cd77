"""The issue's HTML export is self-contained: saved to a disk and opened
from there in Chromium with every network request refused, it asks for
nothing but itself, and each of its typefaces loads (they are data: URLs)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, Route

from newsroom.models import Newsletter
from tests.issue_helpers import publish

FACES = """async () => {
    await document.fonts.ready;
    const faces = Array.from(document.fonts);
    await Promise.all(faces.map((face) => face.load().catch(() => null)));
    return faces.map((face) => `${face.family} ${face.weight} ${face.style}: ${face.status}`);
}"""
# issue.css declares four faces of the text family and three of the display one.
EXPECTED = sorted(
    [f"Newsroom Text {w} {s}: loaded" for w in (400, 700) for s in ("normal", "italic")]
    + [f"Newsroom Display {w} normal: loaded" for w in (400, 600, 700)]
)


@pytest.mark.django_db(transaction=True)  # a browser beside the test: ordered with the journeys
def test_the_export_opened_from_disk_offline_loads_every_face(
    page: Page, tmp_path: Path, newsletter: Newsletter, alice: User, bob: User
) -> None:
    issue = publish(
        newsletter, editor=alice, reviewer=bob, headlines=("Harbour cable lands",), number=4
    )
    export = tmp_path / "ict-0004.html"
    with issue.latest_edition.html_file.open("rb") as stored:
        export.write_bytes(stored.read())
    address = export.as_uri()

    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url[:60]))

    def refuse_all_but_the_file(route: Route) -> None:
        if route.request.url == address:
            route.continue_()
        else:
            route.abort()

    page.route("**", refuse_all_but_the_file)
    page.goto(address)
    faces = page.evaluate(FACES)

    assert sorted(face.replace('"', "") for face in faces) == EXPECTED, faces
    # Nothing but the file itself was asked for (data: URLs are no request).
    assert [url for url in requested if not url.startswith("data:")] == [address[:60]]
    assert page.locator("h1").text_content().split() == [
        *newsletter.title.split(),
        "24",
        "-",
        "30",
        "November",
        "2025",
        "Issue",
        "no.",
        "4",
    ]
