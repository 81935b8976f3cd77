"""django-tasks-db's worker, which first makes sure the deadline chain runs.

Newsroom's timed work (deadline reminders, digests, and the safety net for
scheduled publications) is a chain of tasks, each enqueuing the next. A
worker that starts also starts that chain when nothing is waiting, with a
check at once that publishes what is overdue and requeues publications the
queue lost. So a fresh deployment with deadlines already in its database, or
a worker killed in the middle of a check, needs nobody to open a page.
`issues` comes before `django_tasks_db` in INSTALLED_APPS, so this is the
command `manage.py db_worker` runs.
"""

from __future__ import annotations

from typing import Any

from django_tasks_db.management.commands.db_worker import Command as QueueWorker

from newsroom.reminders import start_reminding


class Command(QueueWorker):
    help = "Run a database background worker, after starting Newsroom's deadline checks."

    def handle(self, *args: Any, **options: Any) -> None:
        start_reminding()
        super().handle(*args, **options)
