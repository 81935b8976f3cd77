"""Reach on the desk: an issue's downloads over time, the share of
subscribers who downloaded it, the newsletter's trend, and CSV exports."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render

from issues.charts import bar_chart
from issues.desk.access import get_issue_for
from issues.models.reach import DownloadCount
from issues.readers.reach import CSV_HEADER, export_rows, issue_reach, newsletter_trend
from newsroom.desk.access import desk_user_required
from newsroom.models import Newsletter
from newsroom.spreadsheets import csv_writer


@desk_user_required
def issue_reach_page(request: HttpRequest, pk: int) -> HttpResponse:
    issue = get_issue_for(request.user, pk)
    reach = issue_reach(issue)
    trend = newsletter_trend(issue.newsletter, upto=issue)
    context = {
        "issue": issue,
        "reach": reach,
        "trend": trend,
        "per_day_chart": bar_chart(
            reach.per_day, title=f"Downloads of no. {issue.number} per day", chart_id="per-day"
        ),
        "trend_chart": bar_chart(
            trend, title=f"Downloads of the last issues of {issue.newsletter}", chart_id="trend"
        ),
    }
    return render(request, "issues/desk/reach.html", context)


class Echo:
    """A file-like object whose write() returns what it was given: the CSV
    writer then yields lines one at a time to the streaming response."""

    def write(self, value: str) -> str:
        return value


def stream_csv(rows: QuerySet[DownloadCount], filename: str) -> StreamingHttpResponse:
    def lines() -> Iterator[str]:
        # Names and addresses are readers' own words: never formulas.
        writer = csv_writer(Echo())
        yield writer.writerow(CSV_HEADER)
        for row in export_rows(rows):
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@desk_user_required  # type: ignore[arg-type]  # a streaming response
def issue_reach_csv(request: HttpRequest, pk: int) -> HttpResponseBase:
    issue = get_issue_for(request.user, pk)
    rows = DownloadCount.objects.filter(edition__issue=issue)
    return stream_csv(rows, f"reach-{issue.newsletter.slug}-{issue.number}.csv")


@desk_user_required  # type: ignore[arg-type]  # a streaming response
def newsletter_reach_csv(request: HttpRequest, slug: str) -> HttpResponseBase:
    newsletter = get_object_or_404(Newsletter, slug=slug)
    rows = DownloadCount.objects.filter(edition__issue__newsletter=newsletter)
    return stream_csv(rows, f"reach-{newsletter.slug}.csv")
