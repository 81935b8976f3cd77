"""django-tasks-db's worker, made to survive (issues/workers.py), which first
makes sure the deadline chain runs.

Newsroom's timed work (deadline reminders, digests, and the safety net for
scheduled publications) is a chain of tasks, each enqueuing the next. A
worker that starts also starts that chain when nothing is waiting, with a
check at once that publishes what is overdue and requeues publications the
queue lost. So a fresh deployment with deadlines already in its database, or
a worker killed in the middle of a check, needs nobody to open a page.

The worker itself is `SurvivingWorker`: it waits out database outages,
retries the task an outage interrupted, beats, and takes back the tasks of
workers that died (docs/workers.md). `issues` comes before `django_tasks_db`
in INSTALLED_APPS, so this is the command `manage.py db_worker` runs.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands.db_worker import Command as QueueWorker

from issues.workers import SurvivingWorker
from newsroom.planning.reminders import start_reminding


class Command(QueueWorker):
    help = (
        "Run a database background worker that survives database outages, after "
        "starting Newsroom's deadline checks."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        # As django-tasks-db's handle(), with our worker in place of its own.
        self.configure_logging(options["verbosity"])
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        reload = options["reload"] and not options["batch"]
        worker = SurvivingWorker(
            queue_names=queue_names,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=excluded,
        )
        worker.persist(start_reminding)
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # only in the child that runs tasks
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
