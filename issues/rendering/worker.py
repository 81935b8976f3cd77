"""The worker side of the render pool (see pool.py): one process that
runs jobs from its pipe until told to stop or its parent goes away.

Before its first job a worker needs Django set up and every module that
holds render jobs imported (`load_jobs`). The pool's fork server does that
once (it preloads bootstrap.py), so that every worker forked from it starts
with Django, our apps, WeasyPrint and the whole registry of jobs already
loaded; the web process never does. This module imports none of the job
modules itself: they import the pool, which starts this module's `main`.
"""

from __future__ import annotations

import gc
import importlib
import resource
from multiprocessing.connection import Connection
from typing import Any

import django
from django.apps import apps

from issues.rendering import jobs


def load_jobs() -> None:
    """Set Django up and import every module that holds render jobs (named
    in jobs.JOB_MODULES; importing them by name keeps this module free of
    the renderer, which imports the pool). Does nothing the second time."""
    if not apps.ready:
        django.setup()
    for name in jobs.JOB_MODULES:
        importlib.import_module(name)


def _address_space() -> int:
    """This process's virtual memory size in bytes."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def main(conn: Connection, memory_limit: int) -> None:
    """Warm up, then answer ("ok", result), ("error", exception) or
    ("memory", None) for each (name, args) job; a name that is not a
    registered job is answered with an error, UnknownJob."""
    load_jobs()  # done already in the fork server, unless its preload failed
    for warm_up in jobs.WARM_UPS:  # after the fork: a font map is not shared between processes
        warm_up()
    # Django, WeasyPrint, the fonts and the stylesheet live as long as the
    # worker: out of the collector's sight, so that the collections a
    # layout triggers walk only the layout's own objects (and never touch,
    # hence copy, the pages shared with the fork server).
    gc.freeze()
    if memory_limit:
        # On top of what the warm worker already maps: the limit is the
        # room one job has, whatever the libraries take at rest.
        ceiling = _address_space() + memory_limit
        resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
    conn.send(("ready", None))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        if job is None:
            return
        try:
            reply: tuple[str, Any] = ("ok", jobs.call(*job))
        except MemoryError:
            reply = ("memory", None)
        except Exception as exc:
            reply = ("error", exc)
        try:
            conn.send(reply)
        except MemoryError:
            conn.send(("memory", None))
        except Exception as exc:  # an exception that does not pickle
            conn.send(("error", RuntimeError(str(exc))))
