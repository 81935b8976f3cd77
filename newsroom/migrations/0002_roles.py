"""Create the Editors, Reviewers and Subscribers groups with the writing
room's permissions on stories and sources.

Frozen here rather than imported from newsroom.roles, so that later changes
to live code cannot change what this migration did. Permissions are normally
created after `migrate` by a post_migrate signal, too late for this migration
on a fresh database, so they are created first from the historical registry.
The publishing room grants its own permissions in its own migration.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "Editors": [
        "view_story",
        "add_story",
        "change_story",
        "view_source",
        "add_source",
        "change_source",
    ],
    "Reviewers": ["view_story", "change_story", "review_story", "view_source"],
    "Subscribers": [],
}


def create_roles(apps, schema_editor):
    app_config = apps.get_app_config("newsroom")
    # The historical registry's stub lacks the attribute the helper checks.
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group, _ = group_model.objects.get_or_create(name=name)
        group.permissions.add(
            *permission_model.objects.filter(
                content_type__app_label="newsroom", codename__in=codenames
            )
        )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GRANTS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("newsroom", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
