"""The form of the people page: inviting a colleague."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from members.people.models import Affiliation


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("E-mail address"),
        max_length=254,
        help_text=gettext_lazy(
            "We send the invitation link to this address. The person logs in or registers "
            "with this address to accept it."
        ),
    )
    role = forms.ChoiceField(
        label=gettext_lazy("Role"),
        choices=Affiliation.Role.choices,
        initial=Affiliation.Role.COLLEAGUE,
        widget=forms.RadioSelect,
    )

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()
