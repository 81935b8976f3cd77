"""Render an issue to files, without publishing or storing anything.

python manage.py render_issue 12 --pdf issue-12.pdf --html issue-12.html
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from issues.models import Issue
from issues.publishing.publish import count_pages
from issues.rendering import documents


class Command(BaseCommand):
    help = "Render an issue as HTML and/or PDF (default: <newsletter>-<number>.pdf here)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("issue_id", type=int, metavar="ID")
        parser.add_argument("--html", type=Path, metavar="PATH", help="write the HTML here")
        parser.add_argument("--pdf", type=Path, metavar="PATH", help="write the PDF here")

    def handle(
        self, *args: Any, issue_id: int, html: Path | None, pdf: Path | None, **options: Any
    ) -> None:
        try:
            issue = Issue.objects.select_related("newsletter").get(pk=issue_id)
        except Issue.DoesNotExist as exc:
            raise CommandError(f"There is no issue {issue_id}.") from exc
        if html is None and pdf is None:
            pdf = Path(f"{issue.newsletter.slug}-{issue.number}.pdf")
        try:
            if html is not None:
                html.write_text(documents.render_html(issue), encoding="utf-8")
                self.stdout.write(f"HTML: {html}")
            if pdf is not None:
                document = documents.render_pdf(issue)
                pdf.write_bytes(document)
                pages = count_pages(document)
                self.stdout.write(f"PDF: {pdf} ({pages} page{'s' if pages != 1 else ''})")
        except documents.RenderError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(f"Could not write the file: {exc}") from exc
