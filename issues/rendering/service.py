"""One render pool per machine: the render service (`manage.py
render_server`) runs the pool (pool.py; its side is server.py) and takes jobs from the
site's web and task processes over a Unix socket.

Why: a pool per process means a fork server, a resource tracker and up to
`NEWSROOM_RENDER_WORKERS` warm workers (each some 100 MB) in every gunicorn
worker and task worker that ever renders a preview or counts pages. With
the service there is one pool on the machine, the web processes stay at the
size of Django, and `NEWSROOM_RENDER_WORKERS` is the machine's number of
renders at once.

How a job travels: `pool.run` (every caller's one entry) asks
`call()` here first. With no socket at `NEWSROOM_RENDER_SOCKET` (`make
run`, the tests, a machine without the service) the process uses a pool of
its own, as before. Otherwise it sends (registered name, arguments, time
limit) over a connection it keeps per thread and waits for ("ok", result)
or ("error", exception): the same results and the same exceptions (TooSlow,
TooBig, UnknownJob, the job's own) as the pool in the process gives. The
service runs only registered jobs: a name that is not in
`jobs.JOBS` is refused before it reaches a worker.

When the service goes away: a job whose connection breaks (the service
restarted, or stopped, mid-way) is sent again on a new connection, for up to
`RECONNECT_SECONDS` while the service comes back (a render job is a pure
function: running it twice is harmless); if it does not come back, or the
socket is there and nobody answers, the process renders with a pool of its
own and says so in the log, once.

Who may talk to it: the socket is made 0600 in a directory the service
makes 0700 (and refuses to use if anyone but its own user can enter it),
so only the site's own user reaches it; and both ends prove, before any
message, that they hold a key derived from `DJANGO_SECRET_KEY`
(multiprocessing's HMAC challenge, which reads no pickle). Messages are
pickles, which run code when read: anyone who could send one would run code
as the site's user, and so could anyone who already is that user or holds
the secret key. See docs/workers.md, "The render service".

This module is the clients' side; the service's own is server.py.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import os
import threading
import time
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client, Connection
from pathlib import Path
from typing import Any

from django.conf import settings

from issues.rendering.jobs import WorkerFailed

logger = logging.getLogger(__name__)

# How long a client waits for the service to come back after a connection
# broke mid-job, before it renders with a pool of its own.
RECONNECT_SECONDS = 5.0
# Beyond the job's own limit: the time a job may wait for a free worker, and
# for a worker to start.
QUEUE_SECONDS = 120.0


class NoService(Exception):
    """No render service answers on this machine."""


class NoSocket(NoService):
    """No render service is set up here (no socket): nothing to report."""


def socket_path() -> Path | None:
    """Where the service listens (and clients look), or None when off."""
    configured = settings.NEWSROOM_RENDER_SOCKET
    return Path(configured) if configured else None


def authkey() -> bytes:
    return hmac.new(
        settings.SECRET_KEY.encode(), b"newsroom render service", hashlib.sha256
    ).digest()


# ---------------------------------------------------------------- the client

_local = threading.local()
_fallback_logged = False


def _connect(path: Path) -> Connection:
    try:
        return Client(str(path), family="AF_UNIX", authkey=authkey())
    except (OSError, EOFError, AuthenticationError) as exc:
        raise NoService(f"no render service answers at {path}: {exc}") from exc


def _connection(path: Path) -> Connection:
    """This thread's connection to the service (a new one after a fork)."""
    conn: Connection | None = getattr(_local, "conn", None)
    if conn is None or getattr(_local, "pid", 0) != os.getpid():
        conn = _connect(path)
        _local.conn, _local.pid = conn, os.getpid()
    return conn


def _drop_connection() -> None:
    conn = getattr(_local, "conn", None)
    _local.conn = None
    if conn is not None and getattr(_local, "pid", 0) == os.getpid():
        with contextlib.suppress(OSError):
            conn.close()


def _reconnect(path: Path) -> Connection:
    """A new connection, waiting up to RECONNECT_SECONDS for the service."""
    _drop_connection()
    deadline = time.monotonic() + RECONNECT_SECONDS
    while True:
        try:
            return _connection(path)
        except NoService:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.1)


def call(name: str, args: tuple[Any, ...], time_limit: float) -> Any:
    """Run a job in the render service; raises NoService when there is none
    (the caller then renders itself), or what the job raised."""
    path = socket_path()
    if path is None or not path.exists():
        raise NoSocket("no render service socket")
    conn = _connection(path)
    for attempt in (1, 2):
        try:
            conn.send((name, args, time_limit))
            if not conn.poll(time_limit + QUEUE_SECONDS):
                _drop_connection()
                raise WorkerFailed(
                    f"the render service did not answer within {time_limit + QUEUE_SECONDS:g} s"
                )
            status, value = conn.recv()
        except (EOFError, OSError):
            # The service stopped or restarted while it had the job.
            if attempt == 2:
                _drop_connection()
                raise NoService("the render service went away twice during one job") from None
            logger.warning("The render service went away during a job; sending it again")
            conn = _reconnect(path)
            continue
        except BaseException:
            # Interrupted (a request's timeout, Ctrl-C) with the answer still
            # to come: that connection would hand it to the next job.
            _drop_connection()
            raise
        if status == "error":
            raise value
        return value
    raise AssertionError("unreachable")


def log_fallback(reason: NoService) -> None:
    """Say once per process that it renders with a pool of its own although
    a service was configured."""
    global _fallback_logged
    path = socket_path()
    if _fallback_logged or path is None or isinstance(reason, NoSocket):
        return
    _fallback_logged = True
    logger.warning("%s; this process renders with render workers of its own", reason)
