"""A partial index of superusers on auth_user, on PostgreSQL; nothing elsewhere.

roles.editors() / reviewers() / desk_users() list who holds a permission:
the members of the groups that grant it, direct grants, and superusers. The
superusers are a handful among every subscriber's account; without this
index, finding them reads the whole user table (3 ms at 20,000 accounts,
twice on each calendar page). auth_user is django.contrib.auth's table, so
the index is made here rather than as a model Meta index.
"""

from django.db import migrations

INDEX_NAME = "auth_user_superuser_idx"


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{INDEX_NAME}" ON "auth_user" ("id") WHERE "is_superuser"'
        )


def remove_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{INDEX_NAME}"')


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("newsroom", "0021_story_body_help_one_paragraph_and_list"),
    ]

    operations = [
        migrations.RunPython(add_index, remove_index, elidable=False),
    ]
