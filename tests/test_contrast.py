"""Every badge reads: its text on its colour passes WCAG AA (4.5:1).

The colours are read from the style sheets the pages load, so a colour
changed there is checked here: the status badges of css/newsroom.css, and
the Bootstrap badges (text-bg-*) that templates use.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import xstatic.pkg.bootstrap

ROOT = Path(__file__).resolve().parents[1]
NEWSROOM_CSS = (ROOT / "static" / "css" / "newsroom.css").read_text()
SITE_CSS = (ROOT / "static" / "css" / "site.css").read_text()
BOOTSTRAP_CSS = (Path(xstatic.pkg.bootstrap.BASE_DIR) / "css" / "bootstrap.min.css").read_text()
AA = 4.5

Colour = tuple[int, int, int]


def hex_colour(value: str) -> Colour:
    value = value.strip().lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


def luminance(colour: Colour) -> float:
    """Relative luminance, as WCAG 2 defines it."""

    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: Colour, b: Colour) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def newsroom_token(name: str) -> Colour:
    """A custom property of newsroom.css, following var() references."""
    value = re.search(rf"{re.escape(name)}\s*:\s*([^;]+);", NEWSROOM_CSS).group(1).strip()
    if reference := re.fullmatch(r"var\((--[\w-]+)\)", value):
        return newsroom_token(reference.group(1))
    return hex_colour(value)


def status_kinds() -> list[str]:
    return sorted(set(re.findall(r"^\.status-badge-([\w-]+)\s*\{", NEWSROOM_CSS, re.M)))


def test_the_status_badges_are_those_the_desk_shows() -> None:
    assert status_kinds() == ["approved", "draft", "in-issue", "published", "review"]


@pytest.mark.parametrize("kind", status_kinds())
def test_a_status_badge_passes_aa(kind: str) -> None:
    rule = re.search(rf"^\.status-badge-{kind}\s*\{{([^}}]*)\}}", NEWSROOM_CSS, re.M).group(1)
    background = re.search(r"background-color:\s*var\((--[\w-]+)\)", rule).group(1)
    # The badges' shared rule sets their text white.
    shared = re.search(r"\.badge\.status-badge-draft[^{]*\{([^}]*)\}", NEWSROOM_CSS).group(1)
    text = hex_colour(re.search(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{3,6})", shared).group(1))

    assert contrast(text, newsroom_token(background)) >= AA


def test_no_other_style_sheet_gives_a_status_its_colour() -> None:
    """site.css loads first; a status colour there would be a second,
    unchecked definition (it once held a review yellow of 3.6:1)."""
    assert "status-badge" not in SITE_CSS


def test_a_story_in_a_published_issue_does_not_wear_the_approved_green() -> None:
    assert newsroom_token("--nr-status-in-issue") != newsroom_token("--nr-status-approved")


def bootstrap_badges_in_templates() -> list[str]:
    used: set[str] = set()
    for template in (ROOT / "templates").rglob("*.html"):
        used |= set(re.findall(r"\btext-bg-(\w+)", template.read_text()))
    return sorted(used)


@pytest.mark.parametrize("name", bootstrap_badges_in_templates())
def test_a_bootstrap_badge_the_templates_use_passes_aa(name: str) -> None:
    rule = re.search(rf"\.text-bg-{name}\{{color:(#[0-9a-f]+)!important", BOOTSTRAP_CSS)
    rgb = re.search(rf"--bs-{name}-rgb:(\d+),(\d+),(\d+)", BOOTSTRAP_CSS)
    background = (int(rgb.group(1)), int(rgb.group(2)), int(rgb.group(3)))

    assert contrast(hex_colour(rule.group(1)), background) >= AA


def test_the_contrast_arithmetic_matches_wcags_examples() -> None:
    assert contrast((0, 0, 0), (255, 255, 255)) == pytest.approx(21)
    assert contrast(hex_colour("#b07d00"), (255, 255, 255)) < AA  # the old review yellow
    assert contrast(hex_colour("#767676"), (255, 255, 255)) == pytest.approx(4.54, abs=0.01)
