"""The site's WSGI application as a server calls it (newsroom/wsgi.py):
Django's own handler, with the path as the server decodes it, which the
test client would build differently."""

from __future__ import annotations

import io
import urllib.parse
import wsgiref.util
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


class Site:
    """The WSGI application of newsroom/wsgi.py (its layers only count
    downloads in memory, and hand Django the request as it came)."""

    def __init__(self) -> None:
        self.application = WSGIHandler()

    def get(self, path: str, method: str = "GET", **headers: str) -> Answer:
        """`path` as on the wire (percent-encoded); the server decodes it into
        PATH_INFO as PEP 3333 says: the bytes, read as Latin-1."""
        environ: dict[str, Any] = {
            "PATH_INFO": urllib.parse.unquote_to_bytes(path).decode("latin-1"),
            "RAW_URI": path,
            "REQUEST_METHOD": method,
        }
        wsgiref.util.setup_testing_defaults(environ)
        environ["wsgi.file_wrapper"] = wsgiref.util.FileWrapper
        environ["wsgi.errors"] = io.StringIO()
        environ.update({f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()})
        started: list[Any] = []
        result = self.application(
            environ, lambda status, headers: started.append((status, headers))
        )
        body = b"".join(result)
        getattr(result, "close", lambda: None)()
        status, header_list = started[0]
        return Answer(int(status.split()[0]), dict(header_list), body)


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
