"""A subscriber signs in on Monday morning and downloads the newest issue."""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests import factories
from tests.issue_helpers import publish


@pytest.mark.django_db(transaction=True)
def test_a_subscriber_finds_reads_and_downloads_the_newest_issue(
    page: Page, live_server: Any, login: Callable[[Page, str], None]
) -> None:
    ict = factories.make_newsletter()
    alice = factories.make_editor("alice")
    bob = factories.make_reviewer("bob")
    factories.make_subscriber("dave", ict)
    publish(ict, editor=alice, reviewer=bob, headlines=("Tidewater buys a supercomputer",))
    newest = publish(
        ict,
        editor=alice,
        reviewer=bob,
        headlines=("Port Avel lays a harbour cable", "Lowmarsh opens a chip school"),
        period_start=datetime.date(2025, 12, 1),
    )

    login(page, "dave")
    page.get_by_role("link", name="Archive").click()
    expect(page.get_by_role("heading", name="Archive")).to_be_visible()
    # Newest first: the first issue listed is the December one.
    first = page.get_by_role("article").first
    expect(first).to_contain_text("Port Avel lays a harbour cable")
    first.get_by_role("link", name="1 - 7 December 2025").click()

    expect(page).to_have_url(re.compile(rf"/issues/ict/{newest.number}/$"))
    expect(page.get_by_role("heading", name="Lowmarsh opens a chip school")).to_be_visible()
    expect(page.get_by_test_id("pdf-sha256")).to_have_text(newest.latest_edition.pdf_sha256)
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile(r"^Download PDF")).click()
    download = download_info.value

    assert download.suggested_filename == "ict-2025-12-01.pdf"
    data = Path(download.path()).read_bytes()
    assert hashlib.sha256(data).hexdigest() == newest.latest_edition.pdf_sha256
