from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from issues.readers import audience


class Command(BaseCommand):
    help = (
        "Check the audience's kept totals against the subscriptions, and mend them "
        "(the database keeps them; this is for a restore from a partial dump or a doubt)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check", action="store_true", help="only report; exit 1 if a total is wrong"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["check"]:
            wrong = audience.differences()
            for (newsletter, edge, day), (held, expected) in sorted(wrong.items()):
                self.stdout.write(
                    f"newsletter {newsletter}, {edge} {day}: holds {held}, should hold {expected}"
                )
            if wrong:
                raise CommandError(f"{len(wrong)} total(s) wrong; run without --check to mend.")
            self.stdout.write("The audience's totals are right.")
            return
        mended = audience.recount()
        if mended:
            self.stdout.write(f"{mended} total(s) were wrong and are mended.")
        else:
            self.stdout.write("The audience's totals are right.")
