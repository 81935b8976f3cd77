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


@task
def send_invitation(*, model: str, pk: str) -> int:
    """Mail an outside reviewer their link (`model` is the invitation's label)."""
    from django.apps import apps

    invitation = apps.get_model(model)._default_manager.filter(pk=pk).first()
    return invitation.mail().send() if invitation is not None else 0


@task
def mail_desk_notice(*, notice_id: int) -> int:
    """Mail one desk notice now (a slot planned for someone); the reminder
    check mails any it missed."""
    from newsroom.reminders import mail_notice

    return mail_notice(notice_id)
