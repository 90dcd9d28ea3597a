"""Checks for uploaded files: that a PDF is a real PDF and an image a real image.

The name and the content type of an upload are chosen by the browser (or by whoever sends
the request), so neither is trusted: each check limits the size, looks at the first bytes
and lets the parser read the whole file. Use them as form field validators::

    attachment = forms.FileField(validators=[validate_pdf])
    image = forms.FileField(validators=[partial(validate_image, max_bytes=2 * 1024 * 1024)])

Each raises a ValidationError with a translatable message and a code ("too_large",
"not_pdf", "encrypted_pdf", "empty_pdf", "not_image", "image_format") and leaves the file
at its start, so that it can be saved afterwards.
"""

from __future__ import annotations

import warnings
from typing import IO, Any

import pypdf
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image

PDF_MAX_BYTES = 10 * 1024 * 1024
IMAGE_MAX_BYTES = 5 * 1024 * 1024
IMAGE_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP"}
# Readers find the header anywhere in the first kilobyte; the portal insists on byte 0.
PDF_MAGIC = b"%PDF-"


def _size(uploaded_file: IO[bytes] | Any) -> int:
    size = getattr(uploaded_file, "size", None)
    if size is not None:
        return int(size)
    uploaded_file.seek(0, 2)
    size = uploaded_file.tell()
    uploaded_file.seek(0)
    return int(size)


def _check_size(uploaded_file: Any, max_bytes: int) -> None:
    if _size(uploaded_file) > max_bytes:
        raise ValidationError(
            _("The file is too large. Please upload a file of at most %(limit)s."),
            code="too_large",
            params={"limit": filesizeformat(max_bytes)},
        )


def validate_pdf(uploaded_file: Any, max_bytes: int = PDF_MAX_BYTES) -> None:
    """Accept only a readable PDF document of at most max_bytes, not protected by a password."""

    _check_size(uploaded_file, max_bytes)
    not_pdf = ValidationError(
        _("This file is not a PDF document that can be opened. Please upload a PDF file."),
        code="not_pdf",
    )
    uploaded_file.seek(0)
    try:
        if uploaded_file.read(len(PDF_MAGIC)) != PDF_MAGIC:
            raise not_pdf
        uploaded_file.seek(0)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                reader = pypdf.PdfReader(uploaded_file, strict=False)
                if reader.is_encrypted:
                    raise ValidationError(
                        _(
                            "This PDF document is protected by a password. Please upload it "
                            "without password protection."
                        ),
                        code="encrypted_pdf",
                    )
                page_count = len(reader.pages)
                # Reading the first page's content proves that the objects really parse.
                if page_count:
                    reader.pages[0].get_contents()
        except ValidationError:
            raise
        except Exception:  # pypdf raises many kinds of errors on broken files, not only its own
            raise not_pdf from None
        if page_count == 0:
            raise ValidationError(
                _("This PDF document has no pages. Please upload the complete document."),
                code="empty_pdf",
            )
    finally:
        uploaded_file.seek(0)


def validate_image(uploaded_file: Any, max_bytes: int = IMAGE_MAX_BYTES) -> None:
    """Accept only a JPEG, PNG or WebP image of at most max_bytes that Pillow can read."""

    _check_size(uploaded_file, max_bytes)
    not_image = ValidationError(
        _(
            "This file is not an image that can be opened. Please upload a photo or graphic "
            "in the format JPEG, PNG or WebP."
        ),
        code="not_image",
    )
    uploaded_file.seek(0)
    try:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(uploaded_file) as image:
                    image_format = image.format
                    image.verify()
        except Exception:  # Pillow raises many kinds of errors on broken files
            raise not_image from None
        if image_format not in IMAGE_FORMATS:
            raise ValidationError(
                _(
                    "Images in the format %(format)s cannot be used. Please upload a JPEG, PNG "
                    "or WebP image."
                ),
                code="image_format",
                params={"format": image_format or "?"},
            )
    finally:
        uploaded_file.seek(0)
