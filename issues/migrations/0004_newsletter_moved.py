"""Issues and subscriptions now point at newsroom.Newsletter (see newsroom
0004, which moved the model and its table without touching a row)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("issues", "0003_issue_number_positive"),
        ("newsroom", "0004_newsletter"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="issue",
                    name="newsletter",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="issues",
                        to="newsroom.newsletter",
                    ),
                ),
                migrations.AlterField(
                    model_name="subscription",
                    name="newsletter",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="subscriptions",
                        to="newsroom.newsletter",
                    ),
                ),
                migrations.DeleteModel(name="Newsletter"),
            ],
        ),
    ]
