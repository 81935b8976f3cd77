"""Newsletter moves from the publishing room (issues) to the writing room.

A story is written for a newsletter's desk before any issue exists, so the
newsletter belongs here. The move keeps every row and id: the model's state
moves, the table is renamed (issues_newsletter -> newsroom_newsletter), and
its content type (with the permissions and admin log entries hanging off
it) is relabelled rather than created anew. issues 0004 then points its own
foreign keys at the moved model and forgets the old one.
"""

import django.db.models.deletion
from django.db import migrations, models


def relabel_content_type(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    moved = content_type.objects.filter(app_label="issues", model="newsletter")
    if not content_type.objects.filter(app_label="newsroom", model="newsletter").exists():
        moved.update(app_label="newsroom")


def restore_content_type(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    content_type.objects.filter(app_label="newsroom", model="newsletter").update(app_label="issues")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("issues", "0003_issue_number_positive"),
        ("newsroom", "0003_story_fulltext_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Newsletter",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "title",
                            models.CharField(
                                help_text="The sector, as printed under the masthead, e.g. "
                                "“Information and Communication Technology (ICT)”.",
                                max_length=200,
                                unique=True,
                            ),
                        ),
                        (
                            "slug",
                            models.SlugField(
                                help_text="Used in addresses, e.g. “ict”.", unique=True
                            ),
                        ),
                        (
                            "description",
                            models.TextField(
                                blank=True, help_text="One or two sentences for the landing page."
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                    ],
                    options={"ordering": ["title"], "db_table": "issues_newsletter"},
                ),
                migrations.AlterField(
                    model_name="story",
                    name="newsletter",
                    field=models.ForeignKey(
                        help_text="The newsletter this story is written for.",
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="stories",
                        to="newsroom.newsletter",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalstory",
                    name="newsletter",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        help_text="The newsletter this story is written for.",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="newsroom.newsletter",
                    ),
                ),
            ],
        ),
        # The one real change to the schema: the table takes this app's name.
        migrations.AlterModelTable(name="newsletter", table=None),
        migrations.RunPython(relabel_content_type, restore_content_type),
    ]
