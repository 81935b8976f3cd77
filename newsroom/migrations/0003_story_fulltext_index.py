"""A GIN index for story search on PostgreSQL; nothing elsewhere.

The index is built from the expression that story search queries
(newsroom.writing.search.story_search_vector), so PostgreSQL can use it. It is
written out here rather than imported, so that later changes to live code
cannot change what this migration did; tests/test_desk_search.py checks that
the two still agree. It is not a model Meta index because SQLite cannot hold
it and the project runs on both.
"""

from django.db import migrations

SEARCH_INDEX_NAME = "story_fulltext_gin"


def _index():
    from django.contrib.postgres.indexes import GinIndex
    from django.contrib.postgres.search import SearchVector

    return GinIndex(SearchVector("headline", "body", config="english"), name=SEARCH_INDEX_NAME)


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
