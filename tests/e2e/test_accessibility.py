"""axe-core over every page each role can reach, and screenshots of them.

Each role (nobody signed in, editor, reviewer, subscriber, staff) signs in
and walks the site from where it lands, following every link on every page
it reaches (one page per URL pattern). axe-core (axe-playwright-python)
runs on each; a serious or critical violation fails the test, printed as a
table. Every page is also photographed at 1280 and 390 px wide into
test-results/screenshots/ (git-ignored), for anyone to look at.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.models import Permission
from django.urls import Resolver404, resolve
from playwright.sync_api import Page

from tests import factories
from tests.issue_helpers import make_issue_in_review, publish

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"
WIDTHS = (1280, 390)
BLOCKING = {"serious", "critical"}
# Not pages of ours to walk: signing out (a form), downloads and feeds,
# previews of the printed issue, and the admin beyond its index (Django's).
SKIPPED_SUFFIXES = (".pdf", ".atom", ".json", ".csv", "preview.html", "/page-count/")
START = {
    "anonymous": ["/", "/accounts/login/", "/accounts/password_reset/"],
    "alice": ["/desk/"],
    "bob": ["/desk/"],
    "dave": ["/issues/"],
    "sam": ["/admin/", "/accounts/invite/"],
}
MAX_PAGES_PER_ROLE = 40
# The rich-text editors are built after the page loads; axe looks at a page
# once each is there and named by its label (js/prose-names.js).
EDITORS_READY = """() => Array.from(
    document.querySelectorAll("textarea[data-django-prose-editor-configurable]")
).every((field) =>
    field.closest(".prose-editor")?.querySelector(".ProseMirror[aria-labelledby]")
)"""


def arrange_newsroom() -> None:
    """A newsroom in full swing: a story in each state, and an issue in each."""
    ict = factories.make_newsletter()
    alice = factories.make_editor("alice")
    factories.make_reviewer("bob")
    carol = factories.make_reviewer("carol")
    factories.make_subscriber("dave", ict)
    sam = factories.make_user("sam", is_staff=True)
    sam.user_permissions.add(Permission.objects.get(codename="add_user"))
    factories.make_story(author=alice, newsletter=ict, headline="A draft about tides")
    factories.make_story(
        author=alice, newsletter=ict, headline="Buoys report by radio", status="review"
    )
    factories.make_story(
        author=alice,
        newsletter=ict,
        headline="Approved ferry data",
        status="published",
        reviewer=carol,
    )
    publish(ict, editor=alice, reviewer=carol, headlines=("Harbour cable lands",), number=1)
    make_issue_in_review(
        newsletter=ict,
        editor=alice,
        reviewer=carol,
        count=2,
        number=2,
        period_start=datetime.date(2025, 12, 1),
    )
    factories.make_issue(newsletter=ict, created_by=alice, number=3)


def pattern_of(path: str) -> str | None:
    """The URL pattern a path belongs to (one page per pattern is enough)."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.route


def worth_walking(path: str) -> bool:
    if path.endswith(SKIPPED_SUFFIXES) or path.startswith(("/static/", "/media/")):
        return False
    if path.startswith("/admin/") and path != "/admin/":
        return False
    return not path.startswith("/accounts/logout")


def links_on(page: Page, origin: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    paths = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" == origin and worth_walking(parts.path):
            paths.append(parts.path)
    return paths


def photograph(page: Page, role: str, path: str) -> None:
    name = f"{role}{path.replace('/', '_').rstrip('_') or '_home'}"
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})


def blocking_violations(results: dict[str, Any], *, role: object, page: str) -> list[dict]:
    """One table row per serious or critical violation in axe's `results`."""
    return [
        {
            "role": role,
            "page": page,
            "rule": v["id"],
            "impact": v["impact"],
            "nodes": len(v["nodes"]),
            "first": " ".join(v["nodes"][0]["target"])[:60],
            "help": v["help"],
        }
        for v in results["violations"]
        if v["impact"] in BLOCKING
    ]


def walk(page: Page, origin: str, role: str, axe: Axe, photographed: set[str]) -> list[dict]:
    """Visit every pattern reachable from the role's start pages; return the
    blocking violations found, one row per rule per page."""
    queue, seen_patterns, rows = list(START[role]), set(), []
    while queue and len(seen_patterns) < MAX_PAGES_PER_ROLE:
        path = queue.pop(0)
        pattern = pattern_of(path)
        if pattern is None or pattern in seen_patterns:
            continue
        seen_patterns.add(pattern)
        response = page.goto(origin + path)
        assert response is not None and response.status < 400, f"{role}: {path} answered {response}"
        page.wait_for_function(EDITORS_READY)
        rows += blocking_violations(axe.run(page).response, role=role, page=path)
        if pattern not in photographed:
            photographed.add(pattern)
            photograph(page, role, path)
        queue += links_on(page, origin)
    return rows


def table(rows: list[dict]) -> str:
    columns = ["role", "page", "rule", "impact", "nodes", "first", "help"]
    widths = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in columns}
    lines = [" | ".join(c.ljust(widths[c]) for c in columns)]
    lines.append("-+-".join("-" * widths[c] for c in columns))
    lines += [" | ".join(str(r[c]).ljust(widths[c]) for c in columns) for r in rows]
    return "\n".join(lines)


@pytest.mark.django_db(transaction=True)
def test_no_page_any_role_reaches_has_a_serious_accessibility_violation(
    page: Page, live_server: Any, login: Callable[[Page, str], None]
) -> None:
    arrange_newsroom()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    axe, photographed, rows = Axe(), set[str](), []
    visited = 0
    for role in START:
        page.context.clear_cookies()
        if role != "anonymous":
            login(page, role)
        rows += walk(page, live_server.url, role, axe, photographed)
        visited += 1

    assert visited == len(START)
    assert len(photographed) >= 20, f"only {len(photographed)} pages were reached"
    assert not rows, "serious or critical axe-core violations:\n" + table(rows)
