"""The render service's side (`manage.py render_server`): a socket only
the site's user reaches, and jobs from it run in this process's pool. The
clients' side, and why and how, are in service.py."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import stat
import threading
from multiprocessing import AuthenticationError
from multiprocessing.connection import Connection, Listener
from pathlib import Path
from types import FrameType
from typing import Any

from django.conf import settings

from issues.rendering import jobs as render_jobs
from issues.rendering import pool as render_pool
from issues.rendering.service import authkey
from issues.rendering.worker import load_jobs

logger = logging.getLogger(__name__)


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
    # at the door (the workers load the same).
    load_jobs()
    prepare(path)
    old_umask = os.umask(0o177)  # the socket is made 0600
    try:
        listener = Listener(str(path), family="AF_UNIX", authkey=authkey())
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
