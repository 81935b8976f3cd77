"""An index for the source fields' suggestions on PostgreSQL; nothing elsewhere.

Source.objects.suggest() asks `lower(name) LIKE 'text%'`. The unique index
on lower(name) cannot serve a LIKE (it sorts by the database's collation),
an index with text_pattern_ops can. It is not a model Meta index because
SQLite cannot hold the operator class and the project runs on both.
"""

from django.db import migrations

INDEX_NAME = "source_name_prefix_idx"


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE INDEX "{INDEX_NAME}" ON "newsroom_source" (lower("name") text_pattern_ops)'
        )


def remove_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX "{INDEX_NAME}"')


class Migration(migrations.Migration):
    dependencies = [
        ("newsroom", "0015_assignment_version"),
    ]

    operations = [
        migrations.RunPython(add_index, remove_index, elidable=False),
    ]
