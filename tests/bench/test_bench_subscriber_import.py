"""How fast a subscriber list imports: 20,000 readers in two newsletters,
through the command's code (plan, then the atomic apply), on PostgreSQL.
Target: under a minute. The invitations' task backend is the dummy one here,
so the figure is the import's, not the mail's. Prints the figures; asserts
only that everything arrived.

    DATABASE_URL=postgres://... pytest tests/bench/test_bench_subscriber_import.py -s
"""

from __future__ import annotations

import os
import time
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection

from issues.models import Subscription
from issues.readers.subscribers import apply_import, plan_import
from tests import factories

READERS = int(os.environ.get("BENCH_READERS", "20000"))


def subscriber_list(end: str, name: str = "Reader") -> str:
    lines = ["email,name,organisation,newsletters,end date"]
    lines += [
        f"reader{i}@example.org,{name} {i},Organisation {i % 300},ict;mining,{end}"
        for i in range(READERS)
    ]
    return "\n".join(lines) + "\n"


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
@pytest.mark.django_db
def test_bench_importing_20000_subscribers(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    factories.make_newsletter()
    factories.make_newsletter("Mining", "mining")
    publisher = User.objects.create_superuser("pat", "pat@example.org", "x")

    passes = (
        ("first import", subscriber_list("2027-03-31")),
        ("re-import, new end dates", subscriber_list("2027-06-30")),
        ("re-import, every name changed", subscriber_list("2027-06-30", "Lecteur")),
    )
    for label, text in passes:
        started = time.perf_counter()
        plan = plan_import(text)
        planned = time.perf_counter()
        apply_import(plan, by=publisher)
        applied = time.perf_counter()
        print(
            f"\n{label} of {READERS} readers: dry run {planned - started:.1f} s,"
            f" apply {applied - planned:.1f} s, total {applied - started:.1f} s"
        )

    assert User.objects.filter(email__startswith="reader").count() == READERS
    assert Subscription.objects.filter(ends_on="2027-06-30").count() == 2 * READERS
