"""WeasyPrint for every PDF of the portal: one lock, one font configuration, local files only.

The declarations and the event lists each have a stylesheet of their own after the shared
`templates/pdf/print.css` (fonts, colours, A4) and a base template that extends
`templates/pdf/base.html`; what else they share is here.
WeasyPrint, Pango and Fontconfig are not safe to use from several threads at once, so every
render in the process goes through the one lock below. Fonts and stylesheets are parsed once
per process. A document may read data: URIs and files inside the project, nothing else (no
network, no /etc/passwd through a crafted <img>).
"""

from __future__ import annotations

import atexit
import gc
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings

PROJECT_DIR = Path(settings.BASE_DIR).resolve()
# Relative addresses in the templates and the stylesheets (fonts, logo) start here.
BASE_URL = PROJECT_DIR.as_uri() + "/"
SHARED_STYLESHEET = PROJECT_DIR / "templates" / "pdf" / "print.css"

_render_lock = threading.Lock()
_frozen = False


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


def write_pdf(html: str, css: Path) -> bytes:
    """The HTML as a tagged PDF/UA-1 (screen readers, BITV) with the shared stylesheet and the
    document's own at `css`.

    The HTML needs a <title> and a lang on <html>: they become the PDF's title and language.
    A decorative drawing belongs in a CSS background, which is drawn as an artifact; every
    <img> and <svg> becomes a Figure and needs its text (alt, or <title> in the SVG).
    """
    from weasyprint import HTML

    with _render_lock:
        # No name for the parsed document: it is garbage before the first render's freeze.
        pdf = HTML(string=html, base_url=BASE_URL, url_fetcher=url_fetcher()).write_pdf(
            stylesheets=[stylesheet(SHARED_STYLESHEET), stylesheet(css)],
            font_config=font_config(),
            pdf_variant=PDF_VARIANT,
        )
        _collect_the_documents_garbage()
    return bytes(pdf)


def _collect_the_documents_garbage() -> None:
    """Free the document's garbage now, and after the process's first PDF keep what the process
    holds out of the collector's sight.

    WeasyPrint's boxes form reference cycles, which only the cyclic garbage collector frees. A
    render lasts long enough for them to reach the oldest generation, so they piled up there and
    went in one full collection every ten or so renders, which also walked every object of the
    process (WeasyPrint's fonts, stylesheets and caches and Django: some 190,000). That pause of
    100-250 ms, not the rendering, made the p95 of the signed declaration (issue 19). Now each
    render's garbage is collected right away (2-4 ms), and after the first one gc.freeze()
    moves everything then alive out of all later collections. The price: an object alive at
    that moment that later falls into a reference cycle is not freed, bounded to what the first
    task or request held.
    """
    global _frozen
    gc.collect()
    if not _frozen:
        gc.freeze()
        _frozen = True
