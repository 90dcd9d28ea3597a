"""Checks for uploaded files: that a PDF is a real PDF and an image a real image.

The name and the content type of an upload are chosen by the browser (or by whoever sends
the request), so neither is trusted: each check limits the size, looks at the first bytes
and lets the parser read the whole file. Use them as form field validators::

    attachment = forms.FileField(validators=[validate_pdf])
    image = forms.FileField(validators=[partial(validate_image, max_bytes=2 * 1024 * 1024)])

Each raises a ValidationError with a translatable message and a code ("too_large",
"not_pdf", "encrypted_pdf", "empty_pdf", "not_image", "image_format") and leaves the file
at its start, so that it can be saved afterwards.

Checks that accept several kinds of file first `sniff` what the first bytes say the file is,
then let the file prove it: `validate_pdf`, `validate_image`, or `office_type` for a Word, Excel
or PowerPoint package. `validate_document` does that for the usual set (PDF, photo, office
file) that event documents and an application's evidence accept.
"""

from __future__ import annotations

import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
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

PDF_TYPE = "application/pdf"
JPEG_TYPE = "image/jpeg"
PNG_TYPE = "image/png"
WEBP_TYPE = "image/webp"
ZIP_TYPE = "application/zip"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX_TYPE = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
MAGIC_NUMBERS = (
    (PDF_MAGIC, PDF_TYPE),
    (b"\xff\xd8\xff", JPEG_TYPE),
    (b"\x89PNG\r\n\x1a\n", PNG_TYPE),
    (b"PK\x03\x04", ZIP_TYPE),
)
# A WebP image is a RIFF container whose form type, at byte 8, says WEBP.
RIFF_MAGIC = b"RIFF"
WEBP_FORM = b"WEBP"
HEAD_BYTES = 12


@dataclass(frozen=True)
class OfficeFormat:
    content_type: str
    main_part: str
    # The main part's own content type; the macro-enabled variants (.docm …) have other ones.
    main_part_type: str


OFFICE_FORMATS = (
    OfficeFormat(
        DOCX_TYPE,
        "word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    ),
    OfficeFormat(
        XLSX_TYPE,
        "xl/workbook.xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    ),
    OfficeFormat(
        PPTX_TYPE,
        "ppt/presentation.xml",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
    ),
)
CONTENT_TYPES_PART = "[Content_Types].xml"
# The list of parts is a few kilobytes; a larger one is not an office file we want to read.
CONTENT_TYPES_MAX_BYTES = 256 * 1024
# What zipfile raises on a broken or hostile package.
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, RuntimeError)


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


# --- What a file is by its content ------------------------------------------------------------


def sniff(uploaded_file: Any, max_bytes: int) -> str:
    """The content type that the file's first bytes name (see kind_of; "" for anything else),
    after refusing a file over max_bytes ("too_large").

    Only a first guess: the file must then prove it. Leaves the file at its start.
    """
    _check_size(uploaded_file, max_bytes)
    uploaded_file.seek(0)
    head = uploaded_file.read(HEAD_BYTES)
    uploaded_file.seek(0)
    return kind_of(head)


def kind_of(head: bytes) -> str:
    """The content type that a file's first HEAD_BYTES bytes name (PDF, JPEG, PNG, WebP or a
    zip package); "" for anything else."""
    if head.startswith(RIFF_MAGIC) and head[8:HEAD_BYTES] == WEBP_FORM:
        return WEBP_TYPE
    return next((kind for magic, kind in MAGIC_NUMBERS if head.startswith(magic)), "")


def read_entry(package: zipfile.ZipFile, name: str, limit: int) -> str | None:
    """A small text entry of a zip package; None if it is larger than limit."""
    if package.getinfo(name).file_size > limit:
        return None
    return package.read(name).decode("utf-8", "replace")


def office_type(package: zipfile.ZipFile) -> str | None:
    """The content type of a Word, Excel or PowerPoint package (.docx, .xlsx, .pptx), or None
    for any other package, macro-enabled ones included. Raises one of ZIP_ERRORS if broken."""
    names = set(package.namelist())
    if CONTENT_TYPES_PART not in names:
        return None
    declared = read_entry(package, CONTENT_TYPES_PART, CONTENT_TYPES_MAX_BYTES)
    if declared is None:
        return None
    for office in OFFICE_FORMATS:
        if office.main_part in names and office.main_part_type in declared:
            return office.content_type
    return None


# --- A document: PDF, photo or office file ----------------------------------------------------


def package_type(uploaded_file: Any) -> str | None:
    """The content type of an uploaded Word, Excel or PowerPoint package, or None for a broken
    or any other zip package."""
    try:
        with zipfile.ZipFile(uploaded_file) as package:
            return office_type(package)
    except ZIP_ERRORS:
        return None


def validate_document(
    uploaded_file: Any, max_bytes: int, refused: Callable[[], ValidationError]
) -> str:
    """Check an uploaded document (PDF, JPEG or PNG image, .docx, .xlsx or .pptx) by its
    content and return what it really is; raises ValidationError ("too_large", the parsers'
    codes, or what `refused` builds for any other kind of file).

    Leaves the file at its start, so that it can be saved afterwards.
    """
    content_type = sniff(uploaded_file, max_bytes)
    try:
        if content_type == PDF_TYPE:
            validate_pdf(uploaded_file, max_bytes=max_bytes)
            return content_type
        if content_type in (JPEG_TYPE, PNG_TYPE):
            validate_image(uploaded_file, max_bytes=max_bytes)
            return content_type
        if content_type == ZIP_TYPE and (office := package_type(uploaded_file)):
            return office
    finally:
        uploaded_file.seek(0)
    raise refused()
