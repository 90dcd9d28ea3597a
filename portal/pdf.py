"""WeasyPrint for every PDF of the portal: one lock, one font configuration, local files only.

The declarations and the event lists have stylesheets of their own; what they share is here.
WeasyPrint, Pango and Fontconfig are not safe to use from several threads at once, so every
render in the process goes through the one lock below. Fonts and stylesheets are parsed once
per process. A document may read data: URIs and files inside the project, nothing else (no
network, no /etc/passwd through a crafted <img>).
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings

PROJECT_DIR = Path(settings.BASE_DIR).resolve()
# Relative addresses in the templates and the stylesheets (fonts, logo) start here.
BASE_URL = PROJECT_DIR.as_uri() + "/"

# Fonts and pages shared by the event lists and the yearly report; their own stylesheet follows.
PAGE_STYLESHEET = PROJECT_DIR / "templates" / "pdf" / "page.css"

_render_lock = threading.Lock()


def _local_only_fetcher() -> Any:
    from weasyprint.urls import URLFetcher

    class LocalOnlyFetcher(URLFetcher):
        """Fetches data: URIs and files inside the project, nothing else."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                path = Path(unquote(urlsplit(url).path)).resolve()
                if path.is_relative_to(PROJECT_DIR) and path.is_file():
                    return super().fetch(path.as_uri(), headers)
            raise ValueError(f"{url} is not allowed in a PDF of the portal")

    return LocalOnlyFetcher()


@lru_cache(maxsize=1)
def url_fetcher() -> Any:
    return _local_only_fetcher()


@lru_cache(maxsize=1)
def font_config() -> Any:
    # Imported here: loading WeasyPrint takes most of a second, which a web worker that never
    # renders a PDF should not pay.
    from weasyprint.text.fonts import FontConfiguration

    # Dropped before the interpreter tears down the modules, which FontConfiguration.__del__
    # (it removes its temporary font folder) still needs.
    atexit.register(font_config.cache_clear)
    atexit.register(stylesheet.cache_clear)
    return FontConfiguration()


@lru_cache(maxsize=8)
def stylesheet(path: Path) -> Any:
    from weasyprint import CSS

    return CSS(
        filename=str(path), base_url=BASE_URL, url_fetcher=url_fetcher(), font_config=font_config()
    )


# Every PDF claims PDF/UA-1 (pdfuaid:part in its XMP, tagged, PDF 1.7). WeasyPrint takes one
# variant only, so PDF/A-3 cannot be claimed as well; docs/declarations.md says why UA wins.
PDF_VARIANT = "pdf/ua-1"


def write_pdf(html: str, css: Path | Sequence[Path]) -> bytes:
    """The HTML as a tagged PDF/UA-1 (screen readers, BITV) with the stylesheet at `css` (or
    the stylesheets, in their order).

    The HTML needs a <title> and a lang on <html>: they become the PDF's title and language.
    A decorative drawing belongs in a CSS background, which is drawn as an artifact; every
    <img> and <svg> becomes a Figure and needs its text (alt, or <title> in the SVG).
    """
    from weasyprint import HTML

    paths = [css] if isinstance(css, Path) else list(css)
    with _render_lock:
        document = HTML(string=html, base_url=BASE_URL, url_fetcher=url_fetcher())
        pdf = document.write_pdf(
            stylesheets=[stylesheet(path) for path in paths],
            font_config=font_config(),
            pdf_variant=PDF_VARIANT,
        )
    return bytes(pdf)
