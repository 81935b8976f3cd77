"""The worker side of the render pool (see render_pool.py): one process
that runs jobs from its pipe until told to stop or its parent goes away.

Importing this module sets Django up and imports the renderer and every
other module that holds render jobs (see jobs.py). The pool's fork
server imports it once, so that every worker forked from it starts with
Django, our apps, WeasyPrint and the whole registry of jobs already loaded;
the web process never imports it.
"""

from __future__ import annotations

import gc
import resource
from multiprocessing.connection import Connection
from typing import Any

import django

django.setup()

from issues.importing import formats, pdf  # noqa: E402, F401 - their render jobs
from issues.rendering import documents, jobs  # noqa: E402 - needs the apps set up


def _address_space() -> int:
    """This process's virtual memory size in bytes."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def main(conn: Connection, memory_limit: int) -> None:
    """Warm up, then answer ("ok", result), ("error", exception) or
    ("memory", None) for each (name, args) job; a name that is not a
    registered job is answered with an error, UnknownJob."""
    documents.warm_up()  # after the fork: a font map is not shared between processes
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
