"""Mail about stories: one message per workflow event, sent after commit.

`transitioned` is sent by the workflow once the transaction has committed;
the receiver only enqueues a task with ids (JSON-serialisable, so a database
queue can carry it), and the task builds and sends the message:

- submit: one message to every reviewer except the author and the person who
  submitted (the author cannot approve their own story anyway);
- request changes: one message to the author, with the reviewer's comment;
- approve (publish): one message to the author;
- withdraw: one message to the author, with the reviewer's reason.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.tasks import task

from newsroom import roles
from newsroom.models import Story
from newsroom.review.workflow import PUBLISH, REQUEST_CHANGES, SUBMIT, WITHDRAW, Transition
from newsroom.site import notice_headers, site_url
from newsroom.text import one_line, printable

NOTIFIED = {SUBMIT.name, REQUEST_CHANGES.name, PUBLISH.name, WITHDRAW.name}


def on_story_transitioned(
    sender: type[Story],
    *,
    instance: Story,
    transition: Transition,
    by: Any,
    comment: str,
    **kwargs: Any,
) -> None:
    if transition.name not in NOTIFIED:
        return

    notify_story_transition.enqueue(
        story_id=instance.pk, transition=transition.name, by_id=by.pk, comment=comment
    )


def story_message(story: Story, transition: str, by: Any, comment: str) -> EmailMessage | None:
    link = site_url(story.get_absolute_url())
    actor = by.get_full_name() or by.get_username()
    if transition == SUBMIT.name:
        others = roles.reviewers().exclude(pk__in=[story.author_id, by.pk])
        to = [user.email for user in others.exclude(email="")]
        subject = f"For review: {story.headline}"
        body = f"{actor} submitted “{story.headline}” for review.\n\nReview it: {link}\n"
    elif transition == REQUEST_CHANGES.name:
        to = [story.author.email]
        subject = f"Changes requested: {story.headline}"
        body = (
            f"{actor} sent “{story.headline}” back to you:\n\n{comment}\n"
            f"{open_comments_text(story)}\nEdit it: {link}\n"
        )
    elif transition == PUBLISH.name:
        to = [story.author.email]
        subject = f"Approved: {story.headline}"
        body = f"{actor} approved “{story.headline}”. It can now go into an issue.\n\n{link}\n"
    elif transition == WITHDRAW.name and story.author_id != by.pk:
        to = [story.author.email]
        subject = f"Withdrawn: {story.headline}"
        reason = f"\n\n{comment}\n" if comment else "\n"
        body = f"{actor} withdrew “{story.headline}”; it is a draft again.{reason}\n{link}\n"
    else:
        return None
    to = [address for address in to if address]
    if not to:
        return None
    return EmailMessage(
        one_line(f"[Newsroom] {subject}"),
        printable(body),
        settings.DEFAULT_FROM_EMAIL,
        to,
        headers=notice_headers(),
    )


def open_comments_text(story: Story) -> str:
    """Each open comment under the passage it is on, for the send-back mail."""
    threads = list(story.comments.open().select_related("author").order_by("start", "pk"))  # type: ignore[attr-defined]
    if not threads:
        return ""
    lines = ["", "Comments on passages:"]
    for thread in threads:
        lines += ["", f"> {thread.quote}", f"{thread.who}: {thread.text}"]
        if thread.lost:
            lines.append("(the passage changed since)")
    return "\n".join(lines) + "\n"


def send_story_notification(*, story_id: int, transition: str, by_id: int, comment: str) -> int:
    """Send the one message for this event; returns how many were sent (0 or 1)."""
    story = Story.objects.select_related("author").filter(pk=story_id).first()
    by = get_user_model().objects.filter(pk=by_id).first()
    if story is None or by is None:
        return 0
    message = story_message(story, transition, by, comment)
    return message.send() if message else 0


@task
def notify_story_transition(*, story_id: int, transition: str, by_id: int, comment: str) -> int:
    return send_story_notification(
        story_id=story_id, transition=transition, by_id=by_id, comment=comment
    )
