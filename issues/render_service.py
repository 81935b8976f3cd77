"""One render pool per machine: the render service (`manage.py
render_server`) runs the pool (render_pool.py) and takes jobs from the
site's web and task processes over a Unix socket.

Why: a pool per process means a fork server, a resource tracker and up to
`NEWSROOM_RENDER_WORKERS` warm workers (each some 100 MB) in every gunicorn
worker and task worker that ever renders a preview or counts pages. With
the service there is one pool on the machine, the web processes stay at the
size of Django, and `NEWSROOM_RENDER_WORKERS` is the machine's number of
renders at once.

How a job travels: `render_pool.run` (every caller's one entry) asks
`call()` here first. With no socket at `NEWSROOM_RENDER_SOCKET` (`make
run`, the tests, a machine without the service) the process uses a pool of
its own, as before. Otherwise it sends (registered name, arguments, time
limit) over a connection it keeps per thread and waits for ("ok", result)
or ("error", exception): the same results and the same exceptions (TooSlow,
TooBig, UnknownJob, the job's own) as the pool in the process gives. The
service runs only registered jobs: a name that is not in
`render_jobs.JOBS` is refused before it reaches a worker.

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
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import os
import signal
import socket
import stat
import threading
import time
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client, Connection, Listener
from pathlib import Path
from types import FrameType
from typing import Any

from django.conf import settings

from issues import render_jobs

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


def _authkey() -> bytes:
    return hmac.new(
        settings.SECRET_KEY.encode(), b"newsroom render service", hashlib.sha256
    ).digest()


# ---------------------------------------------------------------- the client

_local = threading.local()
_fallback_logged = False


def _connect(path: Path) -> Connection:
    try:
        return Client(str(path), family="AF_UNIX", authkey=_authkey())
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
                from issues.render_pool import WorkerFailed

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


# ---------------------------------------------------------------- the service


def _private_directory(directory: Path) -> None:
    """Make the socket's directory 0700, or refuse one others can enter."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = directory.stat()
    if info.st_uid != os.getuid():
        raise PermissionError(f"{directory} belongs to another user (uid {info.st_uid})")
    if stat.S_IMODE(info.st_mode) & 0o077:
        raise PermissionError(
            f"{directory} is open to other users (mode {stat.S_IMODE(info.st_mode):o});"
            " the render service wants it 0700: chmod 700 it"
        )


def _clear_stale_socket(path: Path) -> None:
    """Remove a socket left by a service that died; refuse if one answers."""
    if not path.exists() and not path.is_symlink():
        return
    if not stat.S_ISSOCK(path.lstat().st_mode):
        raise FileExistsError(f"{path} exists and is not a socket")
    probe = socket.socket(socket.AF_UNIX)
    try:
        probe.connect(str(path))
    except OSError:
        path.unlink()  # nobody listens: left over
        return
    finally:
        probe.close()
    raise FileExistsError(f"a render service already listens at {path}")


def _answer(conn: Connection, pool: Any) -> None:
    """Jobs from one client connection, one at a time, until it closes."""
    with conn:
        while True:
            try:
                name, args, time_limit = conn.recv()
            except (EOFError, OSError):
                return
            except Exception:  # not a (name, args, limit) message
                logger.warning("The render service dropped a malformed message")
                return
            try:
                if not isinstance(name, str) or name not in render_jobs.JOBS:
                    raise render_jobs.UnknownJob(str(name)[:200])
                limit = settings.NEWSROOM_RENDER_TIME_LIMIT
                value = pool.run(name, *args, time_limit=min(float(time_limit), limit))
                reply: tuple[str, Any] = ("ok", value)
            except Exception as exc:
                reply = ("error", exc)
            try:
                conn.send(reply)
            except (EOFError, OSError):
                return  # the client went away
            except Exception as exc:  # an exception that does not pickle
                conn.send(("error", RuntimeError(str(exc))))


def prepare(path: Path) -> None:
    """Check (and make) the socket's directory, and clear a stale socket;
    PermissionError or FileExistsError, in words, if the service cannot
    listen there."""
    _private_directory(path.parent)
    _clear_stale_socket(path)


def serve(path: Path, *, ready: threading.Event | None = None) -> None:
    """Listen at `path` and run jobs in this process's pool until SIGTERM
    or SIGINT."""
    # Every module that holds render jobs, so that unknown names are refused
    # at the door (the workers import the same, from render_worker).
    from issues import render_pool, rendering  # noqa: F401
    from issues.importing import formats, pdf  # noqa: F401

    prepare(path)
    old_umask = os.umask(0o177)  # the socket is made 0600
    try:
        listener = Listener(str(path), family="AF_UNIX", authkey=_authkey())
    finally:
        os.umask(old_umask)
    os.chmod(path, 0o600)
    pool = render_pool.pool()
    stopping = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()
        # Wakes accept(): closing the listening socket makes it raise.
        with contextlib.suppress(OSError):
            socket.socket(socket.AF_UNIX).connect(str(path))

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    logger.info("The render service listens at %s (pid %s)", path, os.getpid())
    if ready is not None:
        ready.set()
    try:
        while not stopping.is_set():
            try:
                conn = listener.accept()
            except (AuthenticationError, EOFError, OSError) as exc:
                if not stopping.is_set():
                    logger.warning("The render service refused a connection: %s", exc)
                continue
            threading.Thread(
                target=_answer, args=(conn, pool), name="render-client", daemon=True
            ).start()
    finally:
        listener.close()  # also removes the socket file
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        pool.close()
