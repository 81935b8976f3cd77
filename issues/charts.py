"""Small bar charts drawn on the server as inline SVG: readable without
JavaScript, printable, and the same data is always given as a table too."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

WIDTH = 560
HEIGHT = 180
LABEL_SPACE = 28
TOP_SPACE = 18
MAX_LABELS = 12
MAX_BAR = 48


def bar_chart(points: Sequence[tuple[str, int]], *, title: str, chart_id: str) -> SafeString:
    """Bars for `points` (label, value), left to right, with the value above
    each bar and (at most MAX_LABELS) labels under them."""
    if not any(value for _, value in points):
        return mark_safe('<p class="text-muted small">No downloads yet.</p>')  # a constant
    top = max(value for _, value in points) or 1
    slot = WIDTH / len(points)
    bar = min(max(slot * 0.7, 1.0), MAX_BAR)  # one day is a bar, not a block
    plot = HEIGHT - LABEL_SPACE - TOP_SPACE
    every = max(1, -(-len(points) // MAX_LABELS))  # ceiling division
    bars = []
    for index, (label, value) in enumerate(points):
        height = plot * value / top
        x = index * slot + (slot - bar) / 2
        y = TOP_SPACE + plot - height
        bars.append(
            (
                f"{x:.1f}",
                f"{y:.1f}",
                f"{bar:.1f}",
                f"{height:.1f}",
                f"{label}: {value}",
                f"{x + bar / 2:.1f}",
                f"{y - 4:.1f}",
                value,
                f"{HEIGHT - 8}",
                label if index % every == 0 else "",
            )
        )
    shapes = format_html_join(
        "\n",
        '<rect fill="#1f5f8b" x="{0}" y="{1}" width="{2}" height="{3}">'
        "<title>{4}</title></rect>"
        '<text x="{5}" y="{6}" text-anchor="middle" font-size="12" fill="#212529">{7}</text>'
        '<text x="{5}" y="{8}" text-anchor="middle" font-size="11" fill="#495057">{9}</text>',
        bars,
    )
    return format_html(
        '<svg class="reach-chart img-fluid" role="img" aria-labelledby="{}" viewBox="0 0 {} {}" '
        'width="{}" height="{}" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{}">{}</title>'
        '<line x1="0" y1="{}" x2="{}" y2="{}" class="chart-axis" stroke="#6c757d"/>{}</svg>',
        chart_id,
        WIDTH,
        HEIGHT,
        WIDTH,
        HEIGHT,
        chart_id,
        title,
        TOP_SPACE + plot,
        WIDTH,
        TOP_SPACE + plot,
        shapes,
    )
