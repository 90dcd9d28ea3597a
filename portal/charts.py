"""Small charts as inline SVG, drawn on the server: bars or a line for a list of (label, value).

The functions are pure: numbers in, markup out, no database and no template. A chart is an
image with a name (`role="img"`, labelled by its <title> and <desc>); screen readers do not read
its parts, so a page shows the same numbers in a table beside it. The chart brings its own white
background and dark text, so it stays legible in admin's dark theme too.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import formats
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

Point = tuple[str, float]

WIDTH = 640  # viewBox units; the SVG scales to the width of its box
HEIGHT = 260
MARGIN_LEFT = 48  # room for the labels of the value axis
MARGIN_RIGHT = 12
MARGIN_TOP = 20  # room for the value above the highest bar
MARGIN_BOTTOM = 36  # room for the labels of the category axis
LABEL_WIDTH = 60  # the room one category label needs; fewer are written if it is tighter

# KERN's action blue on white: 9:1; text and grid in greys of at least 4.5:1 and 3:1.
BACKGROUND = "#ffffff"
MARK = "#2044aa"
TEXT = "#1f2430"
GRID = "#8a8f9c"
FONT_SIZE = 12


@dataclass(frozen=True)
class _Frame:
    """Where the plot area lies and how values map onto it."""

    left: float
    top: float
    width: float
    height: float
    top_value: float

    @property
    def bottom(self) -> float:
        return self.top + self.height

    def y(self, value: float) -> float:
        share = value / self.top_value if self.top_value else 0.0
        return self.bottom - share * self.height


def nice_ticks(maximum: float, count: int = 4) -> list[float]:
    """Round values for the value axis from 0 up to at least `maximum`: steps of 1, 2 or 5
    times a power of ten, about `count` of them (whole numbers for counts from 1 on)."""
    if maximum <= 0 or count < 1:
        return [0.0, 1.0]
    rough = maximum / count
    power = 10 ** math.floor(math.log10(rough))
    step = next(factor * power for factor in (1, 2, 5, 10) if factor * power >= rough)
    steps = math.ceil(maximum / step - 1e-9)
    return [round(index * step, 10) for index in range(steps + 1)]


def bar_chart(
    points: Sequence[Point], *, title: str, description: str, id_prefix: str
) -> SafeString:
    """One bar a point, its value written above it.

    `id_prefix` makes the ids of <title> and <desc> unique on the page."""
    frame = _frame(points)
    slot = frame.width / max(len(points), 1)
    bar_width = slot * 0.7
    parts = []
    for index, (_label, value) in enumerate(points):
        x = frame.left + slot * index + (slot - bar_width) / 2
        y = frame.y(value)
        parts.append(
            f'<rect class="chart-bar" x="{_n(x)}" y="{_n(y)}" width="{_n(bar_width)}" '
            f'height="{_n(frame.bottom - y)}" fill="{MARK}"/>'
        )
        parts.append(_text(x + bar_width / 2, y - 5, _format(value), "middle", "chart-value"))
    return _svg(points, frame, parts, title=title, description=description, id_prefix=id_prefix)


def line_chart(
    points: Sequence[Point], *, title: str, description: str, id_prefix: str
) -> SafeString:
    """A line through the points, each marked with a dot; the last value is written at its end."""
    frame = _frame(points)
    slot = frame.width / max(len(points), 1)
    coordinates = [
        (frame.left + slot * index + slot / 2, frame.y(value))
        for index, (_label, value) in enumerate(points)
    ]
    parts = []
    if coordinates:
        line = " ".join(f"{_n(x)},{_n(y)}" for x, y in coordinates)
        parts.append(
            f'<polyline class="chart-line" points="{line}" fill="none" stroke="{MARK}" '
            'stroke-width="2.5" stroke-linejoin="round"/>'
        )
        parts.extend(
            f'<circle class="chart-dot" cx="{_n(x)}" cy="{_n(y)}" r="3.5" fill="{MARK}"/>'
            for x, y in coordinates
        )
        last_x, last_y = coordinates[-1]
        parts.append(_text(last_x, last_y - 8, _format(points[-1][1]), "middle", "chart-value"))
    return _svg(points, frame, parts, title=title, description=description, id_prefix=id_prefix)


def _frame(points: Sequence[Point]) -> _Frame:
    highest = max((value for _label, value in points), default=0)
    ticks = nice_ticks(highest)
    return _Frame(
        left=MARGIN_LEFT,
        top=MARGIN_TOP,
        width=WIDTH - MARGIN_LEFT - MARGIN_RIGHT,
        height=HEIGHT - MARGIN_TOP - MARGIN_BOTTOM,
        top_value=ticks[-1],
    )


def _svg(
    points: Sequence[Point],
    frame: _Frame,
    marks: list[str],
    *,
    title: str,
    description: str,
    id_prefix: str,
) -> SafeString:
    title_id, desc_id = f"{id_prefix}-title", f"{id_prefix}-desc"
    grid = []
    for tick in nice_ticks(frame.top_value):
        y = frame.y(tick)
        grid.append(
            f'<line x1="{_n(frame.left)}" y1="{_n(y)}" x2="{_n(frame.left + frame.width)}" '
            f'y2="{_n(y)}" stroke="{GRID}" stroke-width="{1 if tick == 0 else 0.5}"/>'
        )
        grid.append(_text(frame.left - 6, y + FONT_SIZE / 3, _format(tick), "end", "chart-tick"))
    slot = frame.width / max(len(points), 1)
    # Every n-th label, so that they never overlap; the last one always (the latest value).
    every = max(1, math.ceil(LABEL_WIDTH / slot))
    labels = [
        _text(frame.left + slot * index + slot / 2, frame.bottom + 18, label, "middle")
        for index, (label, _value) in enumerate(points)
        if (len(points) - 1 - index) % every == 0
    ]
    body = "".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
            f'role="img" aria-labelledby="{escape(title_id)} {escape(desc_id)}" '
            f'font-family="sans-serif" font-size="{FONT_SIZE}">',
            f'<title id="{escape(title_id)}">{escape(title)}</title>',
            f'<desc id="{escape(desc_id)}">{escape(description)}</desc>',
            f'<rect width="{WIDTH}" height="{HEIGHT}" fill="{BACKGROUND}"/>',
            '<g class="chart-grid">',
            *grid,
            "</g>",
            '<g class="chart-marks">',
            *marks,
            "</g>",
            '<g class="chart-labels">',
            *labels,
            "</g>",
            "</svg>",
        ]
    )
    return mark_safe(body)  # noqa: S308 - numbers, or escaped above  # nosec B308 B703


def _text(x: float, y: float, content: str, anchor: str, css_class: str = "chart-label") -> str:
    return (
        f'<text class="{css_class}" x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" '
        f'fill="{TEXT}">{escape(content)}</text>'
    )


def _n(number: float) -> str:
    """A coordinate with at most one decimal and no trailing zeros."""
    return f"{number:.1f}".rstrip("0").rstrip(".")


def _format(value: float) -> str:
    """A value as people read it in the active language: 1.234 or 12,5 in German."""
    whole = float(value).is_integer()
    return formats.number_format(int(value) if whole else value, 0 if whole else 1)
