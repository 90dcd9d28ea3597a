"""The forms of the admin pages of declarations (declarations.admin_signatures)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


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
