"""Every feed token is copied unchanged into newsroom's PrivateAddressKey
(its private feed addresses keep working), then FeedToken goes."""

from django.db import migrations


def copy_feed_tokens(apps, schema_editor):
    old = apps.get_model("issues", "FeedToken")
    new = apps.get_model("newsroom", "PrivateAddressKey")
    new.objects.bulk_create(
        new(user_id=row.user_id, purpose="feed", key=row.key, created_at=row.created_at)
        for row in old.objects.iterator()
    )


def copy_feed_tokens_back(apps, schema_editor):
    old = apps.get_model("issues", "FeedToken")
    new = apps.get_model("newsroom", "PrivateAddressKey")
    rows = new.objects.filter(purpose="feed")
    old.objects.bulk_create(old(user_id=row.user_id, key=row.key) for row in rows.iterator())
    for row in rows:  # created_at is auto_now_add on the old model
        old.objects.filter(key=row.key).update(created_at=row.created_at)


class Migration(migrations.Migration):
    dependencies = [
        ("issues", "0021_calendar_date_indexes"),
        ("newsroom", "0020_private_address_keys"),
    ]

    operations = [
        migrations.RunPython(copy_feed_tokens, copy_feed_tokens_back),
        migrations.DeleteModel(name="FeedToken"),
    ]
