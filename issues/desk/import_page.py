"""The desk's import page: upload a back issue, check the preview, confirm.

For editors who do not use a shell; it runs the same parser and the same
saving code as `manage.py import_newsletter`, and always creates drafts
(publishing stays a reviewer's act in the desk). Between the preview and
the confirmation the issue's text waits in the editor's session, which lives
in the database like everything else, never in a file on one web node.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from issues.desk.forms import ImportForm
from issues.importing import (
    IssueImportError,
    ParsedIssue,
    issue_text,
    parse_issue_text,
    plan_import,
    save_parsed_issue,
)
from issues.models import format_period
from newsroom.desk.access import editor_required
from newsroom.models import Newsletter

SESSION_KEY = "issue_import"


def _where(exc: IssueImportError, name: str) -> str:
    of_pdf = " of the text read from the PDF" if name.lower().endswith(".pdf") else ""
    return f"Line {exc.line}{of_pdf}: {exc.message}."


@editor_required
def import_issue(request: HttpRequest) -> HttpResponse:
    """Upload (POST) and preview; nothing is saved here."""
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        newsletter = form.cleaned_data["newsletter"]
        number = form.cleaned_data["number"]
        try:
            text = issue_text(upload.name, upload.read())
            parsed = parse_issue_text(text)
            plan = plan_import(parsed, newsletter=newsletter, number=number)
        except IssueImportError as exc:
            form.add_error("file", _where(exc, upload.name))
        else:
            request.session[SESSION_KEY] = {
                "name": upload.name,
                "text": text,
                "newsletter": newsletter.pk if newsletter else None,
                "number": number,
            }
            context = {"plan": plan, "name": upload.name, "period": _period(parsed)}
            return render(request, "issues/desk/import_preview.html", context)
    return render(request, "issues/desk/import.html", {"form": form})


@editor_required
@require_POST
def import_confirm(request: HttpRequest) -> HttpResponse:
    """Create the previewed issue and its stories as drafts."""
    pending = request.session.get(SESSION_KEY)
    if not pending:
        messages.error(request, "There is nothing to import: upload the issue again.")
        return redirect("issue_desk:import")
    newsletter = Newsletter.objects.filter(pk=pending["newsletter"]).first()
    try:
        # Parsed and planned again: the desk may have changed since the preview.
        issue = save_parsed_issue(
            parse_issue_text(pending["text"]),
            newsletter=newsletter,
            number=pending["number"],
            by=request.user,  # type: ignore[arg-type]
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
        " draft stories, under “My drafts” on your desk. Submit them for review as usual.",
    )
    return redirect("issue_desk:issue_builder", pk=issue.pk)


def _period(parsed: ParsedIssue) -> str:
    return format_period(parsed.period_start, parsed.period_end)
