from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext

from portal.outbox.services import store_email


@dataclass(frozen=True)
class PortalSite:
    """What allauth's mail templates need of a site (the portal has no django.contrib.sites)."""

    name: str
    domain: str


class AccountAdapter(DefaultAccountAdapter):
    """allauth's mails (confirmation, password reset …) go through the outbox like all others."""

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        user = get_user_model().objects.filter(email__iexact=email).first()
        language = user.language if user else translation.get_language() or "de"
        with translation.override(language):
            site = PortalSite(
                name=gettext("Kommunen-Netzwerk: engagiert in NRW"),
                domain=urlsplit(settings.PORTAL_BASE_URL).netloc,
            )
            message = self.render_mail(
                template_prefix, email, {"email": email, "current_site": site, **context}
            )
            text = message.body
            html = render_to_string(
                "emails/account_layout.html", {"text": text, "subject": message.subject}
            )
        kind = "account/" + template_prefix.rsplit("/", 1)[-1]
        store_email(
            kind=kind,
            to=email,
            subject=message.subject,
            body_text=text,
            body_html=html,
            language=language,
            related=user,
        )
