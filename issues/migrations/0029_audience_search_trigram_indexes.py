"""Trigram indexes for the audience page's search, on PostgreSQL; nothing elsewhere.

The publisher's audience page finds readers whose address, name or
organisation holds a text (`icontains`: UPPER(column) LIKE UPPER('%text%')).
Without an index that reads every account and reader profile (45 ms at
20,000 readers, with the join to their subscriptions); pg_trgm's GIN
indexes on the same expressions answer it from the index (about 2 ms).
pg_trgm ships with PostgreSQL and is a trusted extension (13 and later):
the database's owner may create it. auth_user is django.contrib.auth's
table, so its index is made here rather than as a model Meta index.
"""

from django.db import migrations

USER_INDEX = "auth_user_audience_search_trgm"
PROFILE_INDEX = "readerprofile_organisation_trgm"


def add_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f'CREATE INDEX IF NOT EXISTS "{USER_INDEX}" ON "auth_user" USING gin ('
        '(UPPER("email"::text)) gin_trgm_ops, '
        '(UPPER("first_name"::text)) gin_trgm_ops, '
        '(UPPER("last_name"::text)) gin_trgm_ops)'
    )
    schema_editor.execute(
        f'CREATE INDEX IF NOT EXISTS "{PROFILE_INDEX}" ON "issues_readerprofile" '
        'USING gin ((UPPER("organisation"::text)) gin_trgm_ops)'
    )


def remove_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f'DROP INDEX IF EXISTS "{USER_INDEX}"')
    schema_editor.execute(f'DROP INDEX IF EXISTS "{PROFILE_INDEX}"')


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("issues", "0028_subscription_ends_on_idx_orders_the_audience"),
    ]

    operations = [
        migrations.RunPython(add_indexes, remove_indexes, elidable=False),
    ]
