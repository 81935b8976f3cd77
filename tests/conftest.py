"""Shared personas and data. Alice writes, Bob and Carol review, Dave subscribes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User

from issues.models.editions import Edition
from issues.rendering import documents
from issues.rendering.typography import smarten
from newsroom.models import Newsletter
from newsroom.text import one_line
from tests import factories
from tests.pdf_checks import assert_accessible_pdf, made_by_newsroom
from tests.wsgi_site import Site, served

# What marks a test module as touching the clock: it moves the clock, reads
# it, or names a calendar instant. `make test` runs these tests again with the
# system clock a year ahead and a year behind (faketime), so that none of them
# passes only on the days around when it was written.
TIME_WORDS = ("time_machine", "timezone.now", "datetime.date(", "datetime.datetime(", "clock(")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    touching: dict[Path, bool] = {}
    for item in items:
        path = Path(str(item.fspath))
        if path not in touching:
            text = path.read_text(encoding="utf-8")
            touching[path] = any(word in text for word in TIME_WORDS)
        if touching[path] or item.get_closest_marker("clock"):
            item.add_marker(pytest.mark.touches_time)


@pytest.fixture(autouse=True)
def clock(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A test marked `clock(when)` runs, fixtures included, with the clock
    started at `when` and ticking (time_machine), so that rows its fixtures
    write come before the instants the test itself travels to, whatever
    today's date is. Autouse, so it starts before the data fixtures."""
    marker = request.node.get_closest_marker("clock")
    if marker is None:
        yield None
        return
    with time_machine.travel(marker.args[0], tick=marker.kwargs.get("tick", True)) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """Real hashing costs ~0.3 s a user; the tests make hundreds of users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def artifacts(tmp_path: Path) -> Iterator[Path]:
    """Published artifacts go to a fresh folder per test, never to var/.

    The storage instance is built once, with the model, so overriding the
    STORAGES setting would not reach it; its location is what changes.
    """
    storage = Edition._meta.get_field("pdf_file").storage  # type: ignore[attr-defined]
    saved = storage._location
    location = tmp_path / "artifacts"

    def point_at(where: object) -> None:
        storage._location = where
        for cached in ("base_location", "location"):
            storage.__dict__.pop(cached, None)

    point_at(str(location))
    yield location
    point_at(saved)


@pytest.fixture(autouse=True)
def every_pdf_checked_for_accessibility(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every PDF an issue renders to in the tests (published, corrected,
    previewed, downloaded) is checked for the PDF/UA-1 essentials, its
    headings read in the issue's order under one H1 naming the newsletter.
    A PDF a test put in place of the renderer's (a mocked worker) is not ours
    to check."""
    render_pdf = documents.render_pdf

    def render_and_check(issue: Any, **options: Any) -> bytes:
        pdf = render_pdf(issue, **options)
        if made_by_newsroom(pdf):
            stories = issue.ordered_stories(options.get("correction"))
            headlines = [one_line(smarten(story.headline)) for story in stories]
            assert_accessible_pdf(pdf, headlines=headlines, title=issue.newsletter.title)
        return pdf

    monkeypatch.setattr(documents, "render_pdf", render_and_check)


@pytest.fixture
def newsletter(db: None) -> Newsletter:
    return factories.make_newsletter()


@pytest.fixture
def alice(db: None) -> User:
    """An editor."""
    return factories.make_editor("alice")


@pytest.fixture
def erin(db: None) -> User:
    """A second editor."""
    return factories.make_editor("erin")


@pytest.fixture
def bob(db: None) -> User:
    """A reviewer."""
    return factories.make_reviewer("bob")


@pytest.fixture
def carol(db: None) -> User:
    """A second reviewer."""
    return factories.make_reviewer("carol")


@pytest.fixture
def dave(db: None, newsletter: Newsletter) -> User:
    """A subscriber to the ICT newsletter."""
    return factories.make_subscriber("dave", newsletter)


@pytest.fixture
def admin_user(db: None) -> User:
    return User.objects.create_superuser("root", "root@example.org", factories.PASSWORD)


@pytest.fixture
def site() -> Iterator[Site]:
    """The site's WSGI application as a server calls it (tests/wsgi_site.py)."""
    with served() as site:
        yield site
