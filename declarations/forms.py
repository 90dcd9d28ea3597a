from __future__ import annotations

import datetime
import hashlib
import re
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.db import models
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from declarations.models import CODE_ALPHABET, DeclarationVersion, Signature
from declarations.services import SignatureData
from portal.uploads import PDF_MAGIC, validate_pdf
from portal.widgets import ISO_DATE, DateInput


def _max_length(name: str) -> int | None:
    return cast(models.CharField, Signature._meta.get_field(name)).max_length


class SignatureForm(forms.Form):
    """Who signed the declaration, where and when; the service decides whether it counts."""

    signatory_name = forms.CharField(
        label=_("Name of the signatory"),
        max_length=_max_length("signatory_name"),
        help_text=_("As on the signed declaration, for example: Dr. Erika Mustermann."),
        error_messages={"required": _("Please enter the name of the person who signs.")},
    )
    signatory_office = forms.CharField(
        label=_("Office of the signatory"),
        max_length=_max_length("signatory_office"),
        help_text=_("For example: Mayor, Lord Mayor or District Administrator."),
        error_messages={"required": _("Please enter the office of the person who signs.")},
    )
    place = forms.CharField(
        label=_("Place of signing"),
        max_length=_max_length("place"),
        error_messages={"required": _("Please enter the place of signing.")},
    )
    signed_on = forms.DateField(
        label=_("Date of signing"),
        input_formats=[ISO_DATE, "%d.%m.%Y"],
        widget=DateInput(),
        error_messages={
            "required": _("Please enter the date of signing."),
            "invalid": _("Please enter a valid date."),
        },
    )
    authorisation_confirmed = forms.BooleanField(
        label=_("The signatory is authorised to sign for the municipality."),
        help_text=_(
            "Usually the head of administration signs; anyone else needs the authority to "
            "represent the municipality."
        ),
        error_messages={
            "required": _(
                "Please confirm that the signatory is authorised to sign for the municipality."
            )
        },
    )
    scan = forms.FileField(
        label=_("Scan of the signed declaration"),
        required=False,
        help_text=_("If the declaration was signed on paper. PDF only, at most 10 MB."),
        validators=[validate_pdf],
        widget=forms.FileInput(attrs={"accept": "application/pdf"}),
    )

    def __init__(
        self, *args: Any, version: DeclarationVersion, head_signs: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.version = version
        today = timezone.localdate()
        date_field = self.fields["signed_on"]
        date_field.initial = today
        date_field.widget.attrs["max"] = today.strftime(ISO_DATE)
        if version.published_on:
            date_field.widget.attrs["min"] = version.published_on.strftime(ISO_DATE)
        if head_signs:
            # The head of administration signs for themselves: that is the authority.
            confirmation = self.fields["authorisation_confirmed"]
            confirmation.required = False
            confirmation.initial = True

    def clean_signed_on(self) -> datetime.date:
        signed_on: datetime.date = self.cleaned_data["signed_on"]
        if signed_on > timezone.localdate():
            raise forms.ValidationError(_("The date of signing cannot be in the future."))
        published_on = self.version.published_on
        if published_on and signed_on < published_on:
            raise forms.ValidationError(
                _("The date of signing cannot be before the version was published (%(published)s).")
                % {"published": date_format(published_on, "SHORT_DATE_FORMAT")}
            )
        return signed_on

    def signature_data(self) -> SignatureData:
        data = self.cleaned_data
        return SignatureData(
            signatory_name=data["signatory_name"],
            signatory_office=data["signatory_office"],
            place=data["place"],
            signed_on=data["signed_on"],
            authorisation_confirmed=bool(data.get("authorisation_confirmed")),
            scan=data.get("scan") or None,
        )


# --- Verification: the code and the compared file ------------------------------------------

MAX_UPLOAD_BYTES = 20 * 1024 * 1024

# Spaces and every kind of dash a code may pick up when it is copied from a PDF or typed.
_SEPARATORS = re.compile(r"[\s\u200b\u00ad\-\u2010-\u2015\u2212]+")


def normalise_code(value: str) -> str | None:
    """The code in its canonical form ("ABCD-EFGH-JKMN"), or None if it cannot be one.

    Accepts lower case, spaces and dashes anywhere ("abcd efgh jkmn", "ABCDEFGHJKMN").
    """
    raw = _SEPARATORS.sub("", value).upper()
    if len(raw) != 12 or any(char not in CODE_ALPHABET for char in raw):
        return None
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"),
        max_length=40,
        help_text=_(
            "You find the code on the signed declaration, next to the QR code. "
            "It has twelve letters and digits, for example ABCD-EFGH-JKMN."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )

    def clean_code(self) -> str:
        code = normalise_code(self.cleaned_data["code"])
        if code is None:
            raise ValidationError(
                _(
                    "This is not a verification code. A code has twelve letters and digits, "
                    "for example ABCD-EFGH-JKMN."
                ),
                code="format",
            )
        if not Signature.objects.filter(verification_code=code).exists():
            raise ValidationError(
                _("No signed declaration has this verification code. Please check the code."),
                code="unknown",
            )
        return code


class DigestedUpload(UploadedFile):
    """What is kept of an uploaded file: name, size, first bytes and SHA-256, not the content."""

    def __init__(self, name: str, content_type: str | None, charset: str | None) -> None:
        super().__init__(file=None, name=name, content_type=content_type, size=0, charset=charset)
        self.received = 0
        self.head = b""
        self.sha256 = ""
        self.digest = hashlib.sha256()

    @property
    def too_large(self) -> bool:
        return self.received > MAX_UPLOAD_BYTES

    def close(self) -> None:
        """Called when the request ends, as for any upload; there is nothing to close."""


class DigestUploadHandler(FileUploadHandler):
    """Hashes each uploaded file chunk by chunk and keeps nothing of it but its first bytes.

    Past MAX_UPLOAD_BYTES it only counts, so that a huge upload costs neither memory nor disk.
    """

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.upload = DigestedUpload(self.file_name or "", self.content_type, self.charset)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        upload = self.upload
        upload.received += len(raw_data)
        upload.size = upload.received
        if not upload.too_large:
            upload.digest.update(raw_data)
            if len(upload.head) < len(PDF_MAGIC):
                upload.head = (upload.head + raw_data)[: len(PDF_MAGIC)]
        return None  # the chunk goes to no other handler: nothing is stored

    def file_complete(self, file_size: int) -> DigestedUpload:
        upload = self.upload
        if not upload.too_large:
            upload.sha256 = upload.digest.hexdigest()
        return upload


class CompareForm(forms.Form):
    document = forms.FileField(
        label=_("PDF file of the signed declaration"),
        widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["document"].help_text = gettext(
            "PDF only, at most %(limit)s. The file is compared and not stored."
        ) % {"limit": filesizeformat(MAX_UPLOAD_BYTES)}

    def clean_document(self) -> DigestedUpload:
        upload = self.cleaned_data["document"]
        if not isinstance(upload, DigestedUpload):  # only if the upload handler was not used
            raise ValidationError(_("The file could not be read. Please try again."))
        if upload.too_large:
            raise ValidationError(
                _("The file is too large. Please upload a file of at most %(limit)s."),
                code="too_large",
                params={"limit": filesizeformat(MAX_UPLOAD_BYTES)},
            )
        if upload.head != PDF_MAGIC:
            raise ValidationError(
                _(
                    "This file is not a PDF document. Please choose the PDF file of the "
                    "signed declaration."
                ),
                code="not_pdf",
            )
        return upload
