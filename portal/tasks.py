from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.utils import timezone

from portal.models import OutboundEmail

logger = logging.getLogger(__name__)

# Seconds to wait before the next try: 1 min, 5 min, 15 min, 1 h, 3 h.
BACKOFF = (60, 300, 900, 3600, 10800)


class DeliveryError(Exception):
    pass


def build_message(email: OutboundEmail, connection=None) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=email.from_email,
        to=[email.to],
        reply_to=[email.reply_to] if email.reply_to else None,
        headers=email.headers or None,
        connection=connection,
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    for attachment in email.attachments.all():
        with attachment.file.open("rb") as handle:
            message.attach(attachment.filename, handle.read(), attachment.mimetype)
    return message


@shared_task(bind=True, acks_late=True, max_retries=len(BACKOFF))
def deliver_email(self, email_id: int) -> str:
    """Send one stored mail exactly once; safe to run twice for the same id."""
    error: Exception | None = None
    with transaction.atomic():
        email = OutboundEmail.objects.select_for_update().filter(pk=email_id).first()
        if email is None:
            return "missing"
        if email.status != OutboundEmail.Status.QUEUED:
            return email.status
        email.attempts += 1
        email.last_attempt_at = timezone.now()
        try:
            build_message(email, connection=get_connection()).send()
        except Exception as exc:
            error = exc
            email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if email.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                email.status = OutboundEmail.Status.FAILED
        else:
            email.status = OutboundEmail.Status.SENT
            email.sent_at = timezone.now()
            email.last_error = ""
        countdown = BACKOFF[min(email.attempts - 1, len(BACKOFF) - 1)]
        email.next_attempt_at = timezone.now() + timedelta(seconds=countdown)
        email.save(
            update_fields=[
                "attempts",
                "last_attempt_at",
                "next_attempt_at",
                "last_error",
                "status",
                "sent_at",
            ]
        )
    if error is not None:
        logger.warning("E-mail %s failed (attempt %s): %s", email_id, email.attempts, error)
        # Run eagerly (no broker), a retry would loop at once; the row stays queued instead
        # and staff can send it again from the outbox in admin.
        if email.status == OutboundEmail.Status.QUEUED and not self.request.is_eager:
            raise self.retry(exc=DeliveryError(str(error)), countdown=countdown)
    return email.status


@shared_task
def requeue_unsent_emails() -> int:
    """Hand again to the queue every mail that waits too long, e.g. after the broker was down."""
    # The grace period leaves the queue time to deliver what it already holds.
    overdue = timezone.now() - timedelta(minutes=5)
    waiting = OutboundEmail.objects.filter(
        status=OutboundEmail.Status.QUEUED, next_attempt_at__lt=overdue
    ).order_by("next_attempt_at")
    ids = list(waiting.values_list("pk", flat=True)[:1000])
    for email_id in ids:
        deliver_email.delay(email_id)
    return len(ids)
