"""The forms of the admin pages of declarations (declarations.admin_signatures)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.uploads import JPEG_TYPE, PDF_MAX_BYTES, PDF_TYPE, PNG_TYPE, validate_document

# A later scan of a paper signature: a PDF or a photo of the pages.
SCAN_TYPES = {PDF_TYPE: ".pdf", JPEG_TYPE: ".jpg", PNG_TYPE: ".png"}


class SupersedeForm(forms.Form):
    reason = forms.CharField(
        label=_("reason"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80, "class": "vLargeTextField"}),
        help_text=_(
            "Why the signature is not valid, for example a wrong signatory or date. The reason "
            "stays in the history of the signature; the municipality can then sign this "
            "version again."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = gettext("Please give the reason.")


def _not_a_scan() -> ValidationError:
    return ValidationError(
        _("This file is neither a PDF nor a JPEG or PNG image. Please upload the scan as one."),
        code="not_scan",
    )


class ScanForm(forms.Form):
    """A later scan of a signature made on paper (staff, in admin)."""

    scan = forms.FileField(
        label=_("Scan of the signed declaration"),
        help_text=_(
            "PDF, JPEG or PNG, at most 10 MB. A scan uploaded earlier is replaced. Only staff "
            "can download it."
        ),
        widget=forms.FileInput(attrs={"accept": ",".join(SCAN_TYPES)}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scan"].error_messages["required"] = gettext("Please choose the scan.")
        self.fields["scan"].error_messages["empty"] = gettext("The file is empty.")

    def clean_scan(self) -> Any:
        scan = self.cleaned_data["scan"]
        # Word or Excel files pass the document check, but are no scan.
        content_type = validate_document(scan, PDF_MAX_BYTES, _not_a_scan)
        if content_type not in SCAN_TYPES:
            raise _not_a_scan()
        self.extension = SCAN_TYPES[content_type]
        return scan
