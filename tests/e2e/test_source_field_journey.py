"""The source field in a real Chromium: a text input whose suggestions come
from the server as the editor types (at most 20), never a <select> of
every source; an unknown name is refused on the page with the text kept.
axe-core checks the form with suggestions showing and with the refusal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from newsroom.models import Source, Story
from newsroom.models.stories import SUGGESTED_SOURCES
from tests import factories
from tests.e2e.test_accessibility import SCREENSHOTS

BLOCKING = {"serious", "critical"}


def blocking_violations(page: Page) -> list[str]:
    results = Axe().run(page).response
    return [
        f"{v['id']} ({v['impact']}) {v['help']} at {[n['target'] for n in v['nodes']][:4]}"
        for v in results["violations"]
        if v["impact"] in BLOCKING
    ]


@pytest.mark.django_db(transaction=True)
def test_an_editor_finds_a_source_by_typing_and_is_told_when_it_is_unknown(
    page: Page, live_server: Any, login: Callable[[Page, str], None]
) -> None:
    newsletter = factories.make_newsletter()
    alice = factories.make_editor("alice")
    Source.objects.bulk_create(Source(name=f"Gazette {n:03}") for n in range(200))
    factories.make_source("Harbour Tribune")
    radio = factories.make_source("Harbour Radio")
    factories.make_source("Port Avel Harbour News")
    factories.make_story(
        author=alice, newsletter=newsletter, headline="Older harbour story", source=radio
    )

    login(page, "alice")
    page.goto(f"{live_server.url}/desk/stories/new/")
    page.get_by_label("Headline").fill("Harbour piers get free wifi")
    page.locator(".ProseMirror").click()
    page.keyboard.type("The harbour board approved free wifi on every pier.")
    source = page.get_by_role("combobox", name="Source", exact=True)
    options = page.locator("#id_source-names option")
    expect(options).to_have_count(0)  # nothing is listed before the editor types

    source.press_sequentially("gaz")
    expect(options).to_have_count(SUGGESTED_SOURCES)  # 200 match; 20 are sent
    source.fill("")
    source.press_sequentially("harb")
    expect(options).to_have_count(3)
    values = [options.nth(i).get_attribute("value") for i in range(3)]
    assert values == ["Harbour Radio", "Harbour Tribune", "Port Avel Harbour News"]
    assert blocking_violations(page) == []

    source.fill("Harbor Tribune")  # a typo: no such source
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("No source is called “Harbor Tribune”")).to_be_visible()
    expect(source).to_have_value("Harbor Tribune")
    expect(source).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Headline")).to_have_value("Harbour piers get free wifi")
    assert not Story.objects.filter(headline="Harbour piers get free wifi").exists()
    assert blocking_violations(page) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "source-field-unknown.png", full_page=True)

    source.fill("")
    source.press_sequentially("harbour t")
    expect(options).to_have_count(1)
    source.fill(options.first.get_attribute("value") or "")  # as picking the suggestion does
    preview = page.locator("[data-preview-body]")
    expect(preview.locator(".source strong")).to_have_text("Harbour Tribune")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    story = Story.objects.get(headline="Harbour piers get free wifi")
    assert story.source is not None and story.source.name == "Harbour Tribune"

    page.goto(f"{live_server.url}/desk/stories/")
    filter_source = page.get_by_role("combobox", name="Source", exact=True)
    filter_source.press_sequentially("harbour t")
    expect(page.locator("#id_source-names option")).to_have_count(1)
    filter_source.fill("Harbour Tribune")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("link", name="Harbour piers get free wifi")).to_be_visible()
    expect(page.get_by_role("link", name="Older harbour story")).to_have_count(0)
    assert blocking_violations(page) == []
    page.screenshot(path=SCREENSHOTS / "source-filter.png", full_page=True)
