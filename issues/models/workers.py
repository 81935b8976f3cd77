"""Task workers alive now: one row per worker, its heartbeat (see issues.workers)."""

from __future__ import annotations

from django.db import models


class TaskWorker(models.Model):
    """A `db_worker` process and when it last gave a sign of life."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    queues = models.CharField(max_length=200)
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(
        db_index=True,
        help_text="Written every few seconds while the worker runs; a RUNNING task "
        "whose worker has been silent for NEWSROOM_WORKER_LOST_AFTER goes back to the queue.",
    )

    class Meta:
        ordering = ["-seen_at"]

    def __str__(self) -> str:
        return f"{self.worker_id} on {self.hostname} (pid {self.pid})"
