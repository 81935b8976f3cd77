"""Straight quotes typed in the desk print as typographic quotes."""

from __future__ import annotations

import pytest

from issues.rendering.typography import smarten, smarten_html


@pytest.mark.parametrize(
    ("typed", "printed"),
    [
        (
            'The minister said "we will connect every island".',
            "The minister said “we will connect every island”.",
        ),
        ("It's the port's 'smart' gate.", "It’s the port’s ‘smart’ gate."),
        ('"Fibre first," she said.', "“Fibre first,” she said."),
        ("Back to the '90s, rock 'n' roll.", "Back to the ’90s, rock ’n’ roll."),
        ('A ("quoted") aside', "A (“quoted”) aside"),
        ("Ports -- and airports -- reopen", "Ports — and airports — reopen"),
        ("Grants of 1--10 million yuan", "Grants of 1–10 million yuan"),
        ("A pause---then 'yes'", "A pause—then ‘yes’"),
        ("A well-known e-mail", "A well-known e-mail"),
    ],
)
def test_straight_quotes_and_double_hyphens_become_typographic(typed: str, printed: str) -> None:
    assert smarten(typed) == printed


def test_only_the_text_of_html_changes_never_its_markup() -> None:
    html = (
        '<p>He wrote "<a href="https://example.org/it\'s">open</a>" and '
        "<strong>'bold'</strong>.</p><p>\"New paragraph\"</p>"
    )
    assert smarten_html(html) == (
        '<p>He wrote “<a href="https://example.org/it\'s">open</a>” and '
        "<strong>‘bold’</strong>.</p><p>“New paragraph”</p>"
    )


def test_escaped_quotes_in_text_are_smartened_too() -> None:
    assert smarten_html("<p>&quot;Yes&quot;, it&#x27;s done</p>") == "<p>“Yes”, it’s done</p>"


@pytest.mark.parametrize(
    ("typed", "printed"),
    [
        ("Cable -- at last -- lands", "Cable — at last — lands"),
        ("Cable---at last", "Cable—at last"),
        ("The 2025--2026 plan, pages 12--14", "The 2025–2026 plan, pages 12–14"),
        ("A well-known e-mail", "A well-known e-mail"),
        ('"Yes" -- "no"', "“Yes” — “no”"),
    ],
)
def test_double_hyphens_become_dashes(typed: str, printed: str) -> None:
    assert smarten(typed) == printed


def test_dashes_in_html_leave_comments_and_attributes_alone() -> None:
    html = '<p>Up -- <a href="/a--b">1--2</a></p><!-- note -->'
    assert smarten_html(html) == '<p>Up — <a href="/a--b">1–2</a></p><!-- note -->'
