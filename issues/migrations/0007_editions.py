"""Every published issue's stored artifacts become its edition 1: the same
files (not copied, not renamed), checksums, size, page count and date; the
reviewer who published it, from the audit trail. Then the issue forgets them:
editions are the one place artifacts are recorded."""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import issues.models


def artifacts_to_first_edition(apps, schema_editor):
    Issue = apps.get_model("issues", "Issue")
    Edition = apps.get_model("issues", "Edition")
    IssueTransition = apps.get_model("issues", "IssueTransition")
    published = Issue.objects.exclude(pdf_file="").order_by("pk")
    for issue in published.iterator():
        publication = (
            IssueTransition.objects.filter(issue=issue, transition="publish")
            .order_by("-at", "-pk")
            .first()
        )
        Edition.objects.create(
            issue=issue,
            number=1,
            html_file=issue.html_file.name,
            pdf_file=issue.pdf_file.name,
            html_sha256=issue.html_sha256,
            pdf_sha256=issue.pdf_sha256,
            pdf_size=issue.pdf_size or 0,
            page_count=issue.page_count or 0,
            published_at=issue.published_at,
            published_by_id=publication.by_id if publication else None,
            renderer_version=issue.renderer_version,
        )


def first_edition_to_artifacts(apps, schema_editor):
    """Back to one set of artifacts per issue: the latest edition's."""
    Issue = apps.get_model("issues", "Issue")
    Edition = apps.get_model("issues", "Edition")
    for edition in Edition.objects.order_by("issue_id", "number").iterator():
        Issue.objects.filter(pk=edition.issue_id).update(
            html_file=edition.html_file.name,
            pdf_file=edition.pdf_file.name,
            html_sha256=edition.html_sha256,
            pdf_sha256=edition.pdf_sha256,
            pdf_size=edition.pdf_size,
            page_count=edition.page_count,
            renderer_version=edition.renderer_version,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("issues", "0006_issue_renderer_version"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Edition",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "number",
                    models.PositiveIntegerField(
                        help_text="1 when the issue is published; each published correction adds one.",
                        validators=[django.core.validators.MinValueValidator(1)],
                    ),
                ),
                (
                    "html_file",
                    models.FileField(
                        editable=False, storage=issues.models.issues.artifact_storage, upload_to=""
                    ),
                ),
                (
                    "pdf_file",
                    models.FileField(
                        editable=False, storage=issues.models.issues.artifact_storage, upload_to=""
                    ),
                ),
                ("html_sha256", models.CharField(editable=False, max_length=64)),
                ("pdf_sha256", models.CharField(editable=False, max_length=64)),
                ("pdf_size", models.PositiveIntegerField(editable=False)),
                ("page_count", models.PositiveIntegerField(editable=False)),
                (
                    "renderer_version",
                    models.CharField(
                        blank=True,
                        editable=False,
                        help_text="What rendered the stored artifacts (WeasyPrint, Pango, HarfBuzz and a digest of our template, stylesheet and typefaces), to compare a re-render honestly.",
                        max_length=200,
                    ),
                ),
                (
                    "published_at",
                    models.DateTimeField(
                        editable=False, help_text="The date printed in the documents' metadata."
                    ),
                ),
                (
                    "correction_note",
                    models.TextField(
                        blank=True,
                        editable=False,
                        help_text="What this edition corrects, as printed under the corrected story.",
                    ),
                ),
                (
                    "issue",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="editions",
                        to="issues.issue",
                    ),
                ),
                (
                    "published_by",
                    models.ForeignKey(
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["issue", "number"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("issue", "number"),
                        name="edition_number_unique_per_issue",
                        violation_error_message="This issue already has an edition with this number.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("number__gte", 1)), name="edition_number_positive"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("number", 1),
                            models.Q(("correction_note", ""), _negated=True),
                            _connector="OR",
                        ),
                        name="edition_correction_has_note",
                        violation_error_message="A later edition says what it corrects.",
                    ),
                ],
            },
        ),
        migrations.RunPython(artifacts_to_first_edition, first_edition_to_artifacts),
        migrations.RemoveField(
            model_name="issue",
            name="html_file",
        ),
        migrations.RemoveField(
            model_name="issue",
            name="html_sha256",
        ),
        migrations.RemoveField(
            model_name="issue",
            name="page_count",
        ),
        migrations.RemoveField(
            model_name="issue",
            name="pdf_file",
        ),
        migrations.RemoveField(
            model_name="issue",
            name="pdf_sha256",
        ),
        migrations.RemoveField(
            model_name="issue",
            name="pdf_size",
        ),
        migrations.RemoveField(
            model_name="issue",
            name="renderer_version",
        ),
    ]
