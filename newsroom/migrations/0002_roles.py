"""Create the Editors, Reviewers and Subscribers groups with their permissions.

Permissions are normally created after `migrate` by a post_migrate signal,
too late for this migration on a fresh database, so they are created here
first from the historical app registry.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from newsroom.roles import ROLE_PERMISSIONS, sync_roles


def create_roles(apps, schema_editor):
    for app_label in ("newsroom", "issues"):
        app_config = apps.get_app_config(app_label)
        # The historical registry's stub lacks the attribute the helper checks.
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_roles(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("newsroom", "0001_initial"),
        ("issues", "0002_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
