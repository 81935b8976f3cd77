"""The forms of the issue desk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms

from issues.importing import EXTENSIONS as IMPORT_EXTENSIONS
from issues.importing import period_from_text
from issues.models import Issue
from issues.models.editions import Correction
from issues.models.issues import suggest_deadlines
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
# A .zip of back issues may hold many; each file in it is bounded on its own.
MAX_ZIP_BYTES = 50 * 1024 * 1024
EXTENSIONS = (*IMPORT_EXTENSIONS, ".zip")


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Issue file",
        help_text="A back issue as Word (.docx), PDF, plain text or Markdown, at most 5 MB;"
        " or a .zip of many.",
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
        help_text="Leave empty for the number printed in the issue, else the next one.",
    )
    period = forms.CharField(
        label="Period",
        required=False,
        max_length=100,
        help_text="Only for an issue that does not print its period, e.g. “9-15 March 2026”.",
    )
    keep_original = forms.BooleanField(
        label="Keep the publisher's PDF beside Newsroom's rendering",
        required=False,
        help_text="For a PDF: subscribers may download it from the issue's page as well.",
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        suffix = Path(upload.name).suffix.lower()
        if suffix not in EXTENSIONS:
            raise forms.ValidationError("Upload a .docx, .pdf, .txt, .md or .zip file.")
        if upload.size > (MAX_ZIP_BYTES if suffix == ".zip" else MAX_UPLOAD_BYTES):
            limit = MAX_ZIP_BYTES if suffix == ".zip" else MAX_UPLOAD_BYTES
            raise forms.ValidationError(f"The file is larger than {limit // 1024 // 1024} MB.")
        return upload

    def clean_period(self) -> Any:
        text = self.cleaned_data["period"].strip()
        if not text:
            return None
        try:
            return period_from_text(text)
        except ValueError as exc:
            raise forms.ValidationError(f"{str(exc)[:1].upper()}{str(exc)[1:]}.") from None


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
