"""Every role may see the newsletters, now a model of this app (0004)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = ["Editors", "Reviewers", "Subscribers"]


def grant_view_newsletter(apps, schema_editor):
    app_config = apps.get_app_config("newsroom")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    permission = apps.get_model("auth", "Permission").objects.get(
        content_type__app_label="newsroom", codename="view_newsletter"
    )
    for name in ROLES:
        group, _ = apps.get_model("auth", "Group").objects.get_or_create(name=name)
        group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [("newsroom", "0004_newsletter")]

    operations = [migrations.RunPython(grant_view_newsletter, migrations.RunPython.noop)]
