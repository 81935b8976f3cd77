"""Password-reset answer times, known address against unknown.

An attacker timed the reset page to learn which addresses have accounts
(13.8 ms median for a known address, 8.4 ms for an unknown one, when the
request looked the address up). The request now does the same work for
both (newsroom/security/passwords.py): this measures it with the database task
backend, as in production, each request from its own client address for an
address asked for once, known and unknown taking turns (in alternating
order). Prints the medians
and their difference; asserts only that every request was queued.

    make bench   (or: pytest tests/bench/test_bench_reset_timing.py -s)
"""

from __future__ import annotations

import statistics
import time

from django.contrib.auth.models import User
from django.test import Client, override_settings
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

ROUNDS = 200


@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_known_and_unknown_addresses_answer_in_the_same_time(db: None) -> None:
    User.objects.bulk_create(
        User(username=f"reader{n}", email=f"reader{n}@example.org") for n in range(ROUNDS)
    )
    client = Client()
    url = reverse("password_reset")
    client.post(url, {"email": "warm-up@example.org"}, REMOTE_ADDR="192.0.2.250")
    times: dict[str, list[float]] = {"known": [], "unknown": []}

    for n in range(ROUNDS):
        pair = [("known", f"reader{n}@example.org"), ("unknown", f"x{n}@example.org")]
        # Turns alternate, so that neither always meets the fuller table.
        for kind, email in pair if n % 2 else pair[::-1]:
            address = f"10.{n // 250}.{n % 250}.{1 if kind == 'known' else 2}"
            start = time.perf_counter()
            response = client.post(url, {"email": email}, REMOTE_ADDR=address)
            times[kind].append(time.perf_counter() - start)
            assert response.status_code == 302

    known, unknown = (statistics.median(times[k]) * 1000 for k in ("known", "unknown"))
    print(
        f"\npassword reset, median answer: known {known:.2f} ms, unknown {unknown:.2f} ms"
        f" (difference {known - unknown:+.2f} ms, {ROUNDS} of each)"
    )
    assert DBTaskResult.objects.count() == 2 * ROUNDS + 1
