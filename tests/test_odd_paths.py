"""Odd download paths, as a WSGI server hands them to the site.

Nothing stands between the server and Django's handler that could rewrite a
request (NEWSROOM_WSGI_LAYERS only counts downloads in memory): each path
below, sent through the WSGI application with a subscriber's session, gets
the answer Django gives through the test client, a 4xx, never a 500.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.utils.module_loading import import_string

from issues.models import Issue
from issues.readers import reach
from newsroom.models import Newsletter
from tests.issue_helpers import publish
from tests.wsgi_site import Site

# The odd paths, and Django's answer: 404 unless the server's decoding makes
# the path the real download's (an encoded slash is a slash to PEP 3333's
# PATH_INFO; "01" is the number 1 to Django's int converter).
ODD_PATHS = {
    "/issues/ict/%D9%A1.pdf": 404,  # an Arabic-Indic digit one: not a number to us
    "/issues/ict/%D9%A1/edition-1.pdf": 404,
    "/issues/ict/%E9.pdf": 404,  # Latin-1 é: not UTF-8
    "/issues/ict/%C3%A9.pdf": 404,  # UTF-8 é
    "/issues/%E9t%E9/1.pdf": 404,
    "/issues/ict%2F1.pdf": 200,  # encoded slashes
    "/issues%2Fict%2F1.pdf": 200,
    "/issues/ict/1%2F.pdf": 404,
    "/issues/ict/../ict/1.pdf": 404,
    "/issues/ict/%2E%2E/1.pdf": 404,
    "/issues/../issues/ict/1.pdf": 404,
    "/issues/ict/1.pdf.": 404,  # trailing dots
    "/issues/ict/1..pdf": 404,
    "/issues/ict./1.pdf": 404,
    "/issues/ict/1.pdf%00": 404,
    "/issues/ict/01.pdf": 200,
    "/issues/ict/99999999999999999999999.pdf": 404,
    "/issues/download/%FF%FE.pdf": 404,
    "/issues/download/a%2Fb.pdf": 404,
    "/issues/download/..%2F..%2Fetc%2Fpasswd.pdf": 404,
    "/issues/download/.pdf": 404,
}


@pytest.fixture
def issue(newsletter: Newsletter, alice: User, bob: User) -> Issue:
    return publish(newsletter, editor=alice, reviewer=bob, number=1)


def test_the_wsgi_layers_hand_django_the_request_as_it_came(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A tally of its own: the layer makes the process count in memory.
    monkeypatch.setattr(reach, "tally", reach.Tally())

    def application(environ: dict[str, object], start_response: object) -> list[bytes]:
        return []

    for layer in settings.NEWSROOM_WSGI_LAYERS:
        assert import_string(layer)(application) is application


def test_odd_paths_get_djangos_own_answer_never_a_500(site: Site, issue: Issue, dave: User) -> None:
    client = Client()
    client.force_login(dave)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    # The harness serves the real download.
    assert site.get("/issues/ict/1.pdf", cookie=cookie).status == 200

    served = {path: site.get(path, cookie=cookie) for path in ODD_PATHS}
    alone = {path: client.get(path).status_code for path in ODD_PATHS}

    for path, expected in ODD_PATHS.items():
        assert (served[path].status, alone[path]) == (expected, expected), path
        if expected == 404:
            assert b"%PDF" not in served[path].body
            assert b"not found" in served[path].body.lower(), path
