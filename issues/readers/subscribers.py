"""Subscriber lists in and out: a CSV of readers, imported and exported.

Columns: email, name, organisation, newsletters (slugs separated by `;`),
end date (ISO, empty for none). `plan_import` reads a file and says, per
line, what will happen (create, update, refuse and why) without writing
anything; `apply_import` carries out a plan's good lines in one transaction.
Readers are matched by address, case-insensitively, so a re-import updates
them and never makes a second account. An import adds or updates the
subscriptions it names (their end date included) and never removes one; a
subscription that comes with an organisation's licence follows the licence
and is left as it is.
New readers join the Subscribers group; their invitations to choose a
password are queued as tasks after commit, never sent in the request.

The desk page keeps the uploaded file in a `SubscriberImport` row between
the dry run and the confirmation, and empties it once applied (only the
outcome stays); the command reads it from disk.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import io
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.tasks import task

from issues.accounts.mail import mail_invitation
from issues.models import Subscription
from issues.models.subscribers import ReaderProfile
from newsroom import roles
from newsroom.models import Newsletter
from newsroom.spreadsheets import csv_writer

if TYPE_CHECKING:
    from django.contrib.auth.models import User

COLUMNS = ("email", "name", "organisation", "newsletters", "end date")
# Accepted spellings of the end date's heading.
END_DATE_HEADINGS = ("end date", "end_date", "ends_on", "ends on")
MAX_IMPORT_BYTES = 10 * 1024 * 1024
CHUNK = 1000


class ImportFileError(ValueError):
    """The file as a whole cannot be read (not CSV, not UTF-8, no headings)."""


class Action:
    CREATE = "create"
    UPDATE = "update"
    REFUSE = "refuse"


@dataclasses.dataclass
class Line:
    number: int
    action: str
    email: str
    reason: str = ""
    first_name: str = ""
    last_name: str = ""
    organisation: str = ""
    newsletter_ids: list[int] = dataclasses.field(default_factory=list)
    ends_on: datetime.date | None = None
    user_id: int | None = None


@dataclasses.dataclass
class Plan:
    lines: list[Line]

    def count(self, action: str) -> int:
        return sum(1 for line in self.lines if line.action == action)

    @property
    def accepted(self) -> int:
        return len(self.lines) - len(self.refused)

    @property
    def refused(self) -> list[Line]:
        return [line for line in self.lines if line.action == Action.REFUSE]

    def summary(self) -> str:
        return (
            f"{self.count(Action.CREATE)} to create, {self.count(Action.UPDATE)} to update, "
            f"{self.count(Action.REFUSE)} refused"
        )


def decode(data: bytes) -> str:
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportFileError(f"The file is larger than {MAX_IMPORT_BYTES // 1024 // 1024} MB.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError("The file is not UTF-8 text; save it as CSV UTF-8.") from exc


def rows(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, cells by heading) for each non-empty row after the headings."""
    reader = csv.reader(io.StringIO(text))
    try:
        headings = [cell.strip().lower() for cell in next(reader)]
    except (StopIteration, csv.Error) as exc:
        raise ImportFileError("The file is empty or not CSV.") from exc
    headings = ["end date" if h in END_DATE_HEADINGS else h for h in headings]
    if "email" not in headings:
        raise ImportFileError(
            "Line 1 must name the columns: " + ", ".join(COLUMNS) + " (email at least)."
        )
    start = reader.line_num + 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                yield start, dict(zip(headings, (c.strip() for c in cells), strict=False))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ImportFileError(f"Line {start}: {exc}.") from exc


def existing_readers(emails: Iterable[str]) -> dict[str, int]:
    """Lower-cased address -> the oldest account with it."""
    found: dict[str, int] = {}
    wanted = sorted(set(emails))
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        matches = (
            get_user_model()
            .objects.annotate(email_lower=Lower("email"))
            .filter(email_lower__in=chunk)
            .order_by("-pk")
            .values_list("email_lower", "pk")
        )
        found.update(matches)  # the oldest (smallest pk) wins, written last
    return found


def plan_import(text: str) -> Plan:
    """What importing `text` would do, line by line; writes nothing."""
    newsletters = dict(Newsletter.objects.values_list("slug", "pk"))
    seen: dict[str, int] = {}
    lines: list[Line] = []
    for number, cells in rows(text):
        lines.append(plan_line(number, cells, newsletters, seen))
    readers = existing_readers(line.email for line in lines if line.action != Action.REFUSE)
    for line in lines:
        if line.action != Action.REFUSE and line.email in readers:
            line.action, line.user_id = Action.UPDATE, readers[line.email]
    return Plan(lines)


def plan_line(
    number: int, cells: dict[str, str], newsletters: dict[str, int], seen: dict[str, int]
) -> Line:
    email = cells.get("email", "").lower()
    line = Line(number=number, action=Action.CREATE, email=email)
    try:
        validate_email(email)
    except ValidationError:
        return refuse(line, f"“{email}” is not an email address" if email else "no address")
    if len(email) > 254:
        return refuse(line, "the address is longer than 254 characters")
    if email in seen:
        return refuse(line, f"duplicate of line {seen[email]}")
    seen[email] = number
    slugs = [s.strip() for s in cells.get("newsletters", "").split(";") if s.strip()]
    unknown = [s for s in slugs if s not in newsletters]
    if unknown:
        return refuse(line, "unknown newsletter " + ", ".join(f"“{s}”" for s in unknown))
    raw_date = cells.get("end date", "")
    try:
        line.ends_on = datetime.date.fromisoformat(raw_date) if raw_date else None
    except ValueError:
        return refuse(line, f"“{raw_date}” is not a date (YYYY-MM-DD)")
    name = cells.get("name", "")
    organisation = cells.get("organisation", "")
    if len(name) > 300 or len(organisation) > 200:
        return refuse(line, "the name or organisation is too long")
    first, _, last = name.partition(" ")
    line.first_name, line.last_name = first[:150], last.strip()[:150]
    line.organisation = organisation
    line.newsletter_ids = [newsletters[s] for s in dict.fromkeys(slugs)]
    return line


def refuse(line: Line, reason: str) -> Line:
    line.action, line.reason = Action.REFUSE, reason
    return line


@dataclasses.dataclass
class Outcome:
    created: int
    updated: int
    refused: int


def apply_import(plan: Plan, *, by: User) -> Outcome:
    """Carry out `plan`'s good lines in one transaction (planned again inside
    it, so an account made since the dry run is updated, not duplicated)."""
    User = get_user_model()
    with transaction.atomic():
        good = [line for line in plan.lines if line.action != Action.REFUSE]
        readers = existing_readers(line.email for line in good)
        new = [line for line in good if line.email not in readers]
        taken = taken_usernames(line.email for line in new)
        users = [
            User(
                username=unique_username(line.email, taken),
                email=line.email,
                first_name=line.first_name,
                last_name=line.last_name,
                password=make_password(None),
            )
            for line in new
        ]
        User.objects.bulk_create(users, batch_size=CHUNK)
        created_ids = list(existing_readers(line.email for line in new).values())
        readers = existing_readers(line.email for line in good)
        new_emails = {line.email for line in new}
        updated = [line for line in good if line.email not in new_emails]
        User.objects.bulk_update(
            renamed(updated, readers), ["first_name", "last_name"], batch_size=CHUNK
        )
        write_memberships(good, readers)
    transaction.on_commit(lambda: queue_invitations(created_ids, by.pk))
    return Outcome(created=len(new), updated=len(updated), refused=len(plan.refused))


def renamed(lines: list[Line], readers: dict[str, int]) -> list[Any]:
    """Accounts whose name the list changes (an empty name changes nothing):
    only those are written, so a list imported again costs little."""
    wanted = {
        readers[line.email]: (line.first_name, line.last_name)
        for line in lines
        if line.first_name or line.last_name
    }
    ids = list(wanted)
    User = get_user_model()
    changed = []
    for start in range(0, len(ids), CHUNK):
        current = User.objects.filter(pk__in=ids[start : start + CHUNK])
        for pk, first, last in current.values_list("pk", "first_name", "last_name"):
            if (first, last) != wanted[pk]:
                changed.append(User(pk=pk, first_name=wanted[pk][0], last_name=wanted[pk][1]))
    return changed


def write_memberships(lines: list[Line], readers: dict[str, int]) -> None:
    """The Subscribers group, the organisation and the subscriptions of `lines`."""
    group = Group.objects.get(name=roles.SUBSCRIBERS)
    Membership = get_user_model().groups.through
    Membership.objects.bulk_create(
        [Membership(user_id=readers[line.email], group_id=group.pk) for line in lines],
        ignore_conflicts=True,
        batch_size=CHUNK,
    )
    ReaderProfile.objects.bulk_create(
        [
            ReaderProfile(user_id=readers[line.email], organisation=line.organisation)
            for line in lines
        ],
        update_conflicts=True,
        unique_fields=["user"],
        update_fields=["organisation"],
        batch_size=CHUNK,
    )
    # A subscription that comes with an organisation's licence follows the
    # licence (issues/readers/licences.py): the list leaves it as it is.
    licensed = licensed_pairs([readers[line.email] for line in lines])
    Subscription.objects.bulk_create(
        [
            Subscription(user_id=readers[line.email], newsletter_id=pk, ends_on=line.ends_on)
            for line in lines
            for pk in line.newsletter_ids
            if (readers[line.email], pk) not in licensed
        ],
        update_conflicts=True,
        unique_fields=["user", "newsletter"],
        update_fields=["ends_on"],
        batch_size=CHUNK,
    )


def licensed_pairs(user_ids: list[int]) -> set[tuple[int, int]]:
    pairs: set[tuple[int, int]] = set()
    for start in range(0, len(user_ids), CHUNK):
        held = Subscription.objects.filter(
            user__in=user_ids[start : start + CHUNK], licence__isnull=False
        )
        pairs.update(held.values_list("user_id", "newsletter_id"))
    return pairs


def taken_usernames(emails: Iterable[str]) -> set[str]:
    wanted = sorted(set(emails))
    taken: set[str] = set()
    User = get_user_model()
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        names = User.objects.annotate(name_lower=Lower("username")).filter(name_lower__in=chunk)
        taken.update(names.values_list("name_lower", flat=True))
    return taken


def unique_username(email: str, taken: set[str]) -> str:
    """The address itself, or `address-2`... if another account has it as its name."""
    name, n = email[:150], 1
    while name in taken:
        n += 1
        name = f"{email[:140]}-{n}"
    taken.add(name)
    return name


INVITATIONS_PER_TASK = 200


def queue_invitations(user_ids: list[int], invited_by_id: int) -> None:
    for start in range(0, len(user_ids), INVITATIONS_PER_TASK):
        send_invitations.enqueue(user_ids[start : start + INVITATIONS_PER_TASK], invited_by_id)


@task(queue_name="mail")
def send_invitations(user_ids: list[int], invited_by_id: int) -> int:
    """Mail each imported reader a link to choose a password; how many went."""

    User = get_user_model()
    invited_by = User.objects.filter(pk=invited_by_id).first()
    sent = 0
    for user in User.objects.filter(pk__in=user_ids, is_active=True).exclude(email=""):
        newsletters = list(Newsletter.objects.filter(subscriptions__user=user))
        mail_invitation(user, newsletters, invited_by=invited_by)
        sent += 1
    return sent


# Export ---------------------------------------------------------------------


def export_rows(subscriptions: Any) -> Iterator[list[object]]:
    """One row per reader of `subscriptions` (a Subscription queryset), in
    the import's columns. A reader whose subscriptions end on different days
    is written with the latest end (empty if one does not end)."""
    by_reader: dict[int, list[Subscription]] = {}
    wanted = subscriptions.select_related("user__reader_profile", "newsletter").order_by(
        "user_id", "newsletter__slug"
    )
    for subscription in wanted.iterator(chunk_size=2000):
        by_reader.setdefault(subscription.user_id, []).append(subscription)
    for held in by_reader.values():
        user = held[0].user
        ends = [s.ends_on for s in held]
        profile = getattr(user, "reader_profile", None)
        yield [
            user.email,
            user.get_full_name(),
            profile.organisation if profile else "",
            ";".join(s.newsletter.slug for s in held),
            "" if None in ends else max(e for e in ends if e).isoformat(),
        ]


def write_csv(file: Any, subscriptions: Any) -> None:
    writer = csv_writer(file)
    writer.writerow(COLUMNS)
    for row in export_rows(subscriptions):
        writer.writerow(row)
