"""The web fonts: Fira Sans cut down to what German and English pages show (`subset_fonts`).

KERN's complete Fira Sans files are some 130 KB per weight; a page needs two weights. The
subsets here hold the characters of German and English text (`LATIN`), and a second, larger
cut per weight (`LATIN_EXTENDED`: names such as Łódź or Şahin) that a browser fetches only on
a page that shows such a character (`unicode-range`). Only the weights the stylesheets use are
cut: 400 (text), its italic (emphasis in Markdown) and 600 (headings, labels, <strong>).

While a font loads, text shows at once in a local fallback (`font-display: swap`). The
fallback's @font-face scales it to Fira's width and gives it Fira's ascent and descent
(`size-adjust`, `ascent-override`, …), so that the swap moves nothing. The factors are computed
from the fonts' own tables: advance widths averaged over the German catalogue's text, so that
letters weigh as often as they occur on the pages.

The PDFs (templates/*/pdf/print.css, templates/pdf/page.css) keep embedding the complete
fonts: WeasyPrint makes its own subsets.
"""

from __future__ import annotations

import collections
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

SOURCE_DIR = Path("node_modules/@kern-ux/native/dist/fonts/fira-sans")
OUTPUT_DIR = Path("static/fonts")
STYLESHEET = Path("static/css/portal.css")
CATALOGUE = Path("locale/de/LC_MESSAGES/django.po")
BEGIN = "/* Fonts: begin (written by `manage.py subset_fonts`, do not edit by hand) */"
END = "/* Fonts: end */"
FAMILY = "Fira Sans"
# Fira sets an OS/2 bit its table version does not define; fontTools says so for every cut.
logging.getLogger("fontTools.ttLib.tables.O_S_2f_2").setLevel(logging.ERROR)


def _ranges(*spans: tuple[int, int]) -> tuple[tuple[int, int], ...]:
    return spans


# Basic Latin, Latin-1 Supplement, the typographic spaces, dashes and quotes (German low-high
# and English pairs, single and double), bullet, ellipsis, euro, minus and the four arrows.
LATIN = _ranges(
    (0x20, 0x7E),
    (0xA0, 0xFF),
    (0x2009, 0x200A),
    (0x2011, 0x2014),
    (0x2018, 0x201E),
    (0x2022, 0x2022),
    (0x2026, 0x2026),
    (0x202F, 0x202F),
    (0x2039, 0x203A),
    (0x20AC, 0x20AC),
    (0x2190, 0x2193),
    (0x2212, 0x2212),
)
# Names from neighbouring languages: Latin Extended-A and -B, Latin Extended Additional.
LATIN_EXTENDED = _ranges((0x100, 0x24F), (0x1E00, 0x1EFF))


@dataclass(frozen=True)
class Face:
    """One weight and style of Fira Sans and the local fonts that stand in while it loads."""

    source: str  # file name in SOURCE_DIR
    slug: str  # file names of the subsets: fira-sans-<slug>[-ext].woff2
    weight: int
    italic: bool
    # (local() names, file with that font's metrics): Arial (Windows, macOS; Liberation Sans
    # is metric-compatible with it) and DejaVu Sans (Linux without Microsoft fonts).
    fallbacks: tuple[tuple[tuple[str, ...], str], ...]


ARIAL = ("Arial", "ArialMT", "Liberation Sans", "LiberationSans")
ARIAL_BOLD = ("Arial Bold", "Arial-BoldMT", "Liberation Sans Bold", "LiberationSans-Bold")
DEJAVU = ("DejaVu Sans", "DejaVuSans")
DEJAVU_BOLD = ("DejaVu Sans Bold", "DejaVuSans-Bold")
FACES = (
    Face(
        "FiraSans-Regular.woff2",
        "400",
        400,
        False,
        ((ARIAL, "LiberationSans-Regular.ttf"), (DEJAVU, "DejaVuSans.ttf")),
    ),
    Face("FiraSans-Italic.woff2", "400-italic", 400, True, ()),
    Face(
        "FiraSans-SemiBold.woff2",
        "600",
        600,
        False,
        ((ARIAL_BOLD, "LiberationSans-Bold.ttf"), (DEJAVU_BOLD, "DejaVuSans-Bold.ttf")),
    ),
)
FALLBACK_FAMILIES = ("Fira Sans Fallback Arial", "Fira Sans Fallback DejaVu")
# The face the first paint needs (body text): base.html preloads it.
PRELOAD = "fonts/fira-sans-400.woff2"


def codepoints(spans: Iterable[tuple[int, int]]) -> list[int]:
    return [code for first, last in spans for code in range(first, last + 1)]


def _unicode_range(spans: Iterable[tuple[int, int]]) -> str:
    return ", ".join(
        f"U+{first:X}" if first == last else f"U+{first:X}-{last:X}" for first, last in spans
    )


def catalogue_text(path: Path = CATALOGUE) -> str:
    """The English and German text of the catalogue (msgid and msgstr lines, unquoted)."""
    quoted = re.findall(
        r'^(?:msgid|msgstr|msgid_plural|msgstr\[\d\])?\s*"(.*)"$', path.read_text(), re.M
    )
    return "".join(quoted)


def cut(source: Path, spans: Iterable[tuple[int, int]], target: Path) -> None:
    """Writes the WOFF2 subset of `source` with the characters in `spans`."""
    options = subset.Options()
    options.flavor = "woff2"
    options.hinting = False  # browsers on high-resolution screens ignore it; saves a third
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6]  # copyright, names, version: the licence asks
    font = TTFont(source)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codepoints(spans))
    subsetter.subset(font)
    target.parent.mkdir(parents=True, exist_ok=True)
    font.flavor = "woff2"
    font.save(target)


def _average_advance(font: TTFont, weights: collections.Counter[str]) -> float:
    """Advance width per em, averaged over characters weighted by their frequency."""
    cmap = font.getBestCmap()
    metrics = font["hmtx"].metrics
    units = font["head"].unitsPerEm
    total = count = 0
    for char, n in weights.items():
        glyph = cmap.get(ord(char))
        if glyph is not None:
            total += metrics[glyph][0] * n
            count += n
    return total / count / units


def fallback_overrides(
    web: TTFont, local: TTFont, weights: collections.Counter[str]
) -> dict[str, str]:
    """The descriptors that make `local` take up the space `web` will: width and line box."""
    size = _average_advance(web, weights) / _average_advance(local, weights)
    units = web["head"].unitsPerEm
    hhea = web["hhea"]

    def percent(value: float) -> str:
        return f"{value * 100:.2f}%"

    return {
        "size-adjust": percent(size),
        "ascent-override": percent(hhea.ascent / units / size),
        "descent-override": percent(-hhea.descent / units / size),
        "line-gap-override": percent(hhea.lineGap / units / size),
    }


def _block(descriptors: dict[str, str]) -> str:
    lines = "".join(f"\n  {name}: {value};" for name, value in descriptors.items())
    return f"@font-face {{{lines}\n}}\n"


def stylesheet_block(source_dir: Path, metrics_dir: Path, weights: collections.Counter[str]) -> str:
    """The @font-face rules and the family stack KERN's typography variable takes."""
    rules: list[str] = []
    for face in FACES:
        style = "italic" if face.italic else "normal"
        for name, spans in _files_of(face):
            rules.append(
                _block(
                    {
                        "font-family": f'"{FAMILY}"',
                        "src": f'url("../fonts/{name}") format("woff2")',
                        "font-weight": str(face.weight),
                        "font-style": style,
                        "font-display": "swap",
                        "unicode-range": _unicode_range(spans),
                    }
                )
            )
        web = TTFont(source_dir / face.source)
        for family, (names, metrics_file) in zip(FALLBACK_FAMILIES, face.fallbacks, strict=False):
            local = TTFont(metrics_dir / metrics_file)
            sources = ", ".join(f'local("{name}")' for name in names)
            rules.append(
                _block(
                    {
                        "font-family": f'"{family}"',
                        "src": sources,
                        "font-weight": str(face.weight),
                        **fallback_overrides(web, local, weights),
                    }
                )
            )
    stack = ", ".join(f'"{name}"' for name in (FAMILY, *FALLBACK_FAMILIES))
    rules.append(f":root {{\n  --kern-typography-font-family-fira-sans: {stack}, sans-serif;\n}}\n")
    return f"{BEGIN}\n{''.join(rules)}{END}"


def with_block(stylesheet: str, block: str) -> str:
    """The stylesheet with its fonts block replaced (or put first where it has none)."""
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.S)
    if pattern.search(stylesheet):
        return pattern.sub(lambda _match: block, stylesheet, count=1)
    return f"{block}\n\n{stylesheet}"


def _files_of(face: Face) -> list[tuple[str, tuple[tuple[int, int], ...]]]:
    return [
        (f"fira-sans-{face.slug}.woff2", LATIN),
        (f"fira-sans-{face.slug}-ext.woff2", LATIN_EXTENDED),
    ]


def subset_files() -> list[tuple[Face, str, tuple[tuple[int, int], ...]]]:
    """Every subset file as (face, file name, characters)."""
    return [(face, name, spans) for face in FACES for name, spans in _files_of(face)]
