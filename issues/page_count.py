"""The builder's live page count, stored per issue with the digest of what
it was laid out from.

The builder page asks for it after it has loaded (static/js/issue-builder.js),
so the page never waits for a render. The count is stored in the database
with a digest of the render's input (`rendering.input_digest`: the stories,
their order, the template, stylesheet and typefaces), so that opening the
builder again, from any web process or after a restart, costs a query and
no render until something the PDF is laid out from changes. An issue too
big to lay out is stored too, so that it does not take a render worker for
the whole time limit on every visit; other failures are not, as they may
pass.
"""

from __future__ import annotations

from django.db import models

from issues.models import Issue


class PageCount(models.Model):
    """How many pages the PDF of an issue had when last laid out, or why it
    could not be; valid while the issue's render input has `digest`."""

    issue = models.OneToOneField(
        Issue, on_delete=models.CASCADE, primary_key=True, related_name="live_page_count"
    )
    digest = models.CharField(max_length=64, help_text="sha256 of the render's input.")
    pages = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True, help_text="Why it could not be laid out.")
    counted_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "live page count"

    def __str__(self) -> str:
        return f"{self.issue}: {self.pages} pages" if self.pages else f"{self.issue}: {self.error}"


def page_count(issue: Issue) -> PageCount:
    """How many pages the PDF of `issue` has as it stands, or why it cannot
    be rendered: stored, or laid out now (bounded) and stored."""
    # Here, not at the top: the models load in every process, the renderer
    # (WeasyPrint) only in those that render.
    from issues import render_pool, rendering
    from issues.publishing import count_pages

    digest = rendering.input_digest(rendering.document_input(issue))
    stored = PageCount.objects.filter(issue=issue, digest=digest).first()
    if stored is not None:
        return stored
    answer = PageCount(issue=issue, digest=digest)
    try:
        answer.pages = count_pages(rendering.render_pdf(issue))
    except rendering.RenderError as exc:
        answer.error = str(exc)
        if not isinstance(exc.__cause__, render_pool.WorkerLimitExceeded):
            return answer
    # Two editors opening the builder at once both lay it out; the last
    # answer stays (they are the same).
    PageCount.objects.update_or_create(
        issue=issue, defaults={"digest": digest, "pages": answer.pages, "error": answer.error}
    )
    return answer
