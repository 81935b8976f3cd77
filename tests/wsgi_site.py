"""The site's WSGI application as a server calls it (newsroom/wsgi.py): the
download layer in front of Django's own handler, which the test
client would skip."""

from __future__ import annotations

import io
import wsgiref.util
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from issues.front_downloads import FrontDownloads


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    by_django: bool


class Site:
    """The WSGI application of newsroom/wsgi.py, and whether Django answered."""

    def __init__(self) -> None:
        self.django = WSGIHandler()
        self.application = FrontDownloads(self.record)
        self.reached_django = False

    def record(self, environ: dict[str, Any], start_response: Any) -> Any:
        self.reached_django = True
        return self.django(environ, start_response)

    def get(self, path: str, method: str = "GET", **headers: str) -> Answer:
        environ: dict[str, Any] = {"PATH_INFO": path, "REQUEST_METHOD": method}
        wsgiref.util.setup_testing_defaults(environ)
        environ["wsgi.file_wrapper"] = wsgiref.util.FileWrapper
        environ["wsgi.errors"] = io.StringIO()
        environ.update({f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()})
        started: list[Any] = []
        self.reached_django = False
        result = self.application(
            environ, lambda status, headers: started.append((status, headers))
        )
        body = b"".join(result)
        getattr(result, "close", lambda: None)()
        status, header_list = started[0]
        return Answer(int(status.split()[0]), dict(header_list), body, self.reached_django)


@contextmanager
def served() -> Iterator[Site]:
    # As the test client does: the test's transaction must not be closed
    # by the end-of-request housekeeping.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield Site()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
