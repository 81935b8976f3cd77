"""Fixtures for the renderer, publishing and issue-builder tests.

A test module loads them with `pytest_plugins = ["tests.issue_fixtures"]`
(and `pytestmark = pytest.mark.usefixtures("fast_passwords")`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from issues.models import Issue


@pytest.fixture
def fast_passwords(settings: Any) -> None:
    """Personas are made in every test; the real hasher costs a second each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def artifacts(tmp_path: Path) -> Iterator[Path]:
    """Point the artifact storage at a temporary folder for one test.

    The storage instance is built once, when the model is defined, so the
    STORAGES setting cannot be overridden per test; its location can.
    """
    storage = Issue._meta.get_field("pdf_file").storage  # type: ignore[attr-defined]
    saved = storage._location
    storage._location = str(tmp_path)
    for cached in ("base_location", "location"):
        storage.__dict__.pop(cached, None)
    yield tmp_path
    storage._location = saved
    for cached in ("base_location", "location"):
        storage.__dict__.pop(cached, None)
