"""Fill in the last editor of stories saved before Story.last_edited_by existed.

The last editor is whoever saved the story's current text: the user of the
latest history record that changed the text (headline, body, source,
newsletter, link) from the record before it. A record that only moved the
status (submitted, approved) changed no text, and an edit refused as
conflicting was never applied; neither makes anyone the last editor. A
story with no edit since its first draft keeps it empty, as the model says.
A story whose last editor is already known (saved since 0011) is left alone.

Going back does nothing: the column stays with true values until 0011 is
unapplied and removes it; clearing it here would also clear the editors
recorded since, and let them approve their own rewrites.
"""

from itertools import batched

from django.db import migrations

TEXT_FIELDS = ("headline", "body", "source_id", "newsletter_id", "original_url")
# newsroom.models.stories.REFUSED_EDIT_REASON, as it was when this was written.
REFUSED_EDIT_REASON = "Conflicting edit, not applied"
BATCH = 500


def last_editors(history_records, story_ids):
    """{story id: user id} of the last text change of each story."""
    records = (
        history_records.filter(id__in=story_ids)
        .order_by("id", "history_date", "history_id")
        .values_list("id", "history_type", "history_change_reason", "history_user_id", *TEXT_FIELDS)
    )
    previous, editors = {}, {}
    for story_id, kind, reason, user_id, *text in records.iterator():
        if (reason or "").startswith(REFUSED_EDIT_REASON):
            continue
        changed = story_id in previous and previous[story_id] != text
        if kind == "~" and changed and user_id is not None:
            editors[story_id] = user_id
        previous[story_id] = text
    return editors


def fill_last_edited_by(apps, schema_editor):
    db = schema_editor.connection.alias
    story = apps.get_model("newsroom", "Story")
    history = apps.get_model("newsroom", "HistoricalStory")
    unknown = story.objects.using(db).filter(last_edited_by__isnull=True).order_by("pk")
    for story_ids in batched(unknown.values_list("pk", flat=True).iterator(), BATCH):
        by_user = {}
        for story_id, user_id in last_editors(history.objects.using(db), story_ids).items():
            by_user.setdefault(user_id, []).append(story_id)
        for user_id, ids in by_user.items():
            # update(), not save(): the stories' updated_at must not move.
            story.objects.using(db).filter(pk__in=ids).update(last_edited_by_id=user_id)


class Migration(migrations.Migration):
    dependencies = [
        ("newsroom", "0012_text_validators"),
    ]

    operations = [
        migrations.RunPython(fill_last_edited_by, migrations.RunPython.noop, elidable=True),
    ]
