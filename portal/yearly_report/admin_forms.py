"""The request form of the yearly report: which year, in which language."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The network began long before the portal; earlier years have no records in it.
FIRST_YEAR = 2000


class ReportRequestForm(forms.Form):
    # A text field that asks for digits: a number field could not show a wrong entry again as
    # it was typed (its value must be a number), and what was typed is never lost.
    year = forms.IntegerField(
        label=_("Year"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 6}),
        error_messages={
            "required": _("Please enter the year of the report."),
            "invalid": _("Please enter the year as a number, for example 2026."),
        },
    )
    language = forms.ChoiceField(
        label=_("Language"), choices=settings.LANGUAGES, initial=settings.LANGUAGE_CODE
    )

    def clean_year(self) -> int:
        year: int = self.cleaned_data["year"]
        this_year = timezone.localdate().year
        if not FIRST_YEAR <= year <= this_year:
            raise forms.ValidationError(
                _("Please choose a year from %(first)s to %(last)s.")
                % {"first": FIRST_YEAR, "last": this_year}
            )
        return year
