"""The numbers of a survey question and its bar chart, drawn on the server as inline SVG.

Pure functions: they get the answers' values and give counts (`count_choices`,
`count_scale`) and the markup of a horizontal bar chart (`bar_chart`); the admin view
(members.surveys.admin) loads the data. Percentages are of those who answered the question, so
the bars of a multiple choice question may add up to more than 100 %. A bar's length is its
percentage, so charts of different questions compare at a glance.

The chart is one image for assistive technology (role="img" with <title> and <desc> holding
every number); the table beside it on the page holds the same numbers for those who read
tables better. The SVG draws its own white background, so its dark text and bars keep their
contrast in admin's dark theme too.
"""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

WIDTH = 640  # viewBox units; the chart scales with the page
VALUE_SPACE = 130  # room right of the longest bar for "12 (100 %)"
FONT_SIZE = 14
LINE_HEIGHT = 18
BAR_HEIGHT = 22
GAP = 14  # between one bar and the next label
PADDING = 8
LABEL_CHARS = 80  # a line of a label; longer labels wrap
LABEL_LINES = 3  # at most; the table beside the chart has the whole text
# Contrast against the white background: text 17:1, bars 8.6:1 (WCAG 1.4.3 and 1.4.11).
TEXT_COLOUR = "#1b1b1b"
BAR_COLOUR = "#1f4e8c"
BACKGROUND = "#ffffff"


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    percent: float  # of those who answered, 0 … 100

    @property
    def percent_label(self) -> str:
        return percent_text(self.percent)


@dataclass(frozen=True)
class Counts:
    answered: int  # responses with an answer to the question
    bars: list[Bar]
    mean: float | None = None  # scales only


def _percent(count: int, answered: int) -> float:
    return 100 * count / answered if answered else 0.0


def _bars(labels: Iterable[tuple[str, object]], tally: Counter[Any], answered: int) -> list[Bar]:
    return [Bar(label, tally[key], _percent(tally[key], answered)) for label, key in labels]


def count_choices(options: Sequence[str], values: Iterable[object]) -> Counts:
    """Counts of a single or multiple choice question: a value is an option's text or a list
    of them. Answers that are no option any more (the options changed) get bars of their own
    after the options, so that no answer goes uncounted."""
    tally: Counter[Any] = Counter()
    answered = 0
    extra: list[str] = []
    for value in values:
        chosen = value if isinstance(value, list) else [value]
        chosen = [str(item) for item in chosen if item not in (None, "")]
        if not chosen:
            continue
        answered += 1
        for item in dict.fromkeys(chosen):  # each option once per response
            tally[item] += 1
            if item not in options and item not in extra:
                extra.append(item)
    labels = [(option, option) for option in options] + [(item, item) for item in extra]
    return Counts(answered, _bars(labels, tally, answered))


def count_scale(
    low: int, high: int, values: Iterable[object], low_label: str = "", high_label: str = ""
) -> Counts:
    """Counts of a scale question: one bar for each value from `low` to `high`, the ends
    with their labels; values outside the scale are left out."""
    tally: Counter[Any] = Counter()
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int | str):
            continue
        try:
            number = int(value)
        except ValueError:
            continue
        if low <= number <= high:
            tally[number] += 1
    answered = sum(tally.values())
    mean = sum(n * c for n, c in tally.items()) / answered if answered else None
    labels = []
    for number in range(low, high + 1):
        label = str(number)
        if number == low and low_label:
            label = f"{number} – {low_label}"
        elif number == high and high_label:
            label = f"{number} – {high_label}"
        labels.append((label, number))
    return Counts(answered, _bars(labels, tally, answered), mean)


def percent_text(percent: float) -> str:
    """A whole percentage as the language writes it: "40 %" in German, "40%" in English."""
    return gettext("%(percent)s%%") % {"percent": number_format(round(percent))}


def value_text(bar: Bar) -> str:
    return gettext("%(count)s (%(percent)s)") % {
        "count": bar.count,
        "percent": percent_text(bar.percent),
    }


def _label_lines(label: str) -> list[str]:
    lines = textwrap.wrap(label, LABEL_CHARS) or [""]
    if len(lines) > LABEL_LINES:
        lines = [*lines[: LABEL_LINES - 1], lines[LABEL_LINES - 1][: LABEL_CHARS - 1] + "…"]
    return lines


def bar_chart(chart_id: str, title: str, bars: Sequence[Bar]) -> SafeString:
    """A horizontal bar chart: each bar's label above it and its count and percentage at its
    end. `chart_id` makes the ids of <title> and <desc> unique on the page."""
    chart_id = escape(chart_id)
    description = "; ".join(f"{bar.label}: {value_text(bar)}" for bar in bars)
    if not bars:
        description = gettext("No answers.")
    full = WIDTH - 2 * PADDING - VALUE_SPACE
    parts = []
    y = PADDING
    for bar in bars:
        lines = _label_lines(bar.label)
        label = "".join(
            f'<tspan x="{PADDING}" dy="{0 if n == 0 else LINE_HEIGHT}">{escape(line)}</tspan>'
            for n, line in enumerate(lines)
        )
        y += FONT_SIZE
        parts.append(f'<text class="label" x="{PADDING}" y="{y}">{label}</text>')
        y += (len(lines) - 1) * LINE_HEIGHT + 6
        length = round(full * min(bar.percent, 100) / 100, 1)
        parts.append(
            f'<rect class="bar" x="{PADDING}" y="{y}" width="{length}" height="{BAR_HEIGHT}" '
            f'fill="{BAR_COLOUR}"/>'
        )
        parts.append(
            f'<text class="value" x="{PADDING + length + 6}" y="{y + BAR_HEIGHT - 6}">'
            f"{escape(value_text(bar))}</text>"
        )
        y += BAR_HEIGHT + GAP
    height = y - GAP + PADDING if bars else 2 * PADDING
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="survey-chart" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" font-family="sans-serif" font-size="{FONT_SIZE}" '
        f'fill="{TEXT_COLOUR}">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
        f'<rect class="background" width="{WIDTH}" height="{height}" fill="{BACKGROUND}"/>'
        f"{''.join(parts)}</svg>"
    )
    return mark_safe(svg)  # noqa: S308 - numbers; every text escaped above  # nosec B308 B703
