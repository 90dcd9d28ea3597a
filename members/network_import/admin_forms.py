"""The forms of the page "Netzwerk importieren": the upload, and the confirmation of a preview."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from members.network_import.reading import MAX_BYTES

SHA256 = re.compile(r"^[0-9a-f]{64}$")


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "An Excel workbook (XLSX) with the sheets Mitglieder, Unterzeichnungen and Partner, "
            "or one CSV file of one of them (semicolon or comma, UTF-8 or Windows-1252). At "
            "most %(size)s MB. Nothing is stored before you confirm the preview."
        )
        % {"size": MAX_BYTES // (1024 * 1024)},
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    create_versions = forms.BooleanField(
        label=_("Create versions the portal does not know as historical versions"),
        required=False,
        help_text=_(
            "Historical versions are published on the date of their first signature, are "
            "never the current version and ask nobody to sign them."
        ),
    )


class ConfirmForm(forms.Form):
    """What the preview hands on: the stored file by its checksum, and the one choice."""

    sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)
    file_name = forms.CharField(widget=forms.HiddenInput, max_length=255)
    create_versions = forms.BooleanField(widget=forms.HiddenInput, required=False)

    def clean_sha256(self) -> str:
        value = self.cleaned_data["sha256"]
        if not SHA256.match(value):
            raise forms.ValidationError(_("The preview has expired. Please upload the file again."))
        return value
