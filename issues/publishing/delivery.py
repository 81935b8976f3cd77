"""Mail a newly published issue to the subscribers of its newsletter.

No web request sends subscriber mail. Publishing sends `transitioned` after
its transaction commits, and the receiver here:

- with a queue that runs tasks elsewhere (django-tasks-db, `db_worker`),
  enqueues `deliver_issue` on the "mail" queue, so renders and publications
  (the "default" queue) never wait behind a thousand mails;
- with the immediate backend of a first run, which would run the task inside
  the request, defers it until the response has been sent (`AfterResponse`
  middleware), and then mails for at most NEWSROOM_DELIVERY_BUDGET_SECONDS;
  what is left goes out after the next responses of the same process.

`deliver_issue` writes one Delivery row per reader (once: a retry finds the
rows it made) and splits them into `deliver_batch` tasks of DELIVERY_BATCH
readers. A batch *claims* its rows in a short transaction (`claimed_at`,
rows locked with SKIP LOCKED, so two workers never take the same row) and
sends outside any transaction. The message is made once per batch and
personalised per reader (address, unsubscribe link and headers,
Message-ID); over SMTP it goes out over NEWSROOM_MAIL_CONNECTIONS
connections at once, one thread each, while the task's own thread marks the
accepted rows sent in bulk (one UPDATE for every answer that came in while
the previous one ran) and renews the claim on the rest. A killed worker
leaves only claimed, unsent rows (and its claim stops being renewed):
`sweep_deliveries` hands them to a new batch once the
claim is older than the lease, ahead of the batches still queued, and never
a sent row to send again. A mail the server refuses is released with its
error and tried again by a new batch task with exponential backoff, up to
DELIVERY_MAX_ATTEMPTS times. (The mails that can go out twice are those
accepted by the server in the instant before their sender died, before
their rows were marked: at most one per connection.)
"""

from __future__ import annotations

import base64
import contextlib
import contextvars
import datetime
import email.policy
import functools
import logging
import queue
import secrets
import smtplib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import transaction
from django.db.models import Count, F, Q
from django.tasks import default_task_backend, task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from issues.models import Delivery, Issue
from issues.readers import access
from issues.readers.mail_optout import unsubscribe_path
from newsroom.review.workflow import PUBLISH, Transition
from newsroom.site import message_id, notice_headers, site_domain, site_url
from newsroom.text import one_line

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.db.models import QuerySet
    from django.http import HttpRequest, HttpResponseBase

    from newsroom.models import Newsletter

logger = logging.getLogger(__name__)

MAIL_QUEUE = "mail"
DELIVERY_BATCH = 100
DELIVERY_MAX_ATTEMPTS = 5
# A dead sender's batch, handed to another, goes before the batches queued
# at the default priority (0).
ORPHAN_PRIORITY = 10
# How long a publication's own mail task has to plan its deliveries before
# the deadline check takes the mail for lost (requeue_owed_mail).
OWED_MAIL_GRACE = datetime.timedelta(minutes=2)


def queue_runs_elsewhere() -> bool:
    """True when enqueued tasks run in a worker, not inline in the caller."""
    return bool(default_task_backend.supports_defer)


def issue_published(sender: type, instance: Any, transition: Transition, **kwargs: Any) -> None:
    """Receiver of `newsroom.review.workflow.transitioned` (connected in IssuesConfig.ready)."""
    if sender is not Issue or transition != PUBLISH:
        return
    if queue_runs_elsewhere():
        deliver_issue.enqueue(instance.pk)
    else:
        after_response(lambda: deliver_issue.call(instance.pk, settings.NEWSROOM_DELIVERY_BUDGET))


# The message, built once per issue.

# Stands for the reader's own unsubscribe address in the rendered mail.
UNSUBSCRIBE_URL = "https://unsubscribe.invalid/"


def list_id(newsletter: Newsletter) -> str:
    """RFC 2919: the newsletter's mail as one list, named on the site's domain."""
    label = one_line(newsletter.title).replace('"', "'")
    return f'"{label}" <{newsletter.slug}.newsletters.{site_domain()}>'


def list_headers(newsletter: Newsletter, reader_id: int) -> dict[str, str]:
    """Headers of a newsletter's mail to one reader: the list it belongs to
    and how to leave it in one click (RFC 2369, RFC 8058), without signing in."""
    return _list_headers(newsletter, site_url(unsubscribe_path(reader_id, newsletter.pk)))


def _list_headers(newsletter: Newsletter, unsubscribe_url: str) -> dict[str, str]:
    unsubscribe = [f"<{unsubscribe_url}>"]
    if settings.NEWSROOM_REPLY_TO:
        unsubscribe.append(f"<mailto:{settings.NEWSROOM_REPLY_TO}?subject=unsubscribe>")
    headers = notice_headers() | {
        "List-Id": list_id(newsletter),
        "List-Unsubscribe": ", ".join(unsubscribe),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Precedence": "bulk",
    }
    if settings.NEWSROOM_REPLY_TO:
        headers["Reply-To"] = settings.NEWSROOM_REPLY_TO
    return headers


# Stand for the reader's address and the Message-ID in the message template.
RECIPIENT = "reader@recipient.invalid"
MESSAGE_ID = "<message-id@message-id.invalid>"
CRLF = b"\r\n"


@dataclass(frozen=True)
class IssueMail:
    newsletter: Newsletter
    subject: str
    text: str
    html: str

    def to(self, reader: User) -> EmailMultiAlternatives:
        """The mail for `reader`: the same text, their own unsubscribe link."""
        own = site_url(unsubscribe_path(reader.pk, self.newsletter.pk))
        message = EmailMultiAlternatives(
            self.subject,
            self.text.replace(UNSUBSCRIBE_URL, own),
            to=[reader.email],
            headers=list_headers(self.newsletter, reader.pk),
        )
        message.attach_alternative(self.html.replace(UNSUBSCRIBE_URL, own), "text/html")
        return message

    @functools.cached_property
    def _template(self) -> tuple[str, bytes] | None:
        """(envelope sender, header block) of the message, made once by
        Django with stand-ins for what differs per reader, or None if a
        stand-in did not come through folding intact (then each reader's
        message is made whole)."""
        message = EmailMultiAlternatives(
            self.subject,
            "",
            to=[RECIPIENT],
            headers=_list_headers(self.newsletter, UNSUBSCRIBE_URL) | {"Message-ID": MESSAGE_ID},
        ).message(policy=email.policy.SMTP)
        for name in ("MIME-Version", "Content-Type", "Content-Transfer-Encoding"):
            del message[name]
        head = b"".join(message.policy.fold_binary(name, value) for name, value in message.items())
        for stand_in, times in ((RECIPIENT, 1), (MESSAGE_ID, 1), (UNSUBSCRIBE_URL, 1)):
            if head.count(stand_in.encode()) != times:
                return None
        return settings.DEFAULT_FROM_EMAIL, head

    def raw_to(self, reader: User) -> tuple[str, bytes] | None:
        """(envelope sender, message bytes) for `reader`, personalised from the
        template: their address, their own unsubscribe link (in the List-
        Unsubscribe header and both bodies) and a Message-ID of its own. The
        bodies are base64 (a long line or any script survives any server);
        None for an address that needs encoding (then `to` makes the mail)."""
        template = self._template
        if template is None or not _plain_address(reader.email):
            return None
        sender, head = template
        own = site_url(unsubscribe_path(reader.pk, self.newsletter.pk))
        head = (
            head.replace(RECIPIENT.encode(), reader.email.encode())
            .replace(UNSUBSCRIBE_URL.encode(), own.encode())
            .replace(MESSAGE_ID.encode(), message_id().encode())
        )
        boundary = self._boundary
        parts = [
            head,
            b"MIME-Version: 1.0\r\n",
            b'Content-Type: multipart/alternative; boundary="' + boundary + b'"\r\n\r\n',
        ]
        for subtype, body in ((b"plain", self.text), (b"html", self.html)):
            encoded = base64.encodebytes(body.replace(UNSUBSCRIBE_URL, own).encode())
            parts += [
                b"--" + boundary + CRLF,
                b"Content-Type: text/" + subtype + b'; charset="utf-8"\r\n',
                b"Content-Transfer-Encoding: base64\r\n\r\n",
                encoded.replace(b"\n", CRLF),
            ]
        parts.append(b"--" + boundary + b"--" + CRLF)
        return sender, b"".join(parts)

    @functools.cached_property
    def _boundary(self) -> bytes:
        # "=_" never occurs in base64, so no body can contain the boundary.
        return b"=_newsroom_" + secrets.token_hex(12).encode()


def _plain_address(address: str) -> bool:
    """An address that goes into a header as it is: ASCII, one @, nothing
    that needs quoting."""
    return (
        address.isascii()
        and address.count("@") == 1
        and not any(c in address for c in ' "(),:;<>[\\]\r\n')
    )


def issue_mail(issue: Issue) -> IssueMail:
    """The issue's mail: the same for every reader but for the unsubscribe
    link, so rendered once."""
    context = {
        "issue": issue,
        "stories": issue.ordered_stories(),
        "publisher": settings.NEWSROOM_PUBLISHER,
        "issue_url": site_url(issue.get_absolute_url()),
        "pdf_url": site_url(
            reverse("issues:issue_pdf", args=[issue.newsletter.slug, issue.number])
        ),
        "account_url": site_url(reverse("issues:account")),
        "unsubscribe_url": UNSUBSCRIBE_URL,
    }
    return IssueMail(
        newsletter=issue.newsletter,
        subject=one_line(f"{issue.newsletter.title}: {issue.period}"),
        text=render_to_string("issues/mail/issue_published.txt", context),
        html=render_to_string("issues/mail/issue_published.html", context),
    )


# Tasks.


def published_issue(issue_id: int) -> Issue | None:
    return Issue.objects.published().select_related("newsletter").filter(pk=issue_id).first()


def readers_of(newsletter: Newsletter) -> QuerySet[User]:
    """Who gets a mail when an issue of `newsletter` is published: its
    readers (issues/readers/access.py) with an address, but not who turned its mail
    off (they still read it on the site)."""
    return (
        access.readers_of(newsletter)
        .exclude(email="")
        .exclude(mail_opt_outs__newsletter=newsletter)
    )


def plan_deliveries(issue: Issue) -> None:
    """One Delivery row per active reader with an address, made once."""
    readers = readers_of(issue.newsletter).values_list("pk", flat=True)
    Delivery.objects.bulk_create(
        [Delivery(issue=issue, user_id=pk) for pk in readers.iterator()],
        ignore_conflicts=True,
        batch_size=1000,
    )


def owed(issue: Issue) -> Any:
    """Deliveries still to send: unsent, to accounts still among the
    newsletter's readers who did not turn the mail off since, with attempts
    left."""
    return issue.deliveries.filter(
        access.grant(to="user__"),
        sent_at__isnull=True,
        attempts__lt=DELIVERY_MAX_ATTEMPTS,
        user__subscriptions__newsletter=issue.newsletter_id,  # type: ignore[attr-defined]
    ).exclude(user__mail_opt_outs__newsletter=issue.newsletter_id)  # type: ignore[attr-defined]


@task(queue_name=MAIL_QUEUE)
def deliver_issue(issue_id: int, budget_seconds: float | None = None) -> int:
    """Mail issue `issue_id` to every reader not yet mailed. In a worker this
    splits the work into batch tasks (and returns 0); run inline, it sends
    batch after batch, for at most `budget_seconds`, and returns how many went."""
    issue = published_issue(issue_id)
    if issue is None:
        logger.warning("Issue %s is not published; nothing to deliver.", issue_id)
        return 0
    plan_deliveries(issue)
    Issue.objects.filter(pk=issue_id, mail_owed=True).update(mail_owed=False)
    if queue_runs_elsewhere():
        ids = list(owed(issue).order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), DELIVERY_BATCH):
            deliver_batch.enqueue(issue_id, ids[start : start + DELIVERY_BATCH])
        sweep_later(issue_id)
        return 0
    return send_owed(issue, budget_seconds)


def requeue_owed_mail(now: datetime.datetime) -> int:
    """Queue the mail of each issue published at least OWED_MAIL_GRACE ago
    whose deliveries were never planned (`Issue.mail_owed`): its mail task
    was lost in an outage right after the publication committed. Run by each
    deadline check; `deliver_issue` is idempotent, so a late duplicate of a
    slow but living task mails nobody twice. How many were queued."""
    owed_ids = list(
        Issue.objects.published()
        .filter(mail_owed=True, published_at__lte=now - OWED_MAIL_GRACE)
        .values_list("pk", flat=True)
    )
    for issue_id in owed_ids:
        logger.warning("Issue %s was published but its mail never queued: queued now.", issue_id)
        deliver_issue.enqueue(issue_id)
    return len(owed_ids)


@task(queue_name=MAIL_QUEUE)
def deliver_batch(issue_id: int, delivery_ids: list[int], attempt: int = 1) -> int:
    """Send the given deliveries that are still owed; retry the failures later."""
    issue = published_issue(issue_id)
    if issue is None:
        return 0
    sent, failed = send_batch(issue, issue_mail(issue), claim(issue, delivery_ids))
    if failed and attempt < DELIVERY_MAX_ATTEMPTS:
        backoff = datetime.timedelta(
            seconds=settings.NEWSROOM_DELIVERY_BACKOFF * 2 ** (attempt - 1)
        )
        deliver_batch.using(run_after=timezone.now() + backoff).enqueue(
            issue_id, failed, attempt + 1
        )
    return sent


@task(queue_name=MAIL_QUEUE)
def sweep_deliveries(issue_id: int) -> int:
    """Hand deliveries whose sender died (claim older than the lease) to a new
    batch, and look again later while anything is still owed."""
    issue = published_issue(issue_id)
    if issue is None:
        return 0
    stale = timezone.now() - lease()
    orphans = list(
        owed(issue)
        .filter(claimed_at__lt=stale)
        .order_by("pk")
        .values_list("pk", flat=True)[:10_000]
    )
    # Before the batches still waiting: these readers have waited a lease already.
    for start in range(0, len(orphans), DELIVERY_BATCH):
        deliver_batch.using(priority=ORPHAN_PRIORITY).enqueue(
            issue_id, orphans[start : start + DELIVERY_BATCH]
        )
    if owed(issue).exists():
        sweep_later(issue_id)
    return len(orphans)


def lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.NEWSROOM_DELIVERY_LEASE_SECONDS)


def sweep_later(issue_id: int) -> None:
    sweep_deliveries.using(run_after=timezone.now() + lease()).enqueue(issue_id)


# Claiming and sending.


def claim(
    issue: Issue,
    ids: list[int] | None = None,
    *,
    exclude: set[int] | None = None,
    limit: int = DELIVERY_BATCH,
) -> list[Delivery]:
    """Take up to `limit` owed deliveries (of `ids`, if given) for this sender."""
    now = timezone.now()
    with transaction.atomic():
        free = owed(issue).filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - lease()))
        if ids is not None:
            free = free.filter(pk__in=ids)
        if exclude:
            free = free.exclude(pk__in=exclude)
        rows = list(
            free.select_for_update(skip_locked=True, of=("self",))
            .select_related("user")
            .order_by("pk")[:limit]
        )
        Delivery.objects.filter(pk__in=[row.pk for row in rows]).update(claimed_at=now)
    return rows


# How often, at most, a batch waiting on its senders renews its claim.
RENEW_CHECK = 1.0


class Ledger:
    """The rows of one batch: accepted mails marked sent in bulk (`mark`:
    one UPDATE for every answer that came in meanwhile), refused ones
    released with their error at once, and the claim on those still to send
    renewed while the batch runs (every quarter lease), so that the lease
    can be short and a dead sender's batch taken over soon."""

    def __init__(self, issue: Issue, rows: list[Delivery]) -> None:
        self.issue = issue
        self.unsent = {row.pk for row in rows}
        self.accepted: list[int] = []
        self.sent = 0
        self.failed: list[int] = []
        self.renewed_at = time.monotonic()

    def record(self, delivery_id: int, error: str) -> None:
        self.unsent.discard(delivery_id)
        if not error:
            self.accepted.append(delivery_id)
            return
        logger.error("Could not mail issue %s (delivery %s): %s", self.issue.pk, delivery_id, error)
        Delivery.objects.filter(pk=delivery_id).update(
            claimed_at=None, attempts=F("attempts") + 1, error=error[:1000]
        )
        self.failed.append(delivery_id)

    def mark(self) -> None:
        if self.accepted:
            Delivery.objects.filter(pk__in=self.accepted).update(sent_at=timezone.now(), error="")
            self.sent += len(self.accepted)
            self.accepted = []
        self.renew()

    def renew(self) -> None:
        now = time.monotonic()
        if self.unsent and now - self.renewed_at >= lease().total_seconds() / 4:
            Delivery.objects.filter(pk__in=self.unsent, sent_at__isnull=True).update(
                claimed_at=timezone.now()
            )
            self.renewed_at = now


def send_batch(issue: Issue, mail: IssueMail, rows: list[Delivery]) -> tuple[int, list[int]]:
    """Send the claimed deliveries outside any transaction, over several SMTP
    connections at once (NEWSROOM_MAIL_CONNECTIONS) when the mailer is SMTP,
    else one by one; (how many were accepted, the ids of those refused)."""
    ledger = Ledger(issue, rows)
    try:
        if isinstance(mailers.default, SMTPBackend):
            _send_over_smtp(mail, rows, ledger)
        else:
            _send_one_by_one(mail, rows, ledger)
    finally:
        ledger.mark()
    return ledger.sent, ledger.failed


def _send_one_by_one(mail: IssueMail, rows: list[Delivery], ledger: Ledger) -> None:
    connection = mailers.default
    with connection:
        for delivery in rows:
            try:
                connection.send_messages([mail.to(delivery.user)])  # type: ignore[attr-defined]
            except Exception as exc:  # any failure is this reader's alone
                logger.exception(
                    "Could not mail issue %s to user %s", ledger.issue.pk, delivery.user_id
                )  # type: ignore[attr-defined]
                ledger.record(delivery.pk, f"{type(exc).__name__}: {exc}")
                continue
            ledger.record(delivery.pk, "")
            ledger.mark()


# A sender thread's job: the delivery, and either the message bytes made
# from the template (with the envelope sender) or the reader (made whole).
_Job = tuple[int, tuple[str, bytes] | None, "User"]


# A sender's answer: the delivery, "" (accepted) or the error, and the event
# the sender waits on until the answer is written down.
_Answer = tuple[int, str, threading.Event]


def _send_over_smtp(mail: IssueMail, rows: list[Delivery], ledger: Ledger) -> None:
    """Threads, each with its own SMTP connection, send the messages; this
    thread alone touches the database, marking as the answers come. A sender
    sends its next mail only once its last one is marked, so that a worker
    killed at any instant leaves at most one mail per connection accepted
    and unmarked (the only mails that can go out twice)."""
    jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
    answers: queue.SimpleQueue[_Answer] = queue.SimpleQueue()
    stop = threading.Event()
    for delivery in rows:
        jobs.put((delivery.pk, mail.raw_to(delivery.user), delivery.user))  # type: ignore[attr-defined]
    senders = [
        threading.Thread(target=_smtp_sender, args=(mail, jobs, answers, stop), daemon=True)
        for _ in range(max(1, min(settings.NEWSROOM_MAIL_CONNECTIONS, len(rows))))
    ]
    for sender in senders:
        jobs.put(None)
        sender.start()
    answered = 0
    try:
        while answered < len(rows):
            try:
                batch = [answers.get(timeout=RENEW_CHECK)]
            except queue.Empty:
                ledger.renew()
                continue
            # Every answer that came in while the last UPDATE ran, in one
            # more: at the server's pace each UPDATE marks several rows.
            with contextlib.suppress(queue.Empty):
                while True:
                    batch.append(answers.get_nowait())
            for delivery_id, error, _ in batch:
                ledger.record(delivery_id, error)
            ledger.mark()
            for *_, written in batch:
                written.set()
            answered += len(batch)
    finally:
        stop.set()  # if this thread failed, the senders send nothing more
        for sender in senders:
            sender.join()


def _smtp_sender(
    mail: IssueMail,
    jobs: queue.SimpleQueue[_Job | None],
    answers: queue.SimpleQueue[_Answer],
    stop: threading.Event,
) -> None:
    """Send jobs over one SMTP connection until none is left; answer each
    with "" (accepted) or the error, and wait until it is written down. A
    refused mail keeps the connection; a broken one is opened again for the
    next mail."""
    backend = cast(SMTPBackend, mailers.default)
    written = threading.Event()
    try:
        while not stop.is_set() and (job := jobs.get()) is not None:
            delivery_id, raw, reader = job
            error = ""
            try:
                if raw is None:
                    backend.send_messages([mail.to(reader)])
                else:
                    if backend.connection is None:
                        backend.open()
                    smtp = cast(smtplib.SMTP, backend.connection)
                    smtp.sendmail(raw[0], [reader.email], raw[1])
            except Exception as exc:  # any failure is this reader's alone
                error = f"{type(exc).__name__}: {exc}"
                if not isinstance(
                    exc, smtplib.SMTPResponseException | smtplib.SMTPRecipientsRefused
                ):
                    _close(backend)
            written.clear()
            answers.put((delivery_id, error, written))
            while not written.wait(RENEW_CHECK) and not stop.is_set():
                pass
    finally:
        _close(backend)


def _close(backend: SMTPBackend) -> None:
    with contextlib.suppress(Exception):
        backend.close()
    backend.connection = None


def send_owed(issue: Issue, budget_seconds: float | None = None) -> int:
    """Send batch after batch in this process until nothing is owed or the
    budget is spent; each failure is tried again by the next call."""
    deadline = None if budget_seconds is None else time.monotonic() + budget_seconds
    mail = issue_mail(issue)
    sent, failed_ids = 0, set[int]()
    while deadline is None or time.monotonic() < deadline:
        rows = claim(issue, exclude=failed_ids)
        if not rows:
            break
        done, failed = send_batch(issue, mail, rows)
        sent += done
        failed_ids.update(failed)
    return sent


def progress(issue: Issue) -> dict[str, int]:
    """How far the issue's mail has gone, for the desk: one query."""
    return issue.deliveries.aggregate(
        total=Count("pk"),
        sent=Count("pk", filter=Q(sent_at__isnull=False)),
        failed=Count("pk", filter=Q(sent_at__isnull=True, attempts__gte=DELIVERY_MAX_ATTEMPTS)),
    )


# After the response, for the immediate backend.

_after_response: contextvars.ContextVar[list[Callable[[], object]] | None] = contextvars.ContextVar(
    "after_response", default=None
)


def after_response(work: Callable[[], object]) -> None:
    """Run `work` once the current response has been sent, or now outside a request."""
    pending = _after_response.get()
    if pending is None:
        work()
    else:
        pending.append(work)


def resume_owed() -> None:
    """After a response: go on mailing issues left owed by an earlier budget."""
    issue_ids = (
        Delivery.objects.filter(sent_at__isnull=True, attempts__lt=DELIVERY_MAX_ATTEMPTS)
        .values_list("issue_id", flat=True)
        .distinct()[:5]
    )
    for issue_id in issue_ids:
        deliver_issue.call(issue_id, settings.NEWSROOM_DELIVERY_BUDGET)


class AfterResponse:
    """Middleware: work deferred with `after_response` runs when the server
    closes the response, i.e. after the client has it. Only the immediate
    backend defers work this way; with a worker queue it does nothing."""

    owed_in_process = False

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        pending: list[Callable[[], object]] = []
        token = _after_response.set(pending)
        try:
            response = self.get_response(request)
        finally:
            _after_response.reset(token)
        if pending or AfterResponse.owed_in_process:
            response._resource_closers.append(lambda: self.run(pending))  # type: ignore[attr-defined]
        return response

    def run(self, pending: list[Callable[[], object]]) -> None:
        for work in self._each(pending):
            try:
                work()
            except Exception:
                logger.exception("Work deferred until after the response failed")
        AfterResponse.owed_in_process = Delivery.objects.filter(
            sent_at__isnull=True, attempts__lt=DELIVERY_MAX_ATTEMPTS
        ).exists()

    def _each(self, pending: list[Callable[[], object]]) -> Iterator[Callable[[], object]]:
        yield from pending
        if not pending and AfterResponse.owed_in_process:
            yield resume_owed
