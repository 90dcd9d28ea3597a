"""The web fonts' subsets (portal/fonts.py, `manage.py subset_fonts`) and how pages load them."""

from __future__ import annotations

import collections
import re
from pathlib import Path

import pytest
from django.conf import settings
from fontTools.ttLib import TTFont

from portal import fonts

BASE = Path(settings.BASE_DIR)
STYLESHEET = (BASE / fonts.STYLESHEET).read_text()
BLOCK = STYLESHEET[STYLESHEET.index(fonts.BEGIN) : STYLESHEET.index(fonts.END)]


def _cmap(name: str) -> set[int]:
    return set(TTFont(BASE / fonts.OUTPUT_DIR / name).getBestCmap())


def _page_text() -> str:
    """Everything German and English pages can show: the catalogues and the templates."""
    sources = [
        BASE / fonts.CATALOGUE,
        *(BASE / "locale-overrides").rglob("*.po"),
        *(BASE / "templates").rglob("*.html"),
    ]
    return "".join(
        fonts.catalogue_text(path) if path.suffix == ".po" else path.read_text() for path in sources
    )


@pytest.mark.parametrize("face", fonts.FACES, ids=lambda face: face.slug)
def test_the_first_subset_of_each_face_holds_every_character_of_the_catalogues_and_templates(face):
    covered = _cmap(f"fira-sans-{face.slug}.woff2")
    missing = {char for char in _page_text() if char.isprintable() and ord(char) not in covered}
    assert not missing, f"not in fira-sans-{face.slug}.woff2: {sorted(missing)}"


@pytest.mark.parametrize("name_and_spans", fonts.subset_files(), ids=lambda item: item[1])
def test_each_subset_holds_what_its_unicode_range_promises_and_nothing_more(name_and_spans):
    face, name, spans = name_and_spans
    source = set(TTFont(BASE / fonts.SOURCE_DIR / face.source).getBestCmap())
    assert _cmap(name) == set(fonts.codepoints(spans)) & source


def test_the_stylesheet_declares_every_subset_with_swap_and_no_complete_font():
    rules = re.findall(r"@font-face \{(.*?)\}", BLOCK, re.S)
    web = [rule for rule in rules if "url(" in rule]
    named = {re.search(r'url\("\.\./fonts/([^"]+)"\)', rule).group(1) for rule in web}
    assert named == {name for _face, name, _spans in fonts.subset_files()}
    assert all("font-display: swap;" in rule and "unicode-range:" in rule for rule in web)
    assert "FiraSans-" not in STYLESHEET


def test_every_fallback_face_is_scaled_to_fira_sans():
    rules = [rule for rule in re.findall(r"@font-face \{(.*?)\}", BLOCK, re.S) if "local(" in rule]
    assert len(rules) == 4
    for rule in rules:
        for descriptor in (
            "size-adjust",
            "ascent-override",
            "descent-override",
            "line-gap-override",
        ):
            assert re.search(rf"{descriptor}: \d+\.\d\d%;", rule), rule


def test_the_fallback_factors_come_from_the_fonts_metrics():
    # Measured on the font against itself nothing changes: 100 % size, the font's own ascent.
    regular = TTFont(BASE / fonts.SOURCE_DIR / "FiraSans-Regular.woff2")
    weights = collections.Counter("Gemeinsame Erklärung")
    assert fonts.fallback_overrides(regular, regular, weights) == {
        "size-adjust": "100.00%",
        "ascent-override": "93.50%",
        "descent-override": "26.50%",
        "line-gap-override": "0.00%",
    }


@pytest.mark.django_db
def test_a_page_preloads_the_text_font_and_blocks_only_on_one_stylesheet_with_htmx_deferred(client):
    html = client.get("/").content.decode()
    head = html[: html.index("</head>")]
    assert re.search(
        r'<link rel="preload" href="/static/fonts/fira-sans-400[^"]*\.woff2" as="font"'
        r' type="font/woff2" crossorigin>',
        head,
    )
    assert re.findall(r'<link rel="stylesheet" href="([^"]+)"', head) == ["/static/css/site.css"]
    scripts = re.findall(r"<script[^>]*>", head)
    assert scripts
    assert all(" defer" in tag for tag in scripts)
