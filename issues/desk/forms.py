"""The forms of the issue desk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms

from issues.models import Issue
from newsroom.models import Newsletter


class IssueForm(forms.ModelForm):
    class Meta:
        model = Issue
        fields = ["newsletter", "number", "period_start", "period_end"]
        widgets = {
            "period_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "period_end": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }


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
