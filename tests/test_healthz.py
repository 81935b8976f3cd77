from __future__ import annotations

from unittest import mock

import pytest
from django.db.utils import OperationalError
from django.test import Client, override_settings

REFUSAL = 'connection to server at "db.internal" (10.0.0.5), port 5432 failed: role "newsroom"'


@pytest.mark.django_db
def test_it_answers_ok_while_the_database_answers(client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_it_answers_503_and_keeps_the_reason_for_the_log(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError(REFUSAL)
    ):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}
    assert "db.internal" not in response.content.decode()
    assert "db.internal" in caplog.text


@pytest.mark.django_db
@override_settings(SECURE_SSL_REDIRECT=True)
def test_it_answers_over_plain_http_while_every_other_page_redirects(client: Client) -> None:
    assert client.get("/healthz").status_code == 200
    assert client.get("/").status_code == 301
