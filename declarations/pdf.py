"""The PDFs of the Gemeinsame Erklärung, made with WeasyPrint.

- `render_signature(signature)`: the signed declaration of one municipality, with its
  verification code and a QR code that leads to the public check of the document;
- `render_blank_form(version)` and `blank_form_for(version)`: the same text with empty lines
  for signing by hand;
- `combine(signatures)`: the signed copies of several signatures in one file, rendered anew as
  one tagged document (appending the stored PDFs would drop their structure trees).

The documents are always German: the declaration is a German legal text, whatever language
the person who asks for it uses. WeasyPrint itself is set up in `portal.pdf` (fonts, lock,
local files only).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import segno
from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _

from declarations.models import DeclarationVersion, Signature
from declarations.text import render_body
from portal.pdf import PROJECT_DIR, write_pdf
from portal.text import german_sort_key

TEMPLATE_DIR = "declarations/pdf"
STYLESHEET = PROJECT_DIR / "templates" / TEMPLATE_DIR / "print.css"
DOCUMENT_LANGUAGE = "de"


def _write_pdf(html: str) -> bytes:
    return write_pdf(html, STYLESHEET)


# --- The documents ---------------------------------------------------------------------------


def verification_url(signature: Signature) -> str:
    path = reverse("declarations:verify_code", args=[signature.verification_code])
    return settings.PORTAL_BASE_URL + path


def _qr_code(url: str) -> str:
    """The address as QR code: a PNG data URI with one pixel a module.

    The stylesheet enlarges it without smoothing (image-rendering: pixelated), so it prints
    as sharply as a vector; WeasyPrint draws an SVG of the same code ten times slower.
    """
    code = segno.make(url, error="m")
    return str(code.png_data_uri(scale=1, border=4, dark="#131525", light="#ffffff"))


def _css_string(text: str) -> str:
    """A CSS string literal; every character but letters, digits and spaces is escaped."""
    return '"' + "".join(c if c.isalnum() or c == " " else f"\\{ord(c):x} " for c in text) + '"'


def _page_counter() -> SafeString:
    """`content` of the page number box: "Page 1 of 2" as the translation orders it."""
    placeholders = {"%(page)s": "counter(page)", "%(pages)s": "counter(pages)"}
    text = _("Page %(page)s of %(pages)s")
    parts = re.split(r"(%\(pages?\)s)", text)
    css = " ".join(placeholders.get(part) or _css_string(part) for part in parts if part)
    return mark_safe(css)  # noqa: S308 - made of counters and escaped strings only  # nosec B308 B703


def _context(version: DeclarationVersion, **extra: Any) -> dict[str, Any]:
    return {
        "version": version,
        "body": render_body(version.body),
        "page_counter": _page_counter(),
        **extra,
    }


def _signature_context(signature: Signature) -> dict[str, Any]:
    """What the signed copy of one signature shows; call with the document language active."""
    url = verification_url(signature)
    return {
        "signature": signature,
        "version": signature.version,  # exactly the version that was signed
        "body": render_body(signature.version.body),
        "authority": signature.organisation.authority,
        "verification_url": url,
        "qr_code": _qr_code(url),
    }


def signature_html(signature: Signature) -> str:
    """The HTML that `render_signature` prints; also what the tests look at."""
    with translation.override(DOCUMENT_LANGUAGE):
        copy = _signature_context(signature)
        context = {
            **copy,
            "page_counter": _page_counter(),
            "document_title": f"{signature.version.title} – {copy['authority'].name}",
        }
        return render_to_string(f"{TEMPLATE_DIR}/signature.html", context)


def render_signature(signature: Signature) -> bytes:
    """The signed declaration of one municipality as PDF."""
    return _write_pdf(signature_html(signature))


def blank_form_html(version: DeclarationVersion) -> str:
    with translation.override(DOCUMENT_LANGUAGE):
        context = _context(
            version,
            document_title=_("%(title)s – form for signing by hand") % {"title": version.title},
            sign_url=settings.PORTAL_BASE_URL + reverse("declarations:sign"),
        )
        return render_to_string(f"{TEMPLATE_DIR}/blank_form.html", context)


def render_blank_form(version: DeclarationVersion) -> bytes:
    """The declaration with empty lines for name, office, place, date and signature."""
    return _write_pdf(blank_form_html(version))


def _stored(field: Any) -> bool:
    return bool(field) and field.storage.exists(field.name)


def blank_form_for(version: DeclarationVersion) -> File:
    """The version's form for signing by hand; made and stored the first time it is asked for.

    Published versions never change, so their form is stored once. A draft's form is made
    each time and not stored, as the draft may still change.
    """
    if not version.is_published:
        return ContentFile(render_blank_form(version), name="form.pdf")
    if _stored(version.blank_form):
        return version.blank_form
    with transaction.atomic():
        # The lock makes a second request wait for the first one's form instead of rendering.
        locked = DeclarationVersion.objects.select_for_update().get(pk=version.pk)
        if not _stored(locked.blank_form):
            content = render_blank_form(locked)
            name = f"Gemeinsame-Erklaerung-{slugify(locked.label) or locked.pk}-Formular.pdf"
            locked.blank_form.save(name, ContentFile(content), save=False)
            locked.save(update_fields=["blank_form"])
    version.blank_form = locked.blank_form
    return version.blank_form


def _in_order_of_names(signatures: Iterable[Signature]) -> list[Signature]:
    ids = {signature.pk for signature in signatures}
    return sorted(
        Signature.objects.filter(pk__in=ids).select_related("organisation__authority", "version"),
        key=lambda s: (
            german_sort_key(s.organisation.authority.name),
            s.organisation.authority.ags,
        ),
    )


def combined_html(signatures: Iterable[Signature]) -> str:
    with translation.override(DOCUMENT_LANGUAGE):
        copies = [
            # Each copy's ids start with its own prefix, so they stay unique in the one file.
            {**_signature_context(signature), "anchor_prefix": f"copy-{signature.pk}-"}
            for signature in _in_order_of_names(signatures)
        ]
        context = {
            "copies": copies,
            "page_counter": _page_counter(),
            "document_title": _("Joint declaration: signatures"),
        }
        return render_to_string(f"{TEMPLATE_DIR}/combined.html", context)


def combine(signatures: Iterable[Signature]) -> bytes:
    """The signed copies in one file, in the order of the municipalities' names.

    The copies are rendered again as one document rather than the stored PDFs appended: a
    PDF merger drops the structure trees, and the file would no longer be tagged. The text
    is the same as in each stored copy, made from the same signature and version; the stored
    PDF and its hash stay the signature's record. Pages are numbered through the whole file.
    """
    return _write_pdf(combined_html(signatures))
