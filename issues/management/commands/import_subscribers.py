"""python manage.py import_subscribers FILE.csv [--dry-run] [--user USERNAME]

Reads a subscriber list (columns email, name, organisation, newsletters as
slugs separated by `;`, end date as YYYY-MM-DD) and prints, per line, what
it will create, update or refuse and why. Without --dry-run it then applies
the good lines in one transaction (refused lines change nothing) and queues
the new readers' invitations. Its last line is the summary.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from issues.readers.subscribers import Action, ImportFileError, apply_import, decode, plan_import


class Command(BaseCommand):
    help = "Import a subscriber list (CSV); --dry-run reports without changing anything."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Report only.")
        parser.add_argument(
            "--user",
            help="Whom the invitations name as inviting (default: the first superuser).",
        )

    def handle(
        self, *args: Any, path: Path, dry_run: bool, user: str | None, **options: Any
    ) -> None:
        try:
            plan = plan_import(decode(path.read_bytes()))
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc
        except ImportFileError as exc:
            raise CommandError(f"{path}: {exc} Nothing was imported.") from exc
        verbose = options["verbosity"] > 1
        for line in plan.lines:
            if line.action == Action.REFUSE:
                self.stdout.write(f"line {line.number}: refuse {line.email}: {line.reason}")
            elif verbose or dry_run:
                self.stdout.write(f"line {line.number}: {line.action} {line.email}")
        if dry_run:
            self.stdout.write(f"dry run: {plan.summary()}; nothing was changed")
            return
        outcome = apply_import(plan, by=self.inviter(user))
        self.stdout.write(
            f"created {outcome.created}, updated {outcome.updated}, refused {outcome.refused}"
        )

    def inviter(self, username: str | None) -> Any:
        users = get_user_model().objects
        found = (
            users.filter(username=username).first()
            if username
            else users.filter(is_superuser=True, is_active=True).order_by("pk").first()
        )
        if found is None:
            raise CommandError(
                f"No user {username!r}." if username else "No superuser: name one with --user."
            )
        return found
