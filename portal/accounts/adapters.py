from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation

from portal.outbox.services import queue_email

# The links allauth puts into its mails, and the only part of allauth's context that reaches
# the portal's own mail templates (templates/emails/account/<name>/). Not the user: the name
# typed at sign-up is a stranger's text as long as the address is unconfirmed, and a mail from
# the portal must not carry it to whoever owns the address.
LINKS = ("activate_url", "password_reset_url", "signup_url")


def _on_portal(url: str) -> str:
    """allauth builds links from the request's host; mails link to the portal's own address."""
    parts = urlsplit(url)
    return settings.PORTAL_BASE_URL + parts.path + (f"?{parts.query}" if parts.query else "")


class AccountAdapter(DefaultAccountAdapter):
    """allauth's mails (confirmation, password reset …) go through the outbox like all others,
    with the portal's own texts (kind `account/<allauth's template name>`)."""

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        user = get_user_model().objects.filter(email__iexact=email).first()
        language = user.language if user else translation.get_language() or "de"
        links = {key: _on_portal(context[key]) for key in LINKS if context.get(key)}
        queue_email(
            "account/" + template_prefix.rsplit("/", 1)[-1],
            email,
            {"email": email, **links},
            language=language,
            related=user,
        )
