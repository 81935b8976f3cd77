"""Prepared statements on PostgreSQL come from psycopg, through settings:
server-side binding and a prepare threshold, off behind a pooler
(NEWSROOM_PREPARED_STATEMENTS=0)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.urls import reverse

from issues.models import Issue
from newsroom.models import Newsletter
from tests.issue_helpers import publish

ROOT = Path(__file__).resolve().parent.parent
OPTIONS = "from django.conf import settings; print(settings.DATABASES['default'].get('OPTIONS'))"


def database_options(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", OPTIONS],
        cwd=ROOT,
        env=clean | {"DJANGO_ENV_FILE": str(ROOT / "no-such.env")} | env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_postgresql_connections_prepare_what_they_repeat_unless_told_not_to() -> None:
    postgres = "postgres://newsroom@db.example.org:5432/newsroom"

    on = database_options(DATABASE_URL=postgres)
    off = database_options(DATABASE_URL=postgres, NEWSROOM_PREPARED_STATEMENTS="0")
    sqlite = database_options(DATABASE_URL="sqlite:///:memory:")

    prepared = {"server_side_binding": True, "prepare_threshold": 2}
    assert ast.literal_eval(on).items() >= prepared.items()
    assert not {"server_side_binding", "prepare_threshold"} & set(ast.literal_eval(off) or {})
    assert not {"server_side_binding", "prepare_threshold"} & set(ast.literal_eval(sqlite) or {})


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="psycopg's prepared statements")
def test_a_repeated_download_runs_prepared(
    newsletter: Newsletter, alice: User, bob: User, dave: User
) -> None:
    issue: Issue = publish(newsletter, editor=alice, reviewer=bob, number=3)
    client = Client()
    client.force_login(dave)
    pdf = reverse("issues:issue_pdf", args=["ict", issue.number])

    for _ in range(3):
        response = client.get(pdf)
        assert response.status_code == 200
        b"".join(response.streaming_content)  # type: ignore[attr-defined]

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]
    assert any("issues_edition" in sql and "issues_subscription" in sql for sql in prepared)
