"""Charts as inline SVG drawn on the server: no script, no library, readable by a screen reader (a
title and a description, and the same figures in a table beside each chart)."""
from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

_COLOURS = ("#a40000", "#0550ae", "#1a7f37", "#9a6700")


def bars(name: str, title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], *, unit: str = "") -> Markup:
    """Horizontal grouped bars: one row per label, one bar per series, each bar's value written at its end.
    `name` keeps the ids of the chart's title and description apart from other charts' on the page."""
    row_height, bar, left, width = 8 + 16 * len(series), 14, 230, 640
    height = 30 + row_height * max(1, len(labels)) + 10
    top = max([v for _, values in series for v in values] or [0]) or 1
    parts = [f'<svg class="chart" role="img" aria-labelledby="{name}-t {name}-d" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="{name}-t">{escape(title)}</title>',
             f'<desc id="{name}-d">{escape("；".join(series_name for series_name, _ in series))}，按{len(labels)}项列出</desc>']
    for s, (name, _) in enumerate(series):
        parts.append(f'<rect x="{left + s * 150}" y="6" width="12" height="12" fill="{_COLOURS[s % 4]}"/>'
                     f'<text x="{left + s * 150 + 16}" y="16">{escape(name)}</text>')
    for row, label in enumerate(labels):
        y = 30 + row * row_height
        short = label if len(label) <= 20 else label[:19] + "…"
        parts.append(f'<text x="{left - 6}" y="{y + row_height / 2 + 4}" text-anchor="end">{escape(short)}</text>')
        for s, (_, values) in enumerate(series):
            value = values[row]
            length = (width - left - 60) * value / top
            parts.append(f'<rect x="{left}" y="{y + s * 16}" width="{length:.1f}" height="{bar}" fill="{_COLOURS[s % 4]}"/>'
                         f'<text x="{left + length + 4:.1f}" y="{y + s * 16 + 11}">{value:g}{escape(unit)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
