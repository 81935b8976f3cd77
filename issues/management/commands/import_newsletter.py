"""python manage.py import_newsletter PATH... [--newsletter SLUG] [--number N]
[--period PERIOD] [--publish] [--dry-run] [--user USERNAME]

Reads back issues in any format the importer knows (our text form and PDFs,
Word .docx, PDFs by other tools, plain text, Markdown; a folder of them, or
a .zip) and creates their newsletter,
sources, stories and issues. Every file is parsed before anything is written,
and all files are saved in one transaction: one bad file imports nothing.

What it prints: for one file, its stories and, last, `issue <id>: <n>
stories`. For several, progress on stderr while reading and saving (a bar on
a terminal, a line per tenth in a log) and one summary line on stdout
(`-v 2` adds each issue's stories before it). A dry run prints its plans.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from issues.importing import (
    EXTENSIONS,
    FILE_MAX_BYTES,
    ImportPlan,
    IssueImportError,
    ParsedIssue,
    archive_files,
    period_from_text,
    plan_import,
    read_issue,
    save_plan,
)
from issues.models import Issue
from issues.models.issues import format_period
from issues.progress import Progress, raw_stream
from issues.publishing.publish import PublishError, discard_artifacts
from newsroom import roles
from newsroom.models import Newsletter, Source
from newsroom.review.workflow import WorkflowError


class Command(BaseCommand):
    help = (
        "Import back issues of a newsletter: .docx, .pdf, .txt, .md files, folders of"
        " them, or a .zip."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "paths", nargs="+", metavar="PATH", help="issue files, folders of them, or a .zip"
        )
        parser.add_argument(
            "--newsletter",
            metavar="SLUG",
            help="import into this newsletter (default: the one whose title is the "
            "issue's sector, created if new)",
        )
        parser.add_argument(
            "--number",
            type=int,
            help="the issue's number (default: the one printed in the file, else the next one)",
        )
        parser.add_argument(
            "--period",
            help="the issue's period, e.g. '9-15 March 2026', for a file that does not print it",
        )
        parser.add_argument(
            "--publish",
            action="store_true",
            help="publish the stories and the issue (rendered and stored) as a back issue",
        )
        parser.add_argument("--dry-run", action="store_true", help="print what would be created")
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help="who imports (and, with --publish, approves); default: the first superuser",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        self.period = None
        if options["period"]:
            try:
                self.period = period_from_text(options["period"])
            except ValueError as exc:
                raise CommandError(f"--period: {exc}") from None
        paths = self._expand(options["paths"])
        self.verbosity = options["verbosity"]
        # One file's stories are its report; several files' are a summary
        # (-v 2 or a dry run shows them all).
        self.itemise = len(paths) == 1 or self.verbosity >= 2 or options["dry_run"]
        self.report: list[str] = []
        self.created: dict[str, int] = {"stories": 0}
        if (options["number"] is not None or self.period) and len(paths) > 1:
            raise CommandError("--number and --period can only be given with a single file.")
        self.number = options["number"]
        newsletter = self._newsletter(options["newsletter"])
        user = self._user(options["user"], publish=options["publish"])
        # Oldest first, so that numbers follow the calendar.
        issues = sorted(self._read_all(paths), key=lambda i: i[1].period_start)
        # Files stored by the issues published so far: a later failure rolls
        # their rows back, and they go too.
        stored: list[str] = []
        try:
            self._import(issues, newsletter=newsletter, user=user, stored=stored, options=options)
        except BaseException:
            discard_artifacts(stored)
            raise
        if len(paths) > 1:
            self.report.append(self._summary(len(paths), options, time.monotonic() - started))
        # Written once committed, after the notifications that commit sends,
        # so that the last line is always the issue (or the summary).
        if self.report:
            self.stdout.write("\n".join(self.report))

    def _expand(self, paths: list[str]) -> list[str]:
        """Files as given; a folder's issue files in name order (not below);
        a .zip's are read from it as "archive.zip/name"."""
        files: list[str] = []
        self.zipped: dict[str, bytes] = {}
        for path in paths:
            folder = Path(path)
            if folder.is_dir():
                found = sorted(str(p) for p in folder.iterdir() if p.suffix.lower() in EXTENSIONS)
                if not found:
                    raise CommandError(f"{path}: no issue files in this folder")
                files += found
            elif folder.suffix.lower() == ".zip":
                try:
                    members = archive_files(folder.read_bytes())
                except (OSError, IssueImportError) as exc:
                    raise CommandError(f"{path}: {exc}") from None
                for name, data in members:
                    self.zipped[f"{path}/{name}"] = data
                    files.append(f"{path}/{name}")
            else:
                files.append(path)
        return files

    def _progress(self, label: str, total: int) -> Progress | None:
        """Progress on stderr for several files (one file is quick enough)."""
        if total < 2 or self.verbosity < 1:
            return None
        return Progress(raw_stream(self.stderr), label, total)

    def _read_all(self, paths: list[str]) -> list[tuple[str, ParsedIssue]]:
        progress = self._progress("reading", len(paths))
        read = []
        try:
            for path in paths:
                if progress:
                    progress.working_on(Path(path).name)
                read.append(self._read(path))
                if progress:
                    progress.advance()
        finally:
            if progress:
                progress.stop()
        return read

    def _summary(self, files: int, options: dict[str, Any], seconds: float) -> str:
        c = self.created
        counts = [
            _count(c["stories"], "story", "stories"),
            _count(c["issues"], "issue", "issues"),
            _count(c["sources"], "new source", "new sources"),
        ]
        if c["newsletters"]:
            counts.append(_count(c["newsletters"], "new newsletter", "new newsletters"))
        if options["dry_run"]:
            return (
                f"Dry run, nothing saved: {files} files would import {', '.join(counts)}"
                f" (read in {seconds:.1f} s)"
            )
        done = "Imported and published" if options["publish"] else "Imported"
        return f"{done} {files} files: {', '.join(counts)} in {seconds:.1f} s"

    def _import(
        self,
        issues: list[tuple[str, ParsedIssue]],
        *,
        newsletter: Newsletter | None,
        user: User,
        stored: list[str],
        options: dict[str, Any],
    ) -> None:
        before = {"sources": Source.objects.count(), "newsletters": Newsletter.objects.count()}
        progress = self._progress("importing", len(issues))
        try:
            with transaction.atomic():
                for path, parsed in issues:
                    if progress:
                        progress.working_on(Path(path).name)
                    try:
                        plan = plan_import(parsed, newsletter=newsletter, number=options["number"])
                        self._show_plan(plan, dry_run=options["dry_run"])
                        issue = save_plan(
                            plan, publish=options["publish"] and not options["dry_run"], by=user
                        )
                    except IssueImportError as exc:
                        raise CommandError(f"{path}:{exc.line}: {exc.message}") from None
                    except (WorkflowError, PublishError) as exc:
                        raise CommandError(f"{path}: nothing was imported. {exc}") from None
                    stored += [
                        str(name)
                        for edition in issue.editions.all()
                        for name in (edition.html_file.name, edition.pdf_file.name)
                    ]
                    self._show_result(
                        issue, plan, dry_run=options["dry_run"], publish=options["publish"]
                    )
                    self.created["stories"] += len(parsed.stories)
                    if progress:
                        progress.advance()
                self.created |= {
                    "issues": len(issues),
                    "sources": Source.objects.count() - before["sources"],
                    "newsletters": Newsletter.objects.count() - before["newsletters"],
                }
                if options["dry_run"]:
                    # The dry run saves (so that each file sees the ones before
                    # it) and then rolls everything back.
                    transaction.set_rollback(True)
        finally:
            if progress:
                progress.stop()

    def _read(self, path: str) -> tuple[str, ParsedIssue]:
        if path in self.zipped:
            return self._parse(path, self.zipped[path])
        try:
            with Path(path).open("rb") as file:
                # One byte past the limit is enough for issue_text to refuse
                # it: a huge file is never read whole.
                data = file.read(FILE_MAX_BYTES + 1)
                size = os.fstat(file.fileno()).st_size
        except OSError as exc:
            raise CommandError(f"{path}: cannot read it ({exc.strerror})") from None
        if size > FILE_MAX_BYTES:
            raise CommandError(
                f"{path}:1: the file is {size / 1024 / 1024:.1f} MB; an issue file is at most"
                f" {FILE_MAX_BYTES // 1024 // 1024} MB"
            )
        return self._parse(path, data)

    def _parse(self, path: str, data: bytes) -> tuple[str, ParsedIssue]:
        try:
            parsed = read_issue(path, data, period=self.period, number=self.number)
        except IssueImportError as exc:
            raise CommandError(f"{path}:{exc.line}: {exc.message}") from None
        return path, parsed

    def _newsletter(self, slug: str | None) -> Newsletter | None:
        if slug is None:
            return None
        try:
            return Newsletter.objects.get(slug=slug)
        except Newsletter.DoesNotExist:
            raise CommandError(f"There is no newsletter with the slug “{slug}”.") from None

    def _user(self, username: str | None, *, publish: bool) -> User:
        users = User.objects.filter(is_active=True)
        if username:
            user = users.filter(username=username).first()
            if user is None:
                raise CommandError(f"There is no active user “{username}”.")
        else:
            user = users.filter(is_superuser=True).order_by("pk").first()
            if user is None:
                raise CommandError(
                    "Who is importing? Pass --user USERNAME (an editor, or a reviewer"
                    " with --publish), or create a superuser."
                )
        if publish and not roles.is_reviewer(user):
            raise CommandError(f"{user} is not a reviewer and cannot --publish.")
        if not roles.is_desk_user(user):
            raise CommandError(f"{user} is neither an editor nor a reviewer.")
        return user

    def _show_plan(self, plan: ImportPlan, *, dry_run: bool) -> None:
        if not dry_run and self.verbosity < 2:
            return
        parsed = plan.parsed
        state = "existing" if plan.newsletter else "new"
        self.report.append(
            f"newsletter: {plan.newsletter_title} [{plan.newsletter_slug}] ({state})"
        )
        period = format_period(parsed.period_start, parsed.period_end)
        self.report.append(f"issue: no. {plan.number}, {period}")
        names: dict[str, str] = {}
        for story in parsed.stories:
            names.setdefault(story.source.casefold(), story.source)
        self.report.append(
            "sources: "
            + ", ".join(
                f"{name} ({'existing' if plan.source_for(name) else 'new'})"
                for name in names.values()
            )
        )

    def _show_result(self, issue: Issue, plan: ImportPlan, *, dry_run: bool, publish: bool) -> None:
        if not self.itemise:
            return
        for position, story in enumerate(plan.parsed.stories, start=1):
            self.report.append(f"  {position}. {story.headline} — {story.source}")
        count = len(plan.parsed.stories)
        if dry_run:
            then = ", then be published" if publish else ""
            self.report.append(f"dry run: issue would have {count} stories{then}")
        else:
            edition = issue.latest_edition if issue.pk else None
            if edition is not None:
                self.report.append(f"published: {edition.page_count}-page PDF stored")
            self.report.append(f"issue {issue.pk}: {count} stories")


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"
