"""The mail of an information e-mail as each recipient gets it: subject, text and HTML in
the recipient's language, with greeting and unsubscribe link (templates/emails/portal/mailing/).
"""

from __future__ import annotations

from django.utils.html import escape

from portal import markdown
from portal.accounts.models import User
from portal.mailings.models import Mailing
from portal.mailings.unsubscribe import unsubscribe_url
from portal.outbox.services import render_email

KIND = "portal/mailing"
# Test mails look the same but are ordinary single mails of the outbox.
TEST_KIND = "portal/mailing_test"


def _render_with(
    mailing: Mailing,
    bodies: tuple[str, str],
    *,
    link: str,
    language: str,
    recipient_name: str = "",
) -> tuple[str, str, str]:
    body_html, body_text = bodies
    context = {
        "subject": " ".join(mailing.subject.split()),
        "body_html": body_html,
        "body_text": body_text,
        "topic": mailing.topic.name if mailing.topic_id and mailing.topic else "",
        "unsubscribe_url": link,
        "recipient_name": recipient_name,
    }
    return render_email(KIND, context, language)


class Letters:
    """The mails of one mailing, rendered once per language and greeting.

    Rendering three templates for each of many thousand recipients would take longer than
    sending the mails, so the templates are rendered with stand-ins that are then replaced by
    each recipient's name and unsubscribe link (escaped for the HTML). The stand-ins are
    characters of Unicode's private use area, which no text of the portal contains and which
    escaping leaves as they are.
    """

    NAME = "\ue000name\ue001"
    LINK = "\ue000link\ue001"

    def __init__(self, mailing: Mailing, bodies: tuple[str, str]) -> None:
        self.mailing = mailing
        self.bodies = bodies
        self.rendered: dict[tuple[str, bool], tuple[str, str, str]] = {}

    def letter(self, *, link: str, language: str, name: str) -> tuple[str, str, str]:
        """Subject, text and HTML for one recipient, whose unsubscribe link is given."""
        key = (language, bool(name))
        if key not in self.rendered:
            self.rendered[key] = _render_with(
                self.mailing,
                self.bodies,
                link=self.LINK,
                language=language,
                recipient_name=self.NAME if name else "",
            )
        subject, text, html = self.rendered[key]
        text = text.replace(self.LINK, link).replace(self.NAME, name)
        html = html.replace(self.LINK, escape(link)).replace(self.NAME, escape(name))
        return subject, text, html


def render(
    mailing: Mailing,
    *,
    email: str,
    language: str,
    topic_id: int | None,
    recipient_name: str = "",
) -> tuple[str, str, str]:
    """Subject, text and HTML of the mail to one address, in that recipient's language."""
    return _render_with(
        mailing,
        markdown.render(mailing.body),
        link=unsubscribe_url(email, topic_id),
        language=language,
        recipient_name=recipient_name,
    )


def preview(mailing: Mailing, user: User) -> tuple[str, str, str]:
    """The mail as this staff member would get it."""
    return render(
        mailing,
        email=user.email,
        language=user.language,
        topic_id=mailing.topic_id,
        recipient_name=user.full_name,
    )
