"""The builder's live page count, stored per issue with the digest of what
it was laid out from.

The builder page asks for it after it has loaded (static/js/issue-builder.js),
so the page never waits for a render. The count is stored in the database
with a digest of the render's input (`documents.input_digest`: the stories,
their order, the template, stylesheet and typefaces), so that opening the
builder again, from any web process or after a restart, costs a query and
no render until something the PDF is laid out from changes. An issue too
big to lay out is stored too, so that it does not take a render worker for
the whole time limit on every visit; other failures are not, as they may
pass.
"""

from __future__ import annotations

from issues.models import Issue
from issues.models.page_count import PageCount
from issues.publishing.publish import count_pages
from issues.rendering import documents, jobs


def page_count(issue: Issue) -> PageCount:
    """How many pages the PDF of `issue` has as it stands, or why it cannot
    be rendered: stored, or laid out now (bounded) and stored."""
    # Here, not at the top: the models load in every process, the renderer
    # (WeasyPrint) only in those that render.

    digest = documents.input_digest(documents.document_input(issue))
    stored = PageCount.objects.filter(issue=issue, digest=digest).first()
    if stored is not None:
        return stored
    answer = PageCount(issue=issue, digest=digest)
    try:
        answer.pages = count_pages(documents.render_pdf(issue))
    except documents.RenderError as exc:
        answer.error = str(exc)
        if not isinstance(exc.__cause__, jobs.WorkerLimitExceeded):
            return answer
    # Two editors opening the builder at once both lay it out; the last
    # answer stays (they are the same).
    PageCount.objects.update_or_create(
        issue=issue, defaults={"digest": digest, "pages": answer.pages, "error": answer.error}
    )
    return answer
