"""The portal's one way to send e-mail: store the mail, then let Celery deliver it.

Each kind of mail has three templates under templates/emails/<kind>/: subject.txt,
body.txt and body.html. They are rendered in the recipient's language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict, Unpack

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.template.loader import render_to_string
from django.utils import translation

from portal.outbox.models import OutboundEmail, OutboundEmailAttachment
from portal.outbox.tasks import deliver_email
from portal.queueing import enqueue_on_commit


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str


class EmailFields(TypedDict):
    """What a mail is made of: the arguments of unsaved_email and store_email."""

    kind: str
    to: str
    subject: str
    body_text: str
    body_html: str
    language: str
    related: NotRequired[models.Model | None]
    headers: NotRequired[Mapping[str, str] | None]


def render_email(kind: str, context: Mapping[str, Any], language: str) -> tuple[str, str, str]:
    """Render subject, text and HTML of one kind of mail in the given language."""
    full_context = {"portal_base_url": settings.PORTAL_BASE_URL, **context}
    with translation.override(language):
        subject = render_to_string(f"emails/{kind}/subject.txt", full_context)
        text = render_to_string(f"emails/{kind}/body.txt", full_context)
        html = render_to_string(f"emails/{kind}/body.html", full_context)
    return " ".join(subject.split()), text.strip() + "\n", html


def queue_email(
    kind: str,
    to: str,
    context: Mapping[str, Any],
    *,
    language: str | None = None,
    related: models.Model | None = None,
    attachments: Iterable[Attachment] = (),
    headers: Mapping[str, str] | None = None,
) -> OutboundEmail:
    """Store one rendered mail and have it sent once the current transaction commits."""
    language = language or settings.LANGUAGE_CODE
    subject, text, html = render_email(kind, context, language)
    return store_email(
        kind=kind,
        to=to,
        subject=subject,
        body_text=text,
        body_html=html,
        language=language,
        related=related,
        attachments=attachments,
        headers=headers,
    )


def queue_email_to_user(kind: str, user: Any, context: Mapping[str, Any], **kwargs: Any):
    """Like queue_email, addressed to a user in the language the user chose."""
    return queue_email(
        kind, user.email, {"recipient": user, **context}, language=user.language, **kwargs
    )


def store_email(
    *, attachments: Iterable[Attachment] = (), **fields: Unpack[EmailFields]
) -> OutboundEmail:
    """Store one mail that is already rendered and have it sent once the transaction commits."""
    # Within a caller's transaction the mail is part of it: no savepoint (two round trips,
    # often under a row lock such as an event's), as nobody carries on after a failed insert.
    with transaction.atomic(savepoint=False):
        email = unsaved_email(**fields)
        email.save()
        for attachment in attachments:
            stored = OutboundEmailAttachment(
                email=email, filename=attachment.filename, mimetype=attachment.mimetype
            )
            stored.file.save(attachment.filename, ContentFile(attachment.content), save=True)
        schedule_delivery(email.pk)
    return email


def unsaved_email(
    *,
    kind: str,
    to: str,
    subject: str,
    body_text: str,
    body_html: str,
    language: str,
    related: models.Model | None = None,
    headers: Mapping[str, str] | None = None,
) -> OutboundEmail:
    """An outbox row from the portal's sender, not yet saved and not scheduled.

    For senders that store many rows at once with bulk_create and deliver them themselves
    (the batches of information e-mails); everyone else uses queue_email or store_email.
    """
    return OutboundEmail(
        kind=kind,
        to=to,
        from_email=settings.DEFAULT_FROM_EMAIL,
        reply_to=settings.PORTAL_REPLY_TO_EMAIL,
        subject=subject[:300],
        body_text=body_text,
        body_html=body_html,
        headers=dict(headers or {}),
        language=language,
        related_type=ContentType.objects.get_for_model(related) if related else None,
        related_id=str(related.pk) if related else "",
    )


def schedule_delivery(email_id: int) -> None:
    # Queued only after commit: a worker must never look for a row that is not there yet.
    enqueue_on_commit(deliver_email, email_id)
