from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from declarations.models import DeclarationVersion, Signature
from declarations.services import SignatureData
from portal.uploads import validate_pdf

ISO_DATE = "%Y-%m-%d"  # what <input type="date"> sends and expects, whatever the language


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
        widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE),
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
