"""One model for private addresses: every calendar key is copied unchanged
(its address keeps working), then CalendarKey goes. The feed keys of the
publishing room are copied by its own migration that follows this one."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import newsroom.models.private_addresses


def copy_calendar_keys(apps, schema_editor):
    old = apps.get_model("newsroom", "CalendarKey")
    new = apps.get_model("newsroom", "PrivateAddressKey")
    new.objects.bulk_create(
        new(user_id=row.user_id, purpose="calendar", key=row.key, created_at=row.created_at)
        for row in old.objects.iterator()
    )


def copy_calendar_keys_back(apps, schema_editor):
    old = apps.get_model("newsroom", "CalendarKey")
    new = apps.get_model("newsroom", "PrivateAddressKey")
    rows = new.objects.filter(purpose="calendar")
    old.objects.bulk_create(old(user_id=row.user_id, key=row.key) for row in rows.iterator())
    for row in rows:  # created_at is auto_now_add on the old model
        old.objects.filter(key=row.key).update(created_at=row.created_at)


class Migration(migrations.Migration):
    dependencies = [
        ("newsroom", "0019_story_drafts"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PrivateAddressKey",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "purpose",
                    models.CharField(
                        choices=[("feed", "private feeds"), ("calendar", "calendar feed")],
                        max_length=16,
                    ),
                ),
                (
                    "key",
                    models.CharField(
                        default=newsroom.models.private_addresses.new_key,
                        max_length=64,
                        unique=True,
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="private_address_keys",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
        migrations.AddConstraint(
            model_name="privateaddresskey",
            constraint=models.UniqueConstraint(
                fields=("user", "purpose"), name="private_address_once"
            ),
        ),
        migrations.RunPython(copy_calendar_keys, copy_calendar_keys_back),
        migrations.DeleteModel(name="CalendarKey"),
    ]
