"""The network map: NRW's outlines as SVG, drawn on the server.

The base layer (the 396 Gemeinden and the Kreis borders) and the path data of every authority
are the same for every visitor: they are built once from `AuthorityOutline`, kept in the Django
cache under a versioned key and in a per-process memo, so a request reads no outline.

The base layer is its own SVG document (`BaseMap.document`, served by
`members.directory.views.network_map_base` at an address holding its digest), not part of the page:
it is some 170 KB (55 KB gzipped as it is sent) that only change with new reference data, so
the browser fetches it once and keeps it for a year, and the page itself stays a few KB. The
page's list of members does not wait for it: a <use> of another document does not hold up the
first paint. The inline <svg> of the page draws it
with one `<use href="…grundkarte-<digest>.svg#map-base"/>`; only the highlight layer (the few
members, as links to their profiles) is drawn per request, each member a <use> of its outline
in that document, so a member adds a few bytes, not its outline again. Regions are not in the
base layer and keep their path inline.

Projection: equirectangular, longitudes scaled by cos(51.5°) (NRW's middle latitude), fitted into
a viewBox `WIDTH` units wide. Coordinates are rounded to one decimal in SVG units, consecutive
duplicates dropped and each ring simplified (Ramer-Douglas-Peucker, `TOLERANCE` units), then
written as relative path commands: the base layer stays around 170 KB. The tolerance follows
the drawn size: the map is at most 48rem (768 CSS px) wide, so one unit is at most 1.3 px and
a deviation of half a unit stays below what a 0.5-unit outline stroke shows.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from members.reference.models import Authority, AuthorityOutline

Kind = Authority.Kind

# Bump FORMAT_VERSION whenever the drawing changes (projection, simplification, markup of the
# base layer) or BaseMap's fields do: the cache key changes with it and every process builds
# the new map once.
FORMAT_VERSION = 3
CACHE_KEY = f"members:svgmap:base:v{FORMAT_VERSION}"
# The outlines only change with a new release of the reference data; a day bounds staleness
# after `load_reference_data` without a code change.
CACHE_TIMEOUT = 60 * 60 * 24

WIDTH = 600  # viewBox width in SVG units
PADDING = 4  # SVG units around the outlines
TOLERANCE = 0.5  # SVG units a simplified line may deviate from the original
MIDDLE_LATITUDE = 51.5

MUNICIPALITY_KINDS = (Kind.MUNICIPALITY, Kind.TOWN, Kind.INDEPENDENT_CITY)
KREIS_LEVEL_KINDS = (Kind.DISTRICT, Kind.INDEPENDENT_CITY)

# Colours (presentation attributes, so the map needs no inline <style>).
BASE_FILL = "#e3e6ee"
BASE_STROKE = "#ffffff"
KREIS_STROKE = "#6b7186"
MEMBER_FILL = "#2044aa"  # KERN's action blue; 7:1 against the base fill
DISTRICT_FILL = "#6a85cf"
DISTRICT_STROKE = "#12275f"
REGION_STROKE = "#7a4a00"
REGION_HATCH = "#a8660a"
REGION_FILL = "#f7ecd9"
COLOURS = {
    "base_fill": BASE_FILL,
    "base_stroke": BASE_STROKE,
    "kreis_stroke": KREIS_STROKE,
    "member_fill": MEMBER_FILL,
    "district_fill": DISTRICT_FILL,
    "district_stroke": DISTRICT_STROKE,
    "region_stroke": REGION_STROKE,
    "region_hatch": REGION_HATCH,
    "region_fill": REGION_FILL,
}  # for the legend beside the map


@dataclass(frozen=True)
class BaseMap:
    """What is the same for every visitor: the viewBox, the base layer and the other outlines."""

    width: float
    height: float
    # The base layer as a standalone SVG document: Gemeinden and Kreis borders in the group
    # "map-base", each path with the id "map-<AGS>". Empty without outlines.
    document: bytes
    digest: str  # first 16 hex digits of the document's SHA-256: its address changes with it
    in_layer: frozenset[str]  # AGS of the outlines a member highlight can <use> from the layer
    paths: dict[str, str]  # AGS -> path data of the outlines not in the layer (regions)

    @property
    def url(self) -> str:
        """Where the page finds the document (without a fragment); empty without outlines."""
        return reverse("members:map_base", args=[self.digest]) if self.digest else ""


@dataclass(frozen=True)
class MapMember:
    """A member as the highlight layer needs it."""

    ags: str
    name: str
    kind: str
    url: str


_memo: dict[str, BaseMap] = {}


def forget_base_map() -> None:
    """Drop the per-process memo (tests; the Django cache has its own versioned key)."""
    _memo.clear()


def base_map() -> BaseMap:
    """The base map from the process memo, else the Django cache, else built from the outlines."""
    built = _memo.get(CACHE_KEY)
    if built is not None:
        return built
    cached = cache.get(CACHE_KEY)
    if isinstance(cached, BaseMap):
        built = cached
    else:
        built = build_base_map()
        if not built.in_layer:
            return built  # no outlines loaded (yet): nothing worth keeping
        cache.set(CACHE_KEY, built, CACHE_TIMEOUT)
    _memo[CACHE_KEY] = built
    return built


# --- Building the base map ------------------------------------------------------------------


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    if geometry.get("type") == "Polygon":
        return geometry["coordinates"]
    if geometry.get("type") == "MultiPolygon":
        return [ring for polygon in geometry["coordinates"] for ring in polygon]
    return []


def _simplify(points: list[tuple[int, int]], tolerance: float) -> list[tuple[int, int]]:
    """Ramer-Douglas-Peucker on one ring (integer tenths of SVG units), iterative."""
    if len(points) < 4:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        x1, y1 = points[first]
        x2, y2 = points[last]
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy)
        farthest, index = -1.0, -1
        for i in range(first + 1, last):
            x, y = points[i]
            if length:
                distance = abs(dy * (x - x1) - dx * (y - y1)) / length
            else:
                distance = math.hypot(x - x1, y - y1)
            if distance > farthest:
                farthest, index = distance, i
        if farthest > tolerance:
            keep[index] = True
            stack.append((first, index))
            stack.append((index, last))
    return [point for point, kept in zip(points, keep, strict=True) if kept]


def _number(tenths: int) -> str:
    """A coordinate in tenths as the shortest SVG number: 12, 1.5, .5, -.5."""
    sign = "-" if tenths < 0 else ""
    whole, fraction = divmod(abs(tenths), 10)
    if not fraction:
        return f"{sign}{whole}"
    return f"{sign}{whole or ''}.{fraction}"


def _numbers(values: Iterable[int]) -> str:
    """Numbers joined with the separators SVG path syntax needs, and no more."""
    out: list[str] = []
    previous_has_dot = False
    for value in values:
        token = _number(value)
        if out and not (token[0] == "-" or (token[0] == "." and previous_has_dot)):
            out.append(" ")
        out.append(token)
        previous_has_dot = "." in token
    return "".join(out)


class _Projection:
    def __init__(self, geometries: Iterable[dict[str, Any]]) -> None:
        self.factor = math.cos(math.radians(MIDDLE_LATITUDE))
        xs: list[float] = []
        ys: list[float] = []
        for geometry in geometries:
            for ring in _rings(geometry):
                for lon, lat in ring:
                    xs.append(lon * self.factor)
                    ys.append(lat)
        self.min_x, self.max_y = min(xs), max(ys)
        self.scale = (WIDTH - 2 * PADDING) / (max(xs) - self.min_x)
        self.width = float(WIDTH)
        self.height = round((self.max_y - min(ys)) * self.scale + 2 * PADDING, 1)

    def ring(self, ring: Sequence[Sequence[float]]) -> list[tuple[int, int]]:
        """A ring in integer tenths of SVG units, without consecutive duplicates."""
        scale10 = self.scale * 10
        points: list[tuple[int, int]] = []
        for lon, lat in ring:
            point = (
                round((lon * self.factor - self.min_x) * scale10 + PADDING * 10),
                round((self.max_y - lat) * scale10 + PADDING * 10),
            )
            if not points or point != points[-1]:
                points.append(point)
        return points

    def path(self, geometry: dict[str, Any]) -> str:
        parts = []
        for ring in _rings(geometry):
            points = _simplify(self.ring(ring), TOLERANCE * 10)
            if points[0] == points[-1]:
                points = points[:-1]
            if len(points) < 3:
                continue
            deltas: list[int] = []
            for (px, py), (x, y) in itertools.pairwise(points):
                deltas += (x - px, y - py)
            parts.append(f"M{_numbers(points[0])}l{_numbers(deltas)}z")
        return "".join(parts)


def build_base_map() -> BaseMap:
    """Reads every outline once and draws what every visitor sees alike."""
    rows = list(
        AuthorityOutline.objects.values_list("authority__ags", "authority__kind", "geometry")
    )
    if not any(kind in MUNICIPALITY_KINDS for _ags, kind, _geometry in rows):
        return BaseMap(float(WIDTH), float(WIDTH), b"", "", frozenset(), {})
    projection = _Projection(
        geometry for _ags, kind, geometry in rows if kind in MUNICIPALITY_KINDS
    )
    paths = {ags: projection.path(geometry) for ags, _kind, geometry in rows}
    kinds = {ags: kind for ags, kind, _geometry in rows}
    municipalities = sorted(ags for ags, kind in kinds.items() if kind in MUNICIPALITY_KINDS)
    kreise = sorted(ags for ags, kind in kinds.items() if kind in KREIS_LEVEL_KINDS)
    # A kreisfreie Stadt is in both layers; its id goes to its Gemeinde outline.
    layer = "".join(
        [
            f'<g fill="{BASE_FILL}" stroke="{BASE_STROKE}" stroke-width=".5"'
            ' stroke-linejoin="round" fill-rule="evenodd">',
            *(f'<path id="map-{ags}" d="{paths[ags]}"/>' for ags in municipalities),
            "</g>",
            f'<g fill="none" stroke="{KREIS_STROKE}" stroke-width=".7" stroke-linejoin="round">',
            *(
                f'<path id="map-{ags}" d="{paths[ags]}"/>'
                if kinds[ags] == Kind.DISTRICT
                else f'<path d="{paths[ags]}"/>'
                for ags in kreise
            ),
            "</g>",
        ]
    )
    document = (
        '<svg xmlns="http://www.w3.org/2000/svg"'
        f' viewBox="0 0 {projection.width:g} {projection.height:g}">'
        f'<g id="map-base">{layer}</g></svg>'
    ).encode()
    digest = hashlib.sha256(document).hexdigest()[:16]
    in_layer = frozenset(municipalities) | frozenset(kreise)
    others = {ags: path for ags, path in paths.items() if ags not in in_layer and path}
    return BaseMap(projection.width, projection.height, document, digest, in_layer, others)


# --- Per request ----------------------------------------------------------------------------


def _defs() -> str:
    return (
        "<defs>"
        '<pattern id="map-region-hatch" width="6" height="6" patternUnits="userSpaceOnUse"'
        ' patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="{REGION_FILL}" fill-opacity=".75"/>'
        f'<path d="M0 0v6" stroke="{REGION_HATCH}" stroke-width="1.6"/>'
        "</pattern>"
        "</defs>"
    )


# The three kinds of highlight, drawn in this order: larger shapes first, so that a member
# inside a member district or region stays visible and clickable. Styles sit on the group.
_HIGHLIGHTS = {
    "region": (
        f'fill="url(#map-region-hatch)" stroke="{REGION_STROKE}" stroke-width="2"'
        ' stroke-dasharray="6 3"'
    ),
    "district": f'fill="{DISTRICT_FILL}" stroke="{DISTRICT_STROKE}" stroke-width="1"',
    "municipality": f'fill="{MEMBER_FILL}" stroke="{BASE_STROKE}" stroke-width=".8"',
}


def _highlight(kind: str) -> str:
    if kind == Kind.REGION:
        return "region"
    if kind == Kind.DISTRICT:
        return "district"
    return "municipality"


def _shape(base: BaseMap, document_url: str, ags: str) -> str | None:
    """The member's outline: a <use> of the base layer's path (no path data twice), else a path."""
    if ags in base.in_layer:
        return f'<use href="{document_url}#map-{ags}"/>'
    if path := base.paths.get(ags):
        return f'<path d="{path}"/>'
    return None


def _member_link(member: MapMember, shape: str) -> str:
    if not member.url:  # a printed map (the yearly report): the outline with its name only
        return (
            f'<g class="map-member map-member--{_highlight(member.kind)}"'
            f' data-ags="{escape(member.ags)}"><title>{escape(member.name)}</title>{shape}</g>'
        )
    return (
        f'<a href="{escape(member.url)}" class="map-member map-member--{_highlight(member.kind)}"'
        f' data-ags="{escape(member.ags)}"><title>{escape(member.name)}</title>{shape}</a>'
    )


def _inline_layer(base: BaseMap) -> str:
    """The base layer's group itself, for a document that cannot fetch the base map's address
    (a PDF): the document without its outer <svg> element."""
    text = base.document.decode()
    return text[text.index(">") + 1 : text.rindex("</svg>")]


def render_map(
    members: Iterable[MapMember], *, title: str, description: str, inline: bool = False
) -> SafeString:
    """The complete <svg>: the base layer's document by reference, one link per member on top.

    `inline`: the base layer inside the <svg> and the members' outlines referenced within it,
    for a PDF (WeasyPrint fetches no address of the portal); members without a URL are drawn
    without a link."""
    base = base_map()
    document_url = "" if inline else base.url
    links: dict[str, list[str]] = {name: [] for name in _HIGHLIGHTS}
    for member in sorted(members, key=lambda m: m.name):
        if shape := _shape(base, document_url, member.ags):
            links[_highlight(member.kind)].append(_member_link(member, shape))
    highlights = [
        f'<g class="map-members" {attributes} stroke-linejoin="round" fill-rule="evenodd">'
        + "".join(links[name])
        + "</g>"
        for name, attributes in _HIGHLIGHTS.items()
        if links[name]
    ]
    svg = "".join(
        [
            '<svg xmlns="http://www.w3.org/2000/svg" class="network-map__svg"'
            f' viewBox="0 0 {base.width:g} {base.height:g}"'
            # Not role="img": that would hide the member links inside from assistive technology
            # (and axe reports nested-interactive). A named group keeps them reachable.
            ' role="group" aria-labelledby="map-title" aria-describedby="map-desc">',
            f'<title id="map-title">{escape(title)}</title>',
            f'<desc id="map-desc">{escape(description)}</desc>',
            _defs(),
            # The browser fetches the document once (same origin, so <use> may reference it).
            _inline_layer(base) if inline and base.document else "",
            f'<use href="{document_url}#map-base"/>' if document_url else "",
            *highlights,
            "</svg>",
        ]
    )
    return mark_safe(svg)  # noqa: S308 - numbers from our own data; every text is escaped above  # nosec B308 B703
