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

Videos (`validate_video`: MP4 by its 'ftyp' box, WebM by its EBML header naming the document
type "webm") and WebVTT captions (`validate_webvtt`) are checked by their content as well.
"""

from __future__ import annotations

import re
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

VIDEO_MAX_BYTES = 200 * 1024 * 1024
CAPTIONS_MAX_BYTES = 1024 * 1024
PDF_TYPE = "application/pdf"
JPEG_TYPE = "image/jpeg"
PNG_TYPE = "image/png"
WEBP_TYPE = "image/webp"
ZIP_TYPE = "application/zip"
MP4_TYPE = "video/mp4"
WEBM_TYPE = "video/webm"
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
# An MP4 file starts with a box of any size whose type, at byte 4, is 'ftyp', followed by the
# major brand. HEIF and AVIF images are ISO files too; their brands are not videos.
MP4_BOX = b"ftyp"
IMAGE_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"mif1", b"msf1", b"avif", b"avis"})
# A WebM file is an EBML document whose header, in the first bytes, names the type "webm"
# (a Matroska file names "matroska" and is not accepted).
EBML_MAGIC = b"\x1a\x45\xdf\xa3"
EBML_HEADER_BYTES = 64
WEBM_DOCTYPE = b"\x42\x82\x84webm"


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


# --- Videos and captions ------------------------------------------------------------------------


def validate_video(uploaded_file: Any, max_bytes: int = VIDEO_MAX_BYTES) -> str:
    """Accept an MP4 or WebM video of at most max_bytes; return its content type.

    Only the container's header is read: decoding the video is the browser's work, and a file
    whose header is right but whose content is broken harms nobody but the page's viewers."""
    _check_size(uploaded_file, max_bytes)
    uploaded_file.seek(0)
    try:
        head = uploaded_file.read(EBML_HEADER_BYTES)
    finally:
        uploaded_file.seek(0)
    if head[4:8] == MP4_BOX and head[8:12] not in IMAGE_BRANDS:
        return MP4_TYPE
    if head.startswith(EBML_MAGIC) and WEBM_DOCTYPE in head:
        return WEBM_TYPE
    raise ValidationError(
        _("This file is not a video in the format MP4 or WebM. Please upload an MP4 or WebM file."),
        code="not_video",
    )


WEBVTT_SIGNATURE = re.compile(r"\AWEBVTT(?:[ \t][^\r\n]*)?(?:\r\n|\r|\n|\Z)")
# What looks like a tag: '<' then anything but '<' and '>' up to the next '>'.
CUE_TAG = re.compile(r"<([^<>]*)>")
CUE_TIMESTAMP = re.compile(r"\A(?:\d{2,}:)?[0-5]\d:[0-5]\d\.\d{3}\Z")
# The tags WebVTT itself defines for cue text (class, italic, bold, underline, ruby, voice, lang).
WEBVTT_TAGS = frozenset({"c", "i", "b", "u", "ruby", "rt", "v", "lang"})


def validate_webvtt(uploaded_file: Any, max_bytes: int = CAPTIONS_MAX_BYTES) -> None:
    """Accept a WebVTT caption file: UTF-8, starting with "WEBVTT", and no markup beyond the
    cue tags WebVTT defines (an HTML tag such as <script> or <img> is refused)."""
    _check_size(uploaded_file, max_bytes)
    uploaded_file.seek(0)
    try:
        raw = uploaded_file.read()
    finally:
        uploaded_file.seek(0)
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise ValidationError(
            _("The caption file is not saved as UTF-8 text. Please save it as UTF-8."),
            code="not_utf8",
        ) from None
    if not WEBVTT_SIGNATURE.match(text):
        raise ValidationError(
            _('This is not a WebVTT caption file: its first line must be "WEBVTT".'),
            code="not_webvtt",
        )
    for match in CUE_TAG.finditer(text):
        inner = match.group(1).strip()
        if CUE_TIMESTAMP.match(inner):
            continue
        name = re.split(r"[\s.]", inner.removeprefix("/"), maxsplit=1)[0]
        if name not in WEBVTT_TAGS:
            raise ValidationError(
                _(
                    "The caption file contains the tag %(tag)s, which WebVTT does not allow. "
                    "Please remove it."
                ),
                code="caption_markup",
                params={"tag": f"<{inner[:30]}>"},
            )
