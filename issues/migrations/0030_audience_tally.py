"""The audience's totals kept by the database: issues.models.audience.

Each subscription adds one to two rows of its newsletter's tally, the day it
starts and the day it ends ('0001-01-01' and '9999-12-31' standing for none),
and, on both, one to `never` while its reader has no download counted.
Triggers keep the rows in the change's own transaction, whatever makes it
(a form, the import, a bulk insert, a cascade); the same statements serve
PostgreSQL and SQLite, which only wrap them differently.

On PostgreSQL a reader's first download and a new subscription of theirs
may be written at the same moment by two transactions, neither seeing the
other's row. Each locks the reader's account row before deciding, so one
decides after the other's commit: the subscription's side as its foreign
key's check does (FOR KEY SHARE, which many may hold at once), the download's
side, rare (a reader's first download, or their last going), FOR UPDATE,
which waits for them. Row locks, not advisory ones: an import of 20,000
readers takes 20,000, more than the lock table holds. SQLite writes one
transaction at a time.

The downloads' triggers run BEFORE each row, not after: an INSERT of a
reader's first downloads in one statement (a PDF and an HTML document
flushed together) would otherwise show every one of its rows to each row's
trigger, and none would see itself as the first; before a row, a trigger
sees the rows its statement wrote already, and not its own.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def add(row, n):
    """Count subscription `row` (NEW or OLD) `n` times on its two days."""
    never = (
        "CASE WHEN EXISTS (SELECT 1 FROM issues_downloadcount"  # noqa: S608 (constants)
        f" WHERE user_id = {row}.user_id) THEN 0 ELSE {n} END"
    )
    return (
        "INSERT INTO issues_audiencetally (newsletter_id, edge, day, subscriptions, never)"  # noqa: S608
        f" VALUES ({row}.newsletter_id, 's', COALESCE({row}.starts_on, '0001-01-01'), {n}, {never}),"
        f" ({row}.newsletter_id, 'e', COALESCE({row}.ends_on, '9999-12-31'), {n}, {never})"
        " ON CONFLICT (newsletter_id, edge, day) DO UPDATE"
        " SET subscriptions = issues_audiencetally.subscriptions + excluded.subscriptions,"
        " never = issues_audiencetally.never + excluded.never"
    )


def reader(user_id, n):
    """Add `n` to `never` on the rows of every subscription of `user_id`
    (one a newsletter, so one row an edge and newsletter)."""
    return (
        f"UPDATE issues_audiencetally SET never = never + {n}"  # noqa: S608
        " WHERE (newsletter_id, edge, day) IN ("
        "SELECT newsletter_id, 's', COALESCE(starts_on, '0001-01-01') FROM issues_subscription"
        f" WHERE user_id = {user_id} UNION ALL"
        " SELECT newsletter_id, 'e', COALESCE(ends_on, '9999-12-31') FROM issues_subscription"
        f" WHERE user_id = {user_id})"
    )


def has_downloads(user_id, other_than="0"):
    return (
        f"EXISTS (SELECT 1 FROM issues_downloadcount WHERE user_id = {user_id}"  # noqa: S608
        f" AND id <> {other_than})"
    )


FILL = (
    "INSERT INTO issues_audiencetally (newsletter_id, edge, day, subscriptions, never)"
    " SELECT newsletter_id, edge, day, COUNT(*), SUM(never) FROM ("
    " SELECT newsletter_id, 's' AS edge, COALESCE(starts_on, '0001-01-01') AS day, never"
    " FROM subscribed UNION ALL"
    " SELECT newsletter_id, 'e', COALESCE(ends_on, '9999-12-31'), never FROM subscribed"
    ") AS edges GROUP BY newsletter_id, edge, day"
)
SUBSCRIBED = (
    "WITH subscribed AS (SELECT s.newsletter_id, s.starts_on, s.ends_on,"
    " CASE WHEN EXISTS (SELECT 1 FROM issues_downloadcount d WHERE d.user_id = s.user_id)"
    " THEN 0 ELSE 1 END AS never FROM issues_subscription s) "
)


def changed(differs):
    """Whether an UPDATE moved a subscription; `differs` is the dialect's
    null-safe "not equal" (SQLite before 3.39 has no IS DISTINCT FROM)."""
    return " OR ".join(
        f"OLD.{column} {differs} NEW.{column}"
        for column in ("newsletter_id", "user_id", "starts_on", "ends_on")
    )


# PostgreSQL: two functions, one for each table's trigger.
LOCK = "PERFORM 1 FROM auth_user WHERE id = {user_id} FOR {mode};"
POSTGRESQL = [
    f"""
CREATE FUNCTION issues_audience_subscription() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NOT ({changed("IS DISTINCT FROM")}) THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        {LOCK.format(user_id="OLD.user_id", mode="KEY SHARE")}
        {add("OLD", -1)};
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        {LOCK.format(user_id="NEW.user_id", mode="KEY SHARE")}
        {add("NEW", 1)};
    END IF;
    RETURN NULL;
END $$""",
    f"""
CREATE FUNCTION issues_audience_download() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.user_id IS NOT DISTINCT FROM NEW.user_id THEN
        RETURN NEW;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.user_id IS NOT NULL
            AND NOT {has_downloads("OLD.user_id", "OLD.id")} THEN
        {LOCK.format(user_id="OLD.user_id", mode="UPDATE")}
        IF NOT {has_downloads("OLD.user_id", "OLD.id")} THEN
            {reader("OLD.user_id", 1)};
        END IF;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.user_id IS NOT NULL
            AND NOT {has_downloads("NEW.user_id")} THEN
        {LOCK.format(user_id="NEW.user_id", mode="UPDATE")}
        IF NOT {has_downloads("NEW.user_id")} THEN
            {reader("NEW.user_id", -1)};
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$""",
    "CREATE TRIGGER issues_audience_subscription AFTER INSERT OR DELETE"
    " OR UPDATE OF newsletter_id, user_id, starts_on, ends_on ON issues_subscription"
    " FOR EACH ROW EXECUTE FUNCTION issues_audience_subscription()",
    # Not on UPDATE OF count: a download counted again changes nothing here.
    "CREATE TRIGGER issues_audience_download BEFORE INSERT OR DELETE OR UPDATE OF user_id"
    " ON issues_downloadcount FOR EACH ROW EXECUTE FUNCTION issues_audience_download()",
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS issues_audience_subscription ON issues_subscription",
    "DROP TRIGGER IF EXISTS issues_audience_download ON issues_downloadcount",
    "DROP FUNCTION IF EXISTS issues_audience_subscription()",
    "DROP FUNCTION IF EXISTS issues_audience_download()",
]

# SQLite: a trigger for each change, its condition in WHEN.
SQLITE = [
    "CREATE TRIGGER issues_audience_subscription_added AFTER INSERT ON issues_subscription"
    f" BEGIN {add('NEW', 1)}; END",
    "CREATE TRIGGER issues_audience_subscription_removed AFTER DELETE ON issues_subscription"
    f" BEGIN {add('OLD', -1)}; END",
    "CREATE TRIGGER issues_audience_subscription_changed"
    " AFTER UPDATE OF newsletter_id, user_id, starts_on, ends_on ON issues_subscription"
    f" WHEN {changed('IS NOT')} BEGIN {add('OLD', -1)}; {add('NEW', 1)}; END",
    "CREATE TRIGGER issues_audience_download_added BEFORE INSERT ON issues_downloadcount"
    f" WHEN NEW.user_id IS NOT NULL AND NOT {has_downloads('NEW.user_id')}"
    f" BEGIN {reader('NEW.user_id', -1)}; END",
    "CREATE TRIGGER issues_audience_download_removed BEFORE DELETE ON issues_downloadcount"
    f" WHEN OLD.user_id IS NOT NULL AND NOT {has_downloads('OLD.user_id', 'OLD.id')}"
    f" BEGIN {reader('OLD.user_id', 1)}; END",
    "CREATE TRIGGER issues_audience_download_moved BEFORE UPDATE OF user_id"
    " ON issues_downloadcount WHEN OLD.user_id IS NOT NEW.user_id BEGIN"
    f" {reader('OLD.user_id', 1)} AND NOT {has_downloads('OLD.user_id', 'OLD.id')};"
    f" {reader('NEW.user_id', -1)} AND NOT {has_downloads('NEW.user_id')}; END",
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "issues_audience_subscription_added",
        "issues_audience_subscription_removed",
        "issues_audience_subscription_changed",
        "issues_audience_download_added",
        "issues_audience_download_removed",
        "issues_audience_download_moved",
    )
]


def create_triggers(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    if postgresql:
        # Nothing changes the subscriptions or the downloads' readers while
        # the rows are counted and the triggers made.
        schema_editor.execute(
            "LOCK TABLE issues_subscription, issues_downloadcount IN SHARE ROW EXCLUSIVE MODE"
        )
    for statement in POSTGRESQL if postgresql else SQLITE:
        schema_editor.execute(statement)
    schema_editor.execute(SUBSCRIBED + FILL)


def drop_triggers(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    for statement in POSTGRESQL_REVERSE if postgresql else SQLITE_REVERSE:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("issues", "0029_audience_search_trigram_indexes"),
        ("newsroom", "0023_story_recently_approved_idx_holds_newsletter"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="AudienceTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("edge", models.CharField(choices=[("s", "Starts"), ("e", "Ends")], max_length=1)),
                ("day", models.DateField()),
                ("subscriptions", models.IntegerField(default=0)),
                (
                    "never",
                    models.IntegerField(
                        default=0,
                        help_text="Of these subscriptions, those whose reader never downloaded.",
                    ),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="subscription",
            index=models.Index(
                condition=models.Q(("starts_on__gt", models.F("ends_on"))),
                fields=["newsletter"],
                name="subscription_starts_after_end",
            ),
        ),
        migrations.AddField(
            model_name="audiencetally",
            name="newsletter",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="audience_tallies",
                to="newsroom.newsletter",
            ),
        ),
        migrations.AddConstraint(
            model_name="audiencetally",
            constraint=models.UniqueConstraint(
                fields=("newsletter", "edge", "day"), name="audience_tally_once"
            ),
        ),
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
    ]
