"""Long-lived worker processes that do the heavy, untrusted work for a
web or task process: laying out an issue as a PDF, and reading an uploaded
PDF. Every job has a wall-clock limit and every worker a memory limit.

Why processes: WeasyPrint and pypdf run in C and pure Python that no
thread can interrupt. A list nested 10,000 deep takes minutes and
gigabytes to lay out; a PDF can inflate a megabyte into a gigabyte. In a
worker process such a job is stopped (the process killed) when it runs past
`NEWSROOM_RENDER_TIME_LIMIT`, and it cannot grow past
`NEWSROOM_RENDER_MEMORY_LIMIT_MB` (an address-space limit set in the
worker), while the web process stays free and small.

Why long-lived: a fresh interpreter per render would pay Django's start-up,
fontconfig's font scan and the stylesheet parse every time. A worker keeps
them warm (`issues.rendering` caches them per process, and a new worker lays
out a sample issue twice before its first job) and is replaced after
`NEWSROOM_RENDER_WORKER_MAX_JOBS` jobs, so that a slow leak in a C library
never accumulates; its successor starts, and warms up, as it retires.
Workers are forked from a fork server that has imported Django and
WeasyPrint once, so they never inherit a web process's threads, locks or
database connections, and they start lazily, on the first job of each
process (the render service, `manage.py render_server`, or a process that
renders without one: runserver, a `db_worker`, pytest). A worker whose
parent dies sees its pipe close and exits; the pool stops its workers when
the process exits.

Jobs are functions registered with `@render_job` (jobs.py; a worker
runs nothing else) and take and return plain picklable values; a worker
never touches the database.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import threading
from collections.abc import Callable
from multiprocessing import get_context
from multiprocessing.context import ForkServerContext
from typing import Any

from django.conf import settings

from issues.rendering import jobs, service
from issues.rendering.jobs import TooBig, TooSlow, WorkerFailed
from issues.rendering.worker import main as run_worker

logger = logging.getLogger(__name__)

# A registered render job, or its registered name.
Job = Callable[..., Any] | str

# How long a worker may take to start (import Django and WeasyPrint, warm
# the fonts). Not the job's limit: a cold start should not eat into it.
START_TIMEOUT = 120.0


def _context() -> ForkServerContext:
    context = get_context("forkserver")
    # The fork server imports Django, our apps and WeasyPrint once; each
    # worker is a fork of it and starts in a fraction of a second.
    context.set_forkserver_preload(["issues.rendering.bootstrap"])
    return context


class _Worker:
    def __init__(self, memory_limit: int) -> None:
        context = _context()
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=run_worker, args=(child, memory_limit), name="newsroom-render", daemon=True
        )
        self.process.start()
        child.close()
        self.jobs = 0
        self.started = False

    def _wait_for_start(self) -> None:
        if self.started:
            return
        if not self.conn.poll(START_TIMEOUT):
            self.stop()
            raise WorkerFailed(f"the render worker did not start within {START_TIMEOUT:g} s")
        try:
            self.conn.recv()
        except (EOFError, OSError):
            self.stop()
            raise WorkerFailed("the render worker could not start (see the log)") from None
        self.started = True

    def run(
        self, path: str, args: tuple[Any, ...], time_limit: float, memory_mb: int
    ) -> tuple[str, Any]:
        """("ok", result) or ("error", exception); raises (having stopped the
        worker) when a limit is passed."""
        self._wait_for_start()
        self.jobs += 1
        self.conn.send((path, args))
        if not self.conn.poll(time_limit):
            self.stop()
            raise TooSlow(time_limit)
        try:
            status, value = self.conn.recv()
        except (EOFError, OSError):
            # Killed by the kernel or crashed in C, most often for want of
            # the memory it was refused.
            self.stop()
            raise TooBig(memory_mb) from None
        if status == "memory":
            self.stop()  # a MemoryError can leave a library in a bad state
            raise TooBig(memory_mb)
        return status, value

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()

    def retire(self) -> None:
        """Ask an idle worker to finish; kill it if it does not."""
        with contextlib.suppress(OSError):
            self.conn.send(None)
        self.process.join(2)
        self.stop()


class RenderPool:
    """Up to `size` workers; a caller waits for a free one."""

    def __init__(self, *, size: int, max_jobs: int, memory_mb: int) -> None:
        self.max_jobs = max_jobs
        self.memory_mb = memory_mb
        self._slots = threading.BoundedSemaphore(size)
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []

    def run(self, job: Job, *args: Any, time_limit: float) -> Any:
        """Call `job(*args)` in a worker and return its result, or raise what
        it raised, TooSlow after `time_limit` seconds, or TooBig."""
        path = jobs.name_of(job)
        with self._slots:
            worker = self._take()
            try:
                status, value = worker.run(path, args, time_limit, self.memory_mb)
            except BaseException:
                worker.stop()  # past a limit, or interrupted while it worked
                raise
            self._give_back(worker)
        if status == "error":
            raise value
        return value

    def _take(self) -> _Worker:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return _Worker(self.memory_mb * 1024 * 1024)

    def _give_back(self, worker: _Worker) -> None:
        if not worker.process.is_alive() or worker.jobs >= self.max_jobs:
            worker.retire()
            # Its successor starts now and warms up while the caller goes
            # on, so that the next job does not wait for a start.
            worker = _Worker(self.memory_mb * 1024 * 1024)
        with self._lock:
            self._idle.append(worker)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.retire()


_pool: RenderPool | None = None
_pool_pid = 0
_pool_lock = threading.Lock()


def pool() -> RenderPool:
    """This process's pool, started on first use (and anew after a fork)."""
    global _pool, _pool_pid
    with _pool_lock:
        if _pool is None or _pool_pid != os.getpid():
            _pool = RenderPool(
                size=settings.NEWSROOM_RENDER_WORKERS,
                max_jobs=settings.NEWSROOM_RENDER_WORKER_MAX_JOBS,
                memory_mb=settings.NEWSROOM_RENDER_MEMORY_LIMIT_MB,
            )
            _pool_pid = os.getpid()
        return _pool


def run(job: Job, *args: Any, time_limit: float | None = None) -> Any:
    """Run a job in the machine's render service (service.py) or,
    where none answers, in this process's pool, within the render time
    limit (or a shorter one)."""
    limit = min(
        time_limit or settings.NEWSROOM_RENDER_TIME_LIMIT, settings.NEWSROOM_RENDER_TIME_LIMIT
    )
    name = jobs.name_of(job)
    try:
        return service.call(name, args, limit)
    except service.NoService as reason:
        service.log_fallback(reason)
    return pool().run(name, *args, time_limit=limit)


@atexit.register
def _close() -> None:
    if _pool is not None and _pool_pid == os.getpid():
        _pool.close()
