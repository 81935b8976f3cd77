"""The forms of the issue desk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms

from issues.editions import Correction
from issues.models import Issue, suggest_deadlines
from newsroom.forms import limit_body
from newsroom.models import Newsletter

DEADLINES = ["copy_deadline", "review_deadline", "planned_publication_at"]


def local_datetime_input() -> forms.DateTimeInput:
    """A browser date-and-time picker, read and shown in the publisher's time zone."""
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class IssueForm(forms.ModelForm):
    """A new issue. Deadlines left empty are suggested from the newsletter's rhythm."""

    class Meta:
        model = Issue
        fields = ["newsletter", "number", "period_start", "period_end", *DEADLINES]
        widgets = {
            "period_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "period_end": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        } | {name: local_datetime_input() for name in DEADLINES}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        newsletter, end = cleaned.get("newsletter"), cleaned.get("period_end")
        if newsletter is not None and end is not None:
            for name, value in suggest_deadlines(newsletter, end).items():
                if cleaned.get(name) is None:
                    cleaned[name] = value
        return check_deadline_order(self, cleaned)


class DeadlinesForm(forms.ModelForm):
    """Move an issue's deadlines (any time before it is published)."""

    class Meta:
        model = Issue
        fields = DEADLINES
        widgets = {name: local_datetime_input() for name in DEADLINES}

    def clean(self) -> dict[str, Any]:
        return check_deadline_order(self, super().clean() or {})


def check_deadline_order(form: forms.ModelForm, cleaned: dict[str, Any]) -> dict[str, Any]:
    copy, review, publication = (cleaned.get(name) for name in DEADLINES)
    if copy and review and copy > review:
        form.add_error("copy_deadline", "Copy is due before the review deadline.")
    if review and publication and review > publication:
        form.add_error("review_deadline", "The review is due before the planned publication.")
    return cleaned


MAX_UPLOAD_BYTES = 5 * 1024 * 1024
EXTENSIONS = (".md", ".txt", ".pdf")


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Issue file",
        help_text="The issue as text (.md, .txt) or as a PDF, at most 5 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(EXTENSIONS)}),
    )
    newsletter = forms.ModelChoiceField(
        Newsletter.objects.all(),
        required=False,
        empty_label="The newsletter of the issue's sector (created if new)",
    )
    number = forms.IntegerField(
        label="Issue number",
        required=False,
        min_value=1,
        help_text="Leave empty for the newsletter's next number.",
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in EXTENSIONS:
            raise forms.ValidationError("Upload a .md, .txt or .pdf file.")
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 5 MB.")
        return upload


class ScheduleForm(forms.Form):
    when = forms.DateTimeField(
        label="Publish at",
        widget=local_datetime_input(),
        help_text="In the publisher's time zone.",
    )


class CorrectionForm(forms.ModelForm):
    """The corrected text of one story, and the note readers see; posts the
    version it was loaded from."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Correction
        fields = ["headline", "body", "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_body(self.fields["body"])  # the story's bounds, checked before parsing
