"""The form "Barriere melden": what did not work, on which page, and how to answer.

Bots are kept out without a picture puzzle (which would itself be a barrier): a field that
people do not see and bots fill in, and a signed time stamp of when the form was shown, so a
form sent back within seconds, or with a forged or very old stamp, is not taken."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.core import signing
from django.urls import Resolver404, resolve
from django.utils.translation import gettext_lazy as _

SIGNING_SALT = "portal.accessibility.report-form"
# A person reads the form and types at least a sentence; a script posts at once.
MIN_SECONDS = 3
# Long enough for someone who types slowly or takes a break.
MAX_SECONDS = 24 * 3600
PAGE_MAX_LENGTH = 500


def form_stamp(now: float | None = None) -> str:
    """The signed time at which the form is shown."""
    return signing.dumps({"t": now if now is not None else time.time()}, salt=SIGNING_SALT)


SECRET_ARGUMENTS = ("token", "key")


def same_site_path(value: str) -> str:
    """`value` if it is a path on this site ("/…", no scheme, no host, no backslash, no control
    characters), else ""."""
    value = value.strip()
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return ""
    if any(ord(character) < 32 or ord(character) == 127 for character in value):
        return ""
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or len(value) > PAGE_MAX_LENGTH:
        return ""
    return _without_secrets(parts.path)


def _without_secrets(path: str) -> str:
    """The path with the secret of a personal link (a guest's or an invitation's token) blanked
    out, so that a report, and the team's mail about it, never opens someone's registration.
    Query strings go too: they can carry addresses (an invitation form prefilled by a link)."""
    try:
        match = resolve(path)
    except Resolver404:
        return path
    for name in SECRET_ARGUMENTS:
        secret = str(match.kwargs.get(name, ""))
        if secret:
            path = path.replace(secret, "…")
    return path


class BarrierReportForm(forms.Form):
    page = forms.CharField(
        label=_("Page on which the barrier occurs"),
        max_length=PAGE_MAX_LENGTH,
        required=False,
        help_text=_("The address of the page within this portal, for example /mitmachen/."),
    )
    description = forms.CharField(
        label=_("What did not work?"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Please describe what you wanted to do and what happened."),
        error_messages={"required": _("Please describe the barrier.")},
    )
    reply_email = forms.EmailField(
        label=_("E-mail address for our answer"),
        required=False,
        help_text=_(
            "If you leave this field empty, your report is anonymous and we cannot answer you."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    # The honeypot: hidden from people (and screen readers) by the template, filled by bots.
    homepage = forms.CharField(label=_("Leave this field empty"), required=False)
    started = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, now: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.now = now if now is not None else time.time()

    def clean_page(self) -> str:
        page = self.cleaned_data["page"]
        if page and not same_site_path(page):
            raise forms.ValidationError(
                _("Please enter the address of a page of this portal, starting with /."),
                code="not_same_site",
            )
        return same_site_path(page) if page else ""

    def is_trap_filled(self) -> bool:
        return bool(self.data.get(self.add_prefix("homepage"), "").strip())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        try:
            shown = float(
                signing.loads(cleaned.get("started") or "", salt=SIGNING_SALT, max_age=MAX_SECONDS)[
                    "t"
                ]
            )
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            raise forms.ValidationError(
                _(
                    "The form was open for too long or could not be checked. Your entries are "
                    "still here: please send the form again."
                ),
                code="stale",
            ) from None
        if self.now - shown < MIN_SECONDS:
            raise forms.ValidationError(
                _(
                    "The form was sent very quickly after it was opened. Please check your "
                    "entries and send it again."
                ),
                code="too_fast",
            )
        return cleaned
