"""Documents an application brings as evidence: which kinds of file, how large, how many.

The name and the content type an upload claims are the browser's; the file must prove by its
content what it is (portal.uploads: the first bytes, then the parser of that kind).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.uploads import PDF_MAX_BYTES, validate_document

MAX_BYTES = PDF_MAX_BYTES
MAX_PER_CRITERION = 5
ACCEPT = ".pdf,.jpg,.jpeg,.png,.docx,.xlsx,.pptx"


def _refused() -> ValidationError:
    return ValidationError(
        _(
            "This kind of file cannot be attached. Please upload a PDF document, a JPEG or PNG "
            "image, or a Word, Excel or PowerPoint file (.docx, .xlsx, .pptx)."
        ),
        code="file_type",
    )


def validate_evidence(uploaded_file: Any) -> str:
    """Check an uploaded document and return what it really is; raises ValidationError."""
    return validate_document(uploaded_file, MAX_BYTES, _refused)
