"""Forms of the account admin."""

from __future__ import annotations

from django.contrib.auth.forms import AdminPasswordChangeForm, SetUnusablePasswordMixin
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _


class PasswordChangeForm(AdminPasswordChangeForm):
    # Django's page puts this help text into a <p>; its own text holds a <ul> there, which is
    # not valid HTML. The same words without the list.
    usable_password_help_text = format_lazy(  # type: ignore[assignment]
        "{} {}",
        SetUnusablePasswordMixin.usable_password_help_text,
        _("If disabled, the current password for this user will be lost."),
    )
