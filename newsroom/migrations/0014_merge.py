# Two migrations numbered 0012 landed at once (planning's digest hour and
# hardening's text validators); this joins them. Neither touches the other's
# models.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("newsroom", "0012_digest_hour"),
        ("newsroom", "0013_backfill_last_edited_by"),
    ]

    operations = []
