"""The publishing room grants its own permissions to the role groups that the
writing room created (newsroom 0002), and drops `publish_issue`: a reviewer
(newsroom's `review_story`) is the one definition of who publishes."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "Editors": ["view_issue", "add_issue", "change_issue"],
    "Reviewers": ["view_issue"],
}


def grant_issue_permissions(apps, schema_editor):
    app_config = apps.get_app_config("issues")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    permission_model = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group, _ = apps.get_model("auth", "Group").objects.get_or_create(name=name)
        group.permissions.add(
            *permission_model.objects.filter(
                content_type__app_label="issues", codename__in=codenames
            )
        )
    permission_model.objects.filter(
        content_type__app_label="issues", codename="publish_issue"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("issues", "0004_newsletter_moved"),
        ("newsroom", "0002_roles"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="issue",
            options={"ordering": ["-period_start", "-number"]},
        ),
        migrations.RunPython(grant_issue_permissions, migrations.RunPython.noop),
    ]
