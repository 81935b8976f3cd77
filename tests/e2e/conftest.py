"""Browser journeys in Debian's Chromium, driven by pytest-playwright.

Without /usr/bin/chromium the journeys are skipped, loudly; with
NEWSROOM_REQUIRE_BROWSER=1 (CI) a missing browser fails the run instead.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread
from playwright.sync_api import Page

from tests.factories import PASSWORD

CHROMIUM = Path(os.environ.get("NEWSROOM_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]

# Playwright's sync API runs an event loop in this thread; the ORM calls the
# tests make to arrange data and check results are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


class OneRequestAtATime(ThreadedWSGIServer):
    """The live server, answering one request at a time.

    On SQLite the test database lives in memory and Django hands the test's
    one connection to every thread of the live server; two requests at once
    (the source suggestions fetched while a form posts) then use it together
    and one fails at random ("bad parameter or other API misuse"). Here they
    take turns, as they would with one gunicorn worker; a connection kept
    open by the browser holds no turn while it waits."""

    def set_app(self, application: Any) -> None:
        turn = threading.Lock()

        def one_at_a_time(environ: Any, start_response: Any) -> Any:
            with turn:
                return application(environ, start_response)

        super().set_app(one_at_a_time)


LiveServerThread.server_class = OneRequestAtATime


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    journeys = [item for item in items if here in Path(item.fspath).parents]
    for item in journeys:
        item.add_marker(pytest.mark.e2e)
    if CHROMIUM.exists() or not journeys:
        return
    if os.environ.get("NEWSROOM_REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(
            f"NEWSROOM_REQUIRE_BROWSER=1 but {CHROMIUM} is missing: apt-get install chromium"
        )
    skip = pytest.mark.skip(reason=f"browser journeys need {CHROMIUM} (apt-get install chromium)")
    for item in journeys:
        item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": CHROMIUM_ARGS,
        "headless": True,
    }


@pytest.fixture
def login(live_server: Any) -> Callable[[Page, str], None]:
    """Sign `username` in on `page` through the real login form."""

    def sign_in(page: Page, username: str) -> None:
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()

    return sign_in
