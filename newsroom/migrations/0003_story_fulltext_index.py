"""A GIN index for story search on PostgreSQL; nothing elsewhere.

The index is built from newsroom.search.story_search_vector(), the same
expression the search queries, so PostgreSQL can use it. It is not a model
Meta index because SQLite cannot hold it and the project runs on both.
"""

from django.db import migrations

from newsroom.search import SEARCH_INDEX_NAME, story_search_vector


def _index():
    from django.contrib.postgres.indexes import GinIndex

    return GinIndex(story_search_vector(), name=SEARCH_INDEX_NAME)


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("newsroom", "Story"), _index())


def remove_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("newsroom", "Story"), _index())


class Migration(migrations.Migration):
    dependencies = [
        ("newsroom", "0002_roles"),
    ]

    operations = [
        migrations.RunPython(add_index, remove_index, elidable=False),
    ]
