"""`{% pdf_href issue %}`: where a page that showed `issue` to its reader links the PDF."""

from __future__ import annotations

from django import template

from issues import downloads
from issues.models import Issue

register = template.Library()


@register.simple_tag
def pdf_href(issue: Issue) -> str:
    """Use only on a page whose reader may read `issue`: a signed link is the permission."""
    return downloads.pdf_href(issue)
