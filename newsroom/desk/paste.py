"""A paste into the story editor, cleaned as it happens.

The story form's script (static/js/desk-editor.js, `cleanPastes`) posts the
clipboard's HTML here before the editor inserts anything, and inserts what
comes back: the server's own clean-up (newsroom.writing.pasting) and sanitiser
(newsroom.writing.sanitizing), the very code a save runs. So what the editor shows
after a paste is what is saved; there is no copy of the rules in the script.
When the script cannot reach this view it lets the editor paste as it would
(its schema keeps only what it knows) and says the paste was not tidied.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_POST

from newsroom.desk.access import desk_user_required
from newsroom.writing.pasting import Element, parse
from newsroom.writing.sanitizing import check_body_bounds, sanitize_body

TABLE_NOTICE = "A table was pasted: its rows became paragraphs, their cells joined by “·”."
# A word processor's clipboard carries its styles along (Word's are tens of
# kilobytes for a paragraph); what is kept is checked against the story's
# own bounds after cleaning.
MAX_PASTE = 1_000_000
TOO_LONG = (
    "The paste is {length:,} characters of HTML with its formatting; at most"
    f" {MAX_PASTE:,} are read. Paste less at a time."
)
LIST_NOTICE = "Bullets typed as characters were pasted: they became a list."


def _has(element: Element, tags: set[str]) -> bool:
    """Whether `element` holds one of `tags`, read without recursion."""
    todo = [element]
    while todo:
        here = todo.pop()
        for child in here.children:
            if isinstance(child, Element):
                if child.tag in tags:
                    return True
                todo.append(child)
    return False


def _holds_list(html: str) -> bool:
    return "<ul" in html or "<ol" in html


@desk_user_required
@require_POST
def clean_paste(request: HttpRequest) -> JsonResponse:
    """JSON {"html": what to insert, "notices": [one line each]}, or a 400
    with {"problems": [...]} for a paste beyond any story's bounds."""
    pasted = request.POST.get("html", "")
    if len(pasted) > MAX_PASTE:
        return JsonResponse({"problems": [TOO_LONG.format(length=len(pasted))]}, status=400)
    html = sanitize_body(pasted, headline=request.POST.get("headline", "").strip())
    try:
        check_body_bounds(html)
    except ValidationError as refusal:
        return JsonResponse({"problems": refusal.messages}, status=400)
    notices = []
    read = parse(pasted)
    if _has(read, {"table"}):
        notices.append(TABLE_NOTICE)
    if _holds_list(html) and not _has(read, {"ul", "ol", "li"}):
        notices.append(LIST_NOTICE)
    return JsonResponse({"html": html, "notices": notices})
