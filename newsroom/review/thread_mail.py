"""Mail about review threads, batched per person.

Each event (a comment or reply, a resolved thread, an outside verdict) writes
one `Notice` row per person to tell, in the transaction of the event. After
commit a task is enqueued per person, to run NOTICE_DELAY later on a queue
that can defer (django-tasks-db in production): it sends every notice still
pending for that person in one mail, so five comments written in a minute
arrive as one message. Tasks that find nothing pending send nothing. On a
queue that cannot defer (the immediate backend of a first run) the task runs
at once and each event is its own mail.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.tasks import task, task_backends
from django.utils import timezone

from newsroom.models.comments import Comment
from newsroom.models.notices import Notice
from newsroom.site import notice_headers, site_url

if TYPE_CHECKING:
    from newsroom.models.stories import Story

NOTICE_DELAY = datetime.timedelta(minutes=1)
OUTSIDE_LINK = "(open the review link of your invitation to see it)"


def notify(emails: Iterable[str], *, line: str, link: str, story: Story | None = None) -> None:
    """Tell each of `emails` about one event; call inside the event's transaction."""
    addresses = sorted({e.lower() for e in emails if e})
    Notice.objects.bulk_create(
        [Notice(email=email, story=story, line=line, link=link) for email in addresses]
    )
    for email in addresses:
        transaction.on_commit(lambda email=email: _enqueue(email))  # type: ignore[misc]


def _enqueue(email: str) -> None:
    if task_backends[send_notices.backend].supports_defer:
        send_notices.using(run_after=timezone.now() + NOTICE_DELAY).enqueue(email=email)
    else:
        send_notices.enqueue(email=email)


def people_in_thread(comment: Comment) -> tuple[set[str], set[str]]:
    """The story's author, whoever started the thread and everyone who replied:
    (desk people, outside reviewers), by email address."""
    thread = comment.parent or comment
    writers = Comment.objects.filter(models.Q(pk=thread.pk) | models.Q(parent=thread))
    desk, outside = {comment.story.author.email}, set()
    for writer in writers.select_related("author"):
        if writer.author:
            desk.add(writer.author.email)
        else:
            outside.add(writer.author_email)
    return desk, outside


def _tell_thread(
    comment: Comment, line: str, *, actor: str, also_tell: Collection[str] = ()
) -> None:
    desk, outside = people_in_thread(comment)
    desk |= {email.lower() for email in also_tell if email}
    link = site_url(comment.story.get_absolute_url())
    notify(desk - {actor}, line=line, link=link, story=comment.story)
    # The desk is closed to outside reviewers: their way back is their link.
    notify(outside - {actor}, line=line, link=OUTSIDE_LINK, story=comment.story)


def _actor_email(comment: Comment) -> str:
    return comment.author.email if comment.author else comment.author_email


def _quoted(comment: Comment) -> str:
    thread = comment.parent or comment
    return f"“{thread.quote}” in “{comment.story.headline}”"


def note_comment(comment: Comment, *, also_tell: Collection[str] = ()) -> None:
    verb = "replied on" if comment.parent_id else "commented on"
    line = f"{comment.who} {verb} {_quoted(comment)}:\n    {comment.text}"
    _tell_thread(comment, line, actor=_actor_email(comment), also_tell=also_tell)


def note_resolved(thread: Comment) -> None:
    by = thread.resolved_by
    name = (by.get_full_name() or by.get_username()) if by else "someone"
    line = f"{name} resolved the thread on {_quoted(thread)}."
    _tell_thread(thread, line, actor=by.email if by else "")


def send_pending(email: str) -> int:
    """Send one mail listing every pending notice for `email`; returns 0 or 1."""
    with transaction.atomic():
        pending = list(
            Notice.objects.select_for_update(skip_locked=True).filter(
                email=email, sent_at__isnull=True
            )
        )
        if not pending:
            return 0
        # Marked and sent in one transaction: a failed send leaves them
        # pending for the next task (a mail may repeat, none is lost).
        Notice.objects.filter(pk__in=[n.pk for n in pending]).update(sent_at=timezone.now())
        return notices_message(email, pending).send()


def notices_message(email: str, pending: list[Notice]) -> EmailMessage:
    count = len(pending)
    subject = "A review note" if count == 1 else f"{count} review notes"
    body = "\n\n".join(f"{n.line}\n    {n.link}" for n in pending)
    return EmailMessage(
        f"[Newsroom] {subject}",
        f"What happened in the review threads you are part of:\n\n{body}\n",
        settings.DEFAULT_FROM_EMAIL,
        [email],
        headers=notice_headers(),
    )


@task
def send_notices(*, email: str) -> int:
    """Everything pending for `email` in one mail."""
    return send_pending(email)
