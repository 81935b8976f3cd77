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

    # A request still waiting for its turn when the session ends is not
    # waited for (its thread is a daemon): see live_server_quiet_before_flush.
    block_on_close = False

    def set_app(self, application: Any) -> None:
        def one_at_a_time(environ: Any, start_response: Any) -> Any:
            with TURN:
                return application(environ, start_response)

        super().set_app(one_at_a_time)


TURN = threading.Lock()
LiveServerThread.server_class = OneRequestAtATime


@pytest.fixture(autouse=True)
def live_server_quiet_before_flush() -> Any:
    """Let the live server finish before the test's data is flushed.

    A journey can end while the browser still waits on a slow answer (the
    builder's page count renders for seconds). Had that answer written after
    the flush, its row would point at nothing, and on SQLite the shared
    connection's failed commit would fail the next test. So after the test
    (and its browser) we take the server's turn and keep it until the next
    journey starts: a late request waits instead of writing into the next
    test's data or into none. This runs after pytest-django has opened the
    database for the test and is torn down before the flush (plugin
    fixtures come first)."""
    global _turn_held
    if _turn_held:
        TURN.release()
        _turn_held = False
    yield
    _turn_held = TURN.acquire(timeout=120)


_turn_held = False


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
