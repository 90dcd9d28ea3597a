"""The small SVG charts of portal.charts: well-formed, named for screen readers, to scale."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.utils import translation

from portal.charts import bar_chart, line_chart, nice_ticks

SVG = "{http://www.w3.org/2000/svg}"
POINTS = [("Q1 2025", 4), ("Q2 2025", 10), ("Q3 2025", 7), ("today", 12)]


def parse(markup):
    return ET.fromstring(str(markup))  # noqa: S314 - the portal's own markup


def chart(kind, points=POINTS, **texts):
    options = {"title": "Members over time", "description": "From 4 to 12.", "id_prefix": "c"}
    return parse(kind(points, **{**options, **texts}))


@pytest.mark.parametrize("kind", [bar_chart, line_chart])
def test_a_chart_is_an_image_named_by_its_title_and_description(kind):
    svg = chart(kind)

    assert svg.tag == f"{SVG}svg"
    assert svg.get("role") == "img"
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert title is not None
    assert desc is not None
    assert title.text == "Members over time"
    assert desc.text == "From 4 to 12."
    assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert title.get("id") == "c-title"


@pytest.mark.parametrize("kind", [bar_chart, line_chart])
def test_texts_are_escaped_and_stay_well_formed(kind):
    svg = chart(
        kind, [("<b>Q1</b> & more", 3)], title='A "quoted" <title>', description="x < y & z"
    )

    assert svg.find(f"{SVG}title").text == 'A "quoted" <title>'
    assert svg.find(f"{SVG}desc").text == "x < y & z"
    labels = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "chart-label"]
    assert labels == ["<b>Q1</b> & more"]


def test_bars_are_as_high_as_their_values_in_proportion():
    svg = chart(bar_chart)

    bars = [r for r in svg.iter(f"{SVG}rect") if r.get("class") == "chart-bar"]
    heights = [float(bar.get("height")) for bar in bars]
    assert len(bars) == 4
    assert heights[1] / heights[0] == pytest.approx(10 / 4, rel=0.02)
    assert heights[3] / heights[1] == pytest.approx(12 / 10, rel=0.02)
    values = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "chart-value"]
    assert values == ["4", "10", "7", "12"]


def test_a_line_goes_through_every_point_and_higher_values_lie_higher():
    svg = chart(line_chart)

    line = svg.find(f".//{SVG}polyline")
    coordinates = [tuple(map(float, pair.split(","))) for pair in line.get("points").split()]
    assert len(coordinates) == 4
    ys = [y for _x, y in coordinates]
    # SVG's y grows downwards: 12 is highest, 4 lowest.
    assert ys[3] < ys[1] < ys[2] < ys[0]
    assert [x for x, _y in coordinates] == sorted(x for x, _y in coordinates)
    assert len(list(svg.iter(f"{SVG}circle"))) == 4


def test_the_value_axis_has_round_steps_from_zero_past_the_highest_value():
    svg = chart(bar_chart)

    ticks = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "chart-tick"]
    assert ticks == ["0", "5", "10", "15"]


@pytest.mark.parametrize(
    ("maximum", "expected"),
    [
        (12, [0, 5, 10, 15]),
        (100, [0, 50, 100]),
        (3, [0, 1, 2, 3]),
        (0.4, [0, 0.1, 0.2, 0.3, 0.4]),
        (0, [0, 1]),
        (1234, [0, 500, 1000, 1500]),
    ],
)
def test_nice_ticks_are_round_and_reach_the_maximum(maximum, expected):
    assert nice_ticks(maximum) == pytest.approx(expected)


def test_many_points_get_fewer_labels_but_always_the_last_one():
    points = [(f"P{n}", n) for n in range(40)]

    svg = chart(bar_chart, points)

    labels = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "chart-label"]
    assert 0 < len(labels) < 40
    assert labels[-1] == "P39"


@pytest.mark.parametrize("kind", [bar_chart, line_chart])
def test_no_points_or_only_zeros_still_make_a_valid_chart(kind):
    assert chart(kind, []).get("role") == "img"
    zeros = chart(kind, [("a", 0), ("b", 0)])
    assert zeros.get("role") == "img"


def test_decimal_values_are_written_in_the_active_language():
    with translation.override("de"):
        svg = chart(bar_chart, [("a", 2.5)])

    values = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "chart-value"]
    assert values == ["2,5"]
