"""Background work of the newsroom app, run by django.tasks."""

from __future__ import annotations

from django.tasks import task

from newsroom.notifications import send_story_notification


@task
def notify_story_transition(*, story_id: int, transition: str, by_id: int, comment: str) -> int:
    return send_story_notification(
        story_id=story_id, transition=transition, by_id=by_id, comment=comment
    )


@task
def send_notices(*, email: str) -> int:
    """Everything pending for `email` in one mail (see newsroom.notices)."""
    from newsroom.notices import send_pending

    return send_pending(email)
