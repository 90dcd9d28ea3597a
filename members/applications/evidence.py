"""Documents an application brings as evidence: which kinds of file, how large, how many.

The name and the content type an upload claims are the browser's; the file must prove by its
content what it is (portal.uploads: the first bytes, then the parser of that kind).
"""

from __future__ import annotations

import zipfile
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.uploads import (
    DOCX_TYPE,
    JPEG_TYPE,
    PDF_MAX_BYTES,
    PDF_TYPE,
    PNG_TYPE,
    PPTX_TYPE,
    XLSX_TYPE,
    ZIP_ERRORS,
    ZIP_TYPE,
    office_type,
    sniff,
    validate_image,
    validate_pdf,
)

MAX_BYTES = PDF_MAX_BYTES
MAX_PER_CRITERION = 5
ACCEPT = ".pdf,.jpg,.jpeg,.png,.docx,.xlsx,.pptx"
EXTENSIONS = {
    PDF_TYPE: (".pdf",),
    JPEG_TYPE: (".jpg", ".jpeg"),
    PNG_TYPE: (".png",),
    DOCX_TYPE: (".docx",),
    XLSX_TYPE: (".xlsx",),
    PPTX_TYPE: (".pptx",),
}


def _refused() -> ValidationError:
    return ValidationError(
        _(
            "This kind of file cannot be attached. Please upload a PDF document, a JPEG or PNG "
            "image, or a Word, Excel or PowerPoint file (.docx, .xlsx, .pptx)."
        ),
        code="file_type",
    )


def validate_evidence(uploaded_file: Any) -> str:
    """Check an uploaded document and return what it really is; raises ValidationError.

    Leaves the file at its start, so that it can be saved afterwards.
    """
    content_type = sniff(uploaded_file, MAX_BYTES)
    try:
        if content_type == PDF_TYPE:
            validate_pdf(uploaded_file, max_bytes=MAX_BYTES)
            return content_type
        if content_type in (JPEG_TYPE, PNG_TYPE):
            validate_image(uploaded_file, max_bytes=MAX_BYTES)
            return content_type
        if content_type == ZIP_TYPE:
            try:
                with zipfile.ZipFile(uploaded_file) as package:
                    office = office_type(package)
            except ZIP_ERRORS:
                office = None
            if office:
                return office
    finally:
        uploaded_file.seek(0)
    raise _refused()


def download_name(name: str, content_type: str, limit: int = 200) -> str:
    """The uploaded name, ending in the extension of what the file really is (a photo sent as
    "beschluss.pdf" is downloaded as "beschluss.png"), at most limit characters."""
    extensions = EXTENSIONS.get(content_type, ("",))
    if name.lower().endswith(extensions):
        return name[-limit:] if len(name) > limit else name
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return stem[: limit - len(extensions[0])] + extensions[0]
