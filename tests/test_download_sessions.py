"""A download asks Django who the session belongs to, whichever
authentication backend made it (through Django's view: the download path
that every deployment keeps)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from issues.models import Issue
from issues.models.reach import DownloadCount
from newsroom.models import Newsletter
from tests import factories
from tests.issue_helpers import publish

REMOTE = "django.contrib.auth.backends.RemoteUserBackend"


@pytest.fixture
def issue(newsletter: Newsletter, alice: User, bob: User) -> Issue:
    return publish(newsletter, editor=alice, reviewer=bob, number=9)


@pytest.fixture
def with_remote_backend(settings: Any) -> None:
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, REMOTE]


def download(client: Client, issue: Issue) -> Any:
    response = client.get(reverse("issues:issue_pdf", args=[issue.newsletter.slug, issue.number]))
    if response.streaming:
        b"".join(response.streaming_content)
    return response


def session_by(user: User, backend: str) -> Client:
    client = Client()
    client.force_login(user, backend=backend)
    assert client.session["_auth_user_backend"] == backend
    return client


def test_a_session_made_by_another_configured_backend_downloads(
    issue: Issue, dave: User, with_remote_backend: None
) -> None:
    response = download(session_by(dave, REMOTE), issue)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert list(DownloadCount.objects.values_list("user__username", "count")) == [("dave", 1)]


def test_a_session_of_a_backend_no_longer_configured_is_nobodys(
    issue: Issue, dave: User, settings: Any
) -> None:
    """Removing a backend signs out the sessions it made: the download asks
    the reader to sign in, serves nothing and counts nothing."""
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, REMOTE]
    client = session_by(dave, REMOTE)
    settings.AUTHENTICATION_BACKENDS = [b for b in settings.AUTHENTICATION_BACKENDS if b != REMOTE]

    response = download(client, issue)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not DownloadCount.objects.exists()


def test_that_backend_refuses_a_deactivated_reader_as_the_default_one_does(
    issue: Issue, dave: User, with_remote_backend: None
) -> None:
    client = session_by(dave, REMOTE)
    dave.is_active = False
    dave.save(update_fields=["is_active"])

    response = download(client, issue)

    assert response.status_code == 302
    assert not DownloadCount.objects.exists()


def test_a_session_made_by_another_backend_for_a_non_subscriber_is_refused(
    issue: Issue, with_remote_backend: None
) -> None:
    stranger = factories.make_subscriber("erik")  # subscribed to nothing

    response = download(session_by(stranger, REMOTE), issue)

    assert response.status_code == 404
    assert not DownloadCount.objects.exists()
