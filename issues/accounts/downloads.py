"""A reader's own download history: on the account page, and as a CSV.

Only the signed-in reader's own rows, ever: the query starts from
`request.user`, never from an id in the address.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, StreamingHttpResponse
from django.views.decorators.http import require_safe

from issues.desk.reach import stream_csv
from issues.models.editions import Edition
from issues.models.reach import DownloadCount

RECENT = 20


def own_downloads(request: HttpRequest) -> QuerySet[DownloadCount]:
    return DownloadCount.objects.filter(user=request.user.pk).select_related(
        "edition__issue__newsletter"
    )


def recent_downloads(request: HttpRequest) -> list[DownloadCount]:
    """The latest rows, each with its issue's number of editions (`editions`):
    once an issue is corrected, each row says which edition it was."""
    editions = (
        Edition.objects.filter(issue=OuterRef("edition__issue"))
        .order_by("-number")
        .values("number")[:1]
    )
    rows = own_downloads(request).annotate(editions=Subquery(editions))
    return list(rows.order_by("-day", "-pk")[:RECENT])


@login_required
@require_safe
def downloads_csv(request: HttpRequest) -> StreamingHttpResponse:
    return stream_csv(own_downloads(request), "my-downloads.csv")
