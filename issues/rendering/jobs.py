"""The jobs a render worker runs: functions registered by name, nothing else.

A job is a module-level function marked `@render_job`; a caller hands the
function itself to `pool.run`, which sends its registered name down
the pipe. The worker looks the name up here and refuses any other: a name
is never imported as a dotted path, so nothing but these functions can run
in a worker, whatever a message says. A worker imports every module that
holds jobs (JOB_MODULES) before its first job (worker.load_jobs).

This module imports none of ours, so that every module with a job (and the
pool) can import it.
"""

from __future__ import annotations

import os
import resource
from collections.abc import Callable
from typing import Any

JOBS: dict[str, Callable[..., Any]] = {}

# The modules that hold jobs, imported by name in the worker.
JOB_MODULES = ("issues.rendering.documents", "issues.importing.formats", "issues.importing.pdf")
# What a worker runs once before its first job (not jobs: nobody can ask for them).
WARM_UPS: list[Callable[[], None]] = []


class UnknownJob(LookupError):
    """A name (or a function) that is not a registered render job."""

    def __init__(self, name: str) -> None:
        super().__init__(f"{name!r} is not a render job; the worker runs only registered jobs")
        self.name = name

    def __reduce__(self) -> tuple[type, tuple[str]]:  # through a pipe or socket
        return type(self), (self.name,)


# How a job may end in a worker besides its own result or exception (raised
# by the pool, or by the render service's client, in the caller).


class WorkerLimitExceeded(Exception):
    """A job ran past a limit and its worker was stopped. Says which, in words."""


class TooSlow(WorkerLimitExceeded):
    def __init__(self, seconds: float) -> None:
        unit = "second" if seconds == 1 else "seconds"
        super().__init__(f"it took longer than {seconds:g} {unit} and was stopped")
        self.seconds = seconds

    def __reduce__(self) -> tuple[type, tuple[float]]:  # from the render service
        return type(self), (self.seconds,)


class TooBig(WorkerLimitExceeded):
    def __init__(self, megabytes: int) -> None:
        super().__init__(f"it needed more than {megabytes} MB of memory and was stopped")
        self.megabytes = megabytes

    def __reduce__(self) -> tuple[type, tuple[int]]:  # from the render service
        return type(self), (self.megabytes,)


class WorkerFailed(Exception):
    """A worker could not start or stopped for another reason."""


# ---------------------------------------------------------------- the parent


def _name(function: Callable[..., Any]) -> str:
    return f"{function.__module__}.{function.__qualname__}"


def render_job[F: Callable[..., Any]](function: F) -> F:
    """Register `function` as a job a render worker may run."""
    JOBS[_name(function)] = function
    return function


def warm_up(function: Callable[[], None]) -> Callable[[], None]:
    """Register `function` to run in each worker once before its first job."""
    WARM_UPS.append(function)
    return function


def name_of(job: Callable[..., Any] | str) -> str:
    """The name a job travels by; a function must be registered."""
    if isinstance(job, str):
        return job  # checked by the worker, which holds every job
    name = _name(job)
    if JOBS.get(name) is not job:
        raise UnknownJob(name)
    return name


def call(name: str, args: tuple[Any, ...]) -> Any:
    """Run the job registered as `name` (in a worker)."""
    try:
        function = JOBS[name]
    except KeyError:
        raise UnknownJob(name) from None
    return function(*args)


# Probes: what the pool's callers and tests ask of a worker itself.


@render_job
def worker_pid() -> int:
    """Which worker answers (a first call also warms one up)."""
    return os.getpid()


@render_job
def worker_peak_memory_kb() -> int:
    """The answering worker's peak resident size, in KiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


@render_job
def echo(data: bytes) -> bytes:
    """`data` back: what a round trip through the pipe costs."""
    return data


@render_job
def worker_usage() -> tuple[int, float, int]:
    """The answering worker's pid, CPU time so far (user and system, in
    seconds) and minor page faults so far (each first write to a page it
    shares with the fork server, or to a page new to it, is one)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return os.getpid(), float(usage.ru_utime + usage.ru_stime), usage.ru_minflt


@render_job
def hold_memory(size: int) -> int:
    """Take `size` bytes at once and let them go: how the memory limit is seen."""
    return len(bytearray(size))
