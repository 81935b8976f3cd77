"""Who may read which issue: the publishing room's one reader policy.

Every way to read an issue derives from the definitions here: the archive
and the issue page, the PDF and HTML downloads (latest or a given edition),
the private feed and its PDFs, the mail to subscribers, the check a signed
link makes when revocation is immediate. The rule:

- a **subscriber's grant** to a newsletter is an active account in the
  Subscribers group with a current subscription to it (begun and not ended:
  `issues.models.issues.current_subscriptions_q`, a licence's seats included); it
  reads the newsletter's published issues and is sent them by mail
  (`readers_of`);
- the **desk** (editors, reviewers) and **staff** read every published
  issue, through their role, without a grant (and are mailed nothing);
- anyone else reads nothing. An issue not yet published has no reader's
  address at all (the desk previews it under /desk/).

Both the role and the grant are asked at every request: an account that is
deactivated, taken out of the Subscribers group, unsubscribed or whose
subscription lapsed (its last day past) loses access at its next request,
whatever session, feed address or mail it holds. A signed link is the one
exception, bounded by its short life (issues/readers/downloads.py, docs/downloads.md).

Subscribers are many and the desk few, so the questions that name one issue
ask the grant first (one query) and the role only when that finds nothing.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, NoReturn

from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Model, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from issues.models import Issue
from issues.models.editions import Edition
from issues.models.issues import IssueQuerySet, current_subscriptions_q
from issues.readers.lapsing import SubscriptionLapsed, explain, lapsed_subscription
from issues.readers.refusals import log_refusal
from newsroom import roles
from newsroom.compiled import CompiledQuery
from newsroom.models import Newsletter
from newsroom.review.workflow import Status

if TYPE_CHECKING:
    from newsroom.review.workflow import User


def grant(*, to: str = "", today: datetime.date | None = None) -> Q:
    """The subscriber's grant, as a condition on accounts (`to` is the path
    from the queried model to the account: "" for accounts themselves,
    "user__" for deliveries, "newsletter__subscriptions__user__" for issues).

    The subscription must be current (`current_subscriptions_q`). It is the
    subscription the caller names the newsletter by, in the same filter()
    call: reached as `<to>subscriptions__`, or, when `to` already goes
    through a subscription to its account (issues), that subscription.
    `today` is the publisher's today unless given."""
    via = (
        to.removesuffix("user__")
        if to.endswith("subscriptions__user__")
        else f"{to}subscriptions__"
    )
    return Q(
        current_subscriptions_q(via, today),
        **{
            f"{to}is_active": True,
            f"{to}groups__name": roles.SUBSCRIBERS,
        },
    )


def reads_through_role(user: User) -> bool:
    """The desk and staff read every published issue without a grant."""
    return user.is_active and (user.is_staff or roles.is_desk_user(user))


def readers_of(newsletter: Newsletter | int) -> QuerySet[Any]:
    """The accounts that hold a subscriber's grant to `newsletter`: who is
    sent its issues (the desk reads through its role and is mailed nothing)."""
    return (
        get_user_model()
        .objects.filter(grant(), subscriptions__newsletter=newsletter)
        .order_by("pk")
    )


def granted_issues(
    user_id: int | None,
    issues: IssueQuerySet | None = None,
    *,
    today: datetime.date | None = None,
) -> IssueQuerySet:
    """The published issues (of `issues`, by default all) that the account
    `user_id` reads through a subscriber's grant, in one query: the
    newsletter's subscription, the account's role and state."""
    issues = Issue.objects.all() if issues is None else issues
    if user_id is None:
        return issues.none()
    # One filter() call: the subscription and the account are the same row's.
    return issues.published().filter(
        grant(to="newsletter__subscriptions__user__", today=today),
        newsletter__subscriptions__user=user_id,
    )


def readable_issues(user: User) -> IssueQuerySet:
    """Every published issue `user` may read."""
    if reads_through_role(user):
        return Issue.objects.published()
    return granted_issues(_account(user))


def may_read(user: User, issue: Issue) -> bool:
    """Whether `user` may read `issue` now."""
    if granted_issues(_account(user)).filter(pk=issue.pk).exists():
        return True
    return issue.status == Status.PUBLISHED and reads_through_role(user)


def may_read_newsletter(user: User, newsletter: Newsletter) -> bool:
    """Whether `user` may read `newsletter`'s published issues (its private feed)."""
    if readers_of(newsletter).filter(pk=user.pk).exists():
        return True
    return reads_through_role(user)


def still_reads(reader_id: int, issue_id: int) -> bool:
    """Whether the account `reader_id` may still read the published issue
    `issue_id`, for a signed link made for it: its grant (one indexed
    query), and for an account without one, its role."""
    if granted_issues(reader_id).filter(pk=issue_id).exists():
        return True
    reader = get_user_model().objects.filter(pk=reader_id).first()
    return reader is not None and reads_through_role(reader)


def readable_issue(user: User, newsletter: str, number: int) -> Issue:
    """Published issue `number` of `newsletter` if `user` may read it, with
    its newsletter, or 404 (exactly as for one that does not exist)."""
    wanted = _published(newsletter, number).select_related("newsletter")
    issue = granted_issues(_account(user), wanted).first()
    if issue is None and reads_through_role(user):
        issue = wanted.first()
    if issue is None:
        refuse(user, newsletter, number)
    return issue


def readable_edition(
    user: User, newsletter: str, number: int, edition: int | None = None
) -> Edition:
    """Edition `edition` (by default the latest) of the published issue if
    `user` may read it, with its issue and newsletter, or 404; one query for
    a subscriber (a download asks nothing else)."""
    found = _granted_edition(_account(user), newsletter, number, edition)
    if found is None and reads_through_role(user):
        found = _editions_of(_published(newsletter, number), edition).first()
    if found is None:
        refuse(user, newsletter, number, edition)
    return found


class NotReadable(Http404):
    """A refused reader: 404, exactly as for an issue that does not exist.
    `issue` is the published issue (with its newsletter) when it exists and
    the reader lacks only the subscription, so that the page can name the
    newsletter and the way to ask for it (`views.refusal`); otherwise None."""

    def __init__(self, message: str, *, issue: Issue | None = None) -> None:
        super().__init__(message)
        self.issue = issue


def refuse(user: User, newsletter: str, number: int, edition: int | None = None) -> NoReturn:
    """Answer 404 (`NotReadable`) to a reader who may not read (or asked for
    nothing there is), and log whom we refused and why (issues/readers/refusals.py); a reader whose
    subscription to the newsletter lapsed gets 403 SubscriptionLapsed, saying
    so. Finding the reason costs a query or two, on refusals only."""
    issue = _published(newsletter, number).select_related("newsletter").first()
    if issue is None:
        reason = "no such published issue"
    elif edition is not None and not issue.editions.filter(number=edition).exists():  # type: ignore[attr-defined]
        reason = "no such edition"
    elif (lapsed := lapsed_subscription(user, newsletter)) is not None:
        # Not a 404: the reader had this newsletter, and is told what ended
        # (or has not begun) and whom to ask (issues/readers/lapsing.py).
        log_refusal(
            user, "subscription ended", newsletter=newsletter, issue=number, edition=edition
        )
        raise SubscriptionLapsed(explain(lapsed))
    else:
        log_refusal(
            user,
            "no subscription to this newsletter",
            newsletter=newsletter,
            issue=number,
            edition=edition,
        )
        raise NotReadable("No such issue.", issue=issue)
    log_refusal(user, reason, newsletter=newsletter, issue=number, edition=edition)
    raise NotReadable("No such issue or edition." if edition is not None else "No such issue.")


def _granted_edition(
    user_id: int | None, newsletter: str, number: int, edition: int | None
) -> Edition | None:
    """`readable_edition`'s question of the grant: through the query
    compiled once per process (newsroom/compiled.py), or the ORM."""
    if user_id is None:
        return None
    values: dict[str, object] = {
        "user_id": int(user_id),
        "newsletter": str(newsletter),
        "number": int(number),
        "today": timezone.localdate(),
    }
    if edition is None:
        rows = _LATEST_GRANTED.rows(**values)
    else:
        rows = _GIVEN_GRANTED.rows(**values, edition=int(edition))
    if rows is None:
        return _editions_of(
            granted_issues(user_id, _published(newsletter, number)), edition
        ).first()
    return _edition_of_row(rows[0]) if rows else None


def _granted_editions(
    user_id: int, newsletter: str, number: int, today: datetime.date, edition: int | None = None
) -> QuerySet[Edition]:
    """The ORM's query for `_granted_edition`, as rows of `_EDITION_ROW`."""
    issues = granted_issues(user_id, _published(newsletter, number), today=today)
    return _editions_of(issues, edition).values_list(*_EDITION_ROW)[:1]


def _row_of(model: type[Model], path: str = "") -> tuple[str, ...]:
    return tuple(f"{path}{field.name}" for field in model._meta.concrete_fields)


# An edition with its issue and newsletter, every column (as select_related
# would load them), in the models' field order.
_ROW_MODELS = ((Edition, ""), (Issue, "issue__"), (Newsletter, "issue__newsletter__"))
_EDITION_ROW = sum((_row_of(model, path) for model, path in _ROW_MODELS), ())
# Stand-ins of the values each request binds: of their types, in their
# fields' ranges (the ORM drops a condition on a value out of range), and
# found nowhere else among the query's parameters.
_STAND_INS: dict[str, object] = {
    "user_id": 1_987_654_301,
    "newsletter": "stand-in-newsletter-slug",
    "number": 1_987_654_302,
    "today": datetime.date(1901, 2, 3),
}
# A generic plan: every condition is a point lookup (the account, the
# newsletter's slug, the issue's number), and planning took 0.6 ms of the
# 0.7 ms the query cost with a plan for each execution (0.2 ms with one plan).
_LATEST_GRANTED = CompiledQuery(_granted_editions, generic_plan=True, **_STAND_INS)
_GIVEN_GRANTED = CompiledQuery(
    _granted_editions, generic_plan=True, **_STAND_INS, edition=1_987_654_303
)


def _edition_of_row(row: tuple[Any, ...]) -> Edition:
    """The Edition (with its issue and newsletter) a `_EDITION_ROW` row holds."""
    names = [[f.attname for f in model._meta.concrete_fields] for model, _path in _ROW_MODELS]
    issue_at = len(names[0])
    newsletter_at = issue_at + len(names[1])
    edition = Edition.from_db(DEFAULT_DB_ALIAS, names[0], row[:issue_at])
    issue = Issue.from_db(DEFAULT_DB_ALIAS, names[1], row[issue_at:newsletter_at])
    issue.newsletter = Newsletter.from_db(DEFAULT_DB_ALIAS, names[2], row[newsletter_at:])
    edition.issue = issue
    return edition


def _account(user: User) -> int | None:
    return user.pk if user.is_authenticated else None


def _published(newsletter: str, number: int) -> IssueQuerySet:
    return Issue.objects.published().filter(newsletter__slug=newsletter, number=number)


def _editions_of(issues: IssueQuerySet, edition: int | None) -> QuerySet[Edition]:
    """The first of `issues`' editions, latest first, or with `edition` only
    that one, each with its issue and newsletter."""
    editions = Edition.objects.select_related("issue__newsletter").order_by("-number")
    if edition is not None:
        editions = editions.filter(number=edition)
    # The issue as a scalar subquery: PostgreSQL finds it first and then the
    # editions by their issue (with `issue__in` it hashed every edition).
    return editions.filter(issue=Subquery(issues.values("pk")[:1]))
