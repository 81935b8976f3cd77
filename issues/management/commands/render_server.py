"""The machine's one render pool (issues/rendering/service.py): web and task
processes with the same NEWSROOM_RENDER_SOCKET send their renders here.

    python manage.py render_server                 # at NEWSROOM_RENDER_SOCKET
    python manage.py render_server --socket PATH
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from issues.rendering import server, service


class Command(BaseCommand):
    help = (
        "Run the machine's render pool: renders from every web and task process "
        "come here over a Unix socket (only registered render jobs)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--socket",
            help="The Unix socket to listen at (default: NEWSROOM_RENDER_SOCKET).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["socket"]) if options["socket"] else service.socket_path()
        if path is None:
            raise CommandError(
                "NEWSROOM_RENDER_SOCKET is empty: set it (or pass --socket) to where the"
                " render service should listen."
            )
        try:
            server.prepare(path)
        except (PermissionError, FileExistsError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Render service listening at {path}; SIGTERM stops it.")
        self.stdout.flush()
        server.serve(path)
