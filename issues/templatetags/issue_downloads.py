"""`{% pdf_href issue %}`: where a page that showed `issue` to its reader links the PDF."""

from __future__ import annotations

from django import template

from issues.models import Issue
from issues.readers import downloads

register = template.Library()


@register.simple_tag(takes_context=True)
def pdf_href(context: template.Context, issue: Issue) -> str:
    """Use only on a page whose reader may read `issue`: a signed link is the
    permission, and names the reader so that their download is counted as
    theirs."""
    return downloads.pdf_href(issue, context["request"].user.pk)
