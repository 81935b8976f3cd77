"""The desk's import page: upload back issues, correct what was read, confirm.

For editors who do not use a shell; it runs the same readers and the same
saving code as `manage.py import_newsletter`, and creates drafts. A reviewer
other than the importer may then publish an untouched import as the back
issue it is, from the issue's page (issues/desk/back_issues.py).

Between upload and confirmation the parsed issue waits in the editor's
session (in the database like everything else, never in a file on one web
node); every correction (a story's fields, merge, split, set aside, the
period and number) is applied there and shown again before anything is
saved. A .zip of many back issues is read whole and reported on; its
readable issues are imported together.
"""

from __future__ import annotations

import base64
import dataclasses
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from issues.desk.forms import ImportForm
from issues.importing import (
    ImportPlan,
    IssueImportError,
    ParsedIssue,
    archive_files,
    editing,
    period_from_text,
    plan_import,
    read_issue,
    save_parsed_issue,
)
from issues.models.issues import format_period
from issues.models.originals import keep_original
from newsroom.desk.access import editor_required
from newsroom.models import Newsletter
from newsroom.text import one_line, printable

SESSION_KEY = "issue_import"
BATCH_KEY = "issue_import_batch"
# Files read in one request: a Word file or a PDF takes up to a second.
PAGE_BATCH_MAX = 60


def _where(exc: IssueImportError, name: str) -> str:
    """The refusal as the editor reads it: where in the file, and what."""
    where = f"Line {exc.line}" if exc.line > 1 or not name else name
    return f"{where}: {exc.message}."


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


class StoryCorrectionForm(forms.Form):
    headline = forms.CharField(max_length=200, required=False)
    paragraph = forms.CharField(
        label="Text",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Paragraphs apart by a blank line; list items start with “- ”.",
    )
    source = forms.CharField(max_length=120, required=False)
    link = forms.URLField(label="Link to the original", max_length=500, required=False)


StoryCorrections = forms.formset_factory(StoryCorrectionForm, extra=0)


class IssueCorrectionForm(forms.Form):
    period = forms.CharField(max_length=100, help_text="e.g. “9-15 March 2026”")
    number = forms.IntegerField(
        label="Issue number",
        required=False,
        min_value=1,
        help_text="Empty: the newsletter's next number.",
    )

    def clean_period(self) -> Any:
        try:
            return period_from_text(self.cleaned_data["period"])
        except ValueError as exc:
            raise forms.ValidationError(f"{_capital(str(exc))}.") from None


def _pending(request: HttpRequest) -> tuple[dict[str, Any], ParsedIssue] | None:
    pending = request.session.get(SESSION_KEY)
    if not pending or "issue" not in pending:
        return None
    return pending, editing.from_json(pending["issue"])


def _keep(request: HttpRequest, pending: dict[str, Any], parsed: ParsedIssue) -> None:
    request.session[SESSION_KEY] = {**pending, "issue": editing.to_json(parsed)}


@editor_required
def import_issue(request: HttpRequest) -> HttpResponse:
    """Upload (POST) and preview; nothing is saved here."""
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        if Path(upload.name).suffix.lower() == ".zip":
            return _read_batch(request, form)
        newsletter = form.cleaned_data["newsletter"]
        try:
            data = upload.read()
            parsed = read_issue(
                upload.name,
                data,
                period=form.cleaned_data["period"],
                number=form.cleaned_data["number"],
            )
            _plan(parsed, newsletter)
        except IssueImportError as exc:
            form.add_error("file", _where(exc, upload.name))
        else:
            request.session.pop(BATCH_KEY, None)
            pending = {"name": upload.name, "newsletter": newsletter.pk if newsletter else None}
            if form.cleaned_data["keep_original"] and data.startswith(b"%PDF"):
                # In the session (the database) until confirmed: at most 5 MB.
                pending["original"] = base64.b64encode(data).decode("ascii")
            _keep(request, pending, parsed)
            return _preview(request, pending, parsed)
    return render(request, "issues/desk/import.html", {"form": form})


@editor_required
def import_preview(request: HttpRequest) -> HttpResponse:
    found = _pending(request)
    if found is None:
        messages.error(request, "There is nothing to import: upload the issue again.")
        return redirect("issue_desk:import")
    return _preview(request, *found)


def _plan(parsed: ParsedIssue, newsletter: Newsletter | None) -> ImportPlan:
    """The plan for the stories complete so far: a story without a source
    is shown for the editor to complete, not refused at upload."""
    complete = [s for s in parsed.stories if s.source]
    return plan_import(
        dataclasses.replace(parsed, stories=complete), newsletter=newsletter, number=parsed.number
    )


def _preview(
    request: HttpRequest,
    pending: dict[str, Any],
    parsed: ParsedIssue,
    *,
    stories: Any = None,
    issue_form: IssueCorrectionForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    newsletter = Newsletter.objects.filter(pk=pending["newsletter"]).first()
    plan = None
    try:
        plan = _plan(parsed, newsletter)
    except IssueImportError as exc:
        error = error or _where(exc, pending["name"])
    stories = stories or StoryCorrections(
        initial=[
            {"headline": s.headline, "paragraph": s.paragraph, "source": s.source, "link": s.link}
            for s in parsed.stories
        ]
    )
    issue_form = issue_form or IssueCorrectionForm(
        initial={
            "period": format_period(parsed.period_start, parsed.period_end),
            "number": parsed.number,
        }
    )
    rows = [
        {
            "form": form,
            "story": story,
            "paragraphs": range(2, len(editing.paragraphs(story)) + 1),
            "new_source": bool(
                plan and story.source and plan.sources.get(story.source.casefold()) is None
            ),
        }
        for form, story in zip(stories.forms, parsed.stories, strict=True)
    ]
    context = {
        "name": pending["name"],
        "parsed": parsed,
        "plan": plan,
        "period": format_period(parsed.period_start, parsed.period_end),
        "stories": stories,
        "rows": rows,
        "issue_form": issue_form,
        "problems": editing.problems(parsed),
        "keeps_original": "original" in pending,
        "error": error,
    }
    return render(request, "issues/desk/import_preview.html", context, status=status)


@editor_required
@require_POST
def import_correct(request: HttpRequest) -> HttpResponse:
    """Apply the editor's corrections to the pending issue and show it again."""
    found = _pending(request)
    if found is None:
        messages.error(request, "There is nothing to import: upload the issue again.")
        return redirect("issue_desk:import")
    pending, parsed = found
    stories = StoryCorrections(request.POST, initial=[{} for _ in parsed.stories])
    issue_form = IssueCorrectionForm(request.POST)
    if stories.total_form_count() != len(parsed.stories):
        # Posted from a preview older than the one in the session (another tab).
        return _preview(
            request,
            pending,
            parsed,
            error="The preview changed meanwhile; your corrections were not applied.",
            status=409,
        )
    if not (stories.is_valid() and issue_form.is_valid()):
        return _preview(
            request,
            pending,
            parsed,
            stories=stories,
            issue_form=issue_form,
            error="Some corrections need another look.",
            status=400,
        )
    parsed = _corrected(parsed, stories, issue_form)
    action, _, which = request.POST.get("action", "apply").partition(":")
    try:
        parsed = _act(parsed, action, which, request.POST)
    except ValueError as exc:
        _keep(request, pending, parsed)
        return _preview(request, pending, parsed, error=f"{_capital(str(exc))}.", status=400)
    _keep(request, pending, parsed)
    return redirect("issue_desk:import_preview")


def _corrected(parsed: ParsedIssue, stories: Any, issue_form: IssueCorrectionForm) -> ParsedIssue:
    corrected = [
        dataclasses.replace(
            story,
            headline=one_line(form.cleaned_data["headline"]),
            paragraph=printable(form.cleaned_data["paragraph"].replace("\r\n", "\n")).strip(),
            source=one_line(form.cleaned_data["source"]),
            link=form.cleaned_data["link"],
        )
        for story, form in zip(parsed.stories, stories.forms, strict=True)
    ]
    start, end = issue_form.cleaned_data["period"]
    return dataclasses.replace(
        parsed,
        stories=corrected,
        period_start=start,
        period_end=end,
        number=issue_form.cleaned_data["number"],
    )


def _act(parsed: ParsedIssue, action: str, which: str, data: Any) -> ParsedIssue:
    if action == "apply":
        return parsed
    try:
        index = int(which) - 1
    except ValueError:
        raise ValueError("unknown correction") from None
    if action == "merge":
        return editing.merge_with_next(parsed, index)
    if action == "split":
        try:
            at = int(data.get(f"split_at-{which}", ""))
        except ValueError:
            raise ValueError("choose the paragraph to split before") from None
        return editing.split_before(parsed, index, at)
    if action == "aside":
        return editing.set_aside(parsed, index)
    if action == "story":
        return editing.take_back(parsed, index)
    raise ValueError("unknown correction")


@editor_required
@require_POST
def import_confirm(request: HttpRequest) -> HttpResponse:
    """Create the previewed issue (or a batch's issues) and its stories as drafts."""
    if request.session.get(BATCH_KEY):
        return _confirm_batch(request)
    found = _pending(request)
    if found is None:
        messages.error(request, "There is nothing to import: upload the issue again.")
        return redirect("issue_desk:import")
    pending, parsed = found
    newsletter = Newsletter.objects.filter(pk=pending["newsletter"]).first()
    user: User = request.user  # type: ignore[assignment]
    try:
        with transaction.atomic():
            # Planned again: the desk may have changed since the preview.
            issue = save_parsed_issue(parsed, newsletter=newsletter, number=parsed.number, by=user)
            if original := pending.get("original"):
                keep_original(
                    issue=issue, name=pending["name"], data=base64.b64decode(original), by=user
                )
    except IssueImportError as exc:
        context = {
            "form": ImportForm(),
            "error": f"{pending['name']}: {_where(exc, pending['name'])}",
        }
        return render(request, "issues/desk/import.html", context, status=409)
    del request.session[SESSION_KEY]
    count = issue.entries.count()  # type: ignore[attr-defined]
    messages.success(
        request,
        f"Imported {issue.newsletter} no. {issue.number} ({issue.period}) with {count}"
        " draft stories, under “My drafts” on your desk. Submit them for review as usual,"
        " or ask a reviewer to publish it as the back issue it is.",
    )
    return redirect("issue_desk:issue_builder", pk=issue.pk)


# ------------------------------------------------------------ many at once


def _read_batch(request: HttpRequest, form: ImportForm) -> HttpResponse:
    """Read every issue in a .zip; report what was read, guessed, refused."""
    upload = form.cleaned_data["file"]
    newsletter = form.cleaned_data["newsletter"]
    try:
        files = archive_files(upload.read())
    except IssueImportError as exc:
        form.add_error("file", _where(exc, upload.name))
        return render(request, "issues/desk/import.html", {"form": form})
    if len(files) > PAGE_BATCH_MAX:
        form.add_error(
            "file",
            f"The .zip holds {len(files)} issue files; the page reads at most {PAGE_BATCH_MAX}"
            " at once (each takes up to a second). Split it, or use manage.py"
            " import_newsletter, which reads any number.",
        )
        return render(request, "issues/desk/import.html", {"form": form})
    report = []
    for name, data in files:
        entry: dict[str, Any] = {"name": name}
        try:
            parsed = read_issue(name, data)
            plan_import(parsed, newsletter=newsletter, number=parsed.number)
        except IssueImportError as exc:
            entry["error"] = _where(exc, name)
        else:
            entry["issue"] = editing.to_json(parsed)
            entry["summary"] = _summary(parsed)
            entry["guessed"] = _guessed(parsed)
        report.append(entry)
    request.session.pop(SESSION_KEY, None)
    request.session[BATCH_KEY] = {
        "name": upload.name,
        "newsletter": newsletter.pk if newsletter else None,
        "report": report,
    }
    return render(request, "issues/desk/import_batch.html", _batch_context(upload.name, report))


def _summary(parsed: ParsedIssue) -> str:
    title = parsed.sector or "no title"
    number = f"no. {parsed.number}, " if parsed.number else ""
    period = format_period(parsed.period_start, parsed.period_end)
    return f"{title}, {number}{period}: {len(parsed.stories)} stories"


def _guessed(parsed: ParsedIssue) -> list[str]:
    notes = []
    if parsed.number is None:
        notes.append("no number printed: the newsletter's next one")
    if parsed.set_aside:
        notes.append(f"{len(parsed.set_aside)} blocks set aside, not imported")
    notes += editing.problems(parsed)
    return notes


def _batch_context(name: str, report: list[dict[str, Any]]) -> dict[str, Any]:
    readable = [
        e for e in report if "issue" in e and not editing.problems(editing.from_json(e["issue"]))
    ]
    return {"name": name, "report": report, "readable": len(readable)}


def _confirm_batch(request: HttpRequest) -> HttpResponse:
    batch = request.session[BATCH_KEY]
    newsletter = Newsletter.objects.filter(pk=batch["newsletter"]).first()
    parsed = [
        editing.from_json(e["issue"])
        for e in batch["report"]
        if "issue" in e and not editing.problems(editing.from_json(e["issue"]))
    ]
    parsed.sort(key=lambda p: p.period_start)  # numbers follow the calendar
    user: User = request.user  # type: ignore[assignment]
    try:
        with transaction.atomic():
            issues = [
                save_parsed_issue(p, newsletter=newsletter, number=p.number, by=user)
                for p in parsed
            ]
    except IssueImportError as exc:
        context = {"form": ImportForm(), "error": f"{batch['name']}: {_where(exc, '')}"}
        return render(request, "issues/desk/import.html", context, status=409)
    del request.session[BATCH_KEY]
    stories = sum(len(p.stories) for p in parsed)
    messages.success(
        request,
        f"Imported {len(issues)} back issues with {stories} draft stories from {batch['name']}.",
    )
    return redirect("issue_desk:issue_list")
