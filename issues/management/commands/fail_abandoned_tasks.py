from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from issues.abandoned import fail_abandoned_tasks


class Command(BaseCommand):
    help = "Mark tasks whose worker died (running past NEWSROOM_TASK_TIMEOUT) as failed."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{fail_abandoned_tasks()} abandoned task(s) marked failed")
