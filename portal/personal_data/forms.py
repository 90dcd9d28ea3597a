"""The form that asks for the password before an account is deleted."""

from __future__ import annotations

from typing import Any

from allauth.core import ratelimit
from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.accounts.models import User


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Your current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=gettext_lazy("To make sure that it is you who deletes the account."),
        error_messages={"required": gettext_lazy("Please enter your password.")},
    )
    understood = forms.BooleanField(
        label=gettext_lazy("I understand that my account is deleted for good."),
        error_messages={
            "required": gettext_lazy("Please confirm that you want to delete your account.")
        },
    )

    def __init__(self, *args: Any, user: User, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.request = request

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        # allauth's limit for asking logged-in people for their password again.
        if not ratelimit.consume(self.request, action="reauthenticate", user=self.user):
            raise forms.ValidationError(
                _("Too many attempts. Please wait a minute and try again."), code="rate_limited"
            )
        if not self.user.check_password(password):
            raise forms.ValidationError(_("The password is not correct."), code="wrong_password")
        return password
