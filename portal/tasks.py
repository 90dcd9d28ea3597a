from __future__ import annotations

import contextlib
import logging
import smtplib
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal import mailings, mime
from portal.models import FailedAddress, OutboundEmail

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


def retry_countdown(attempts: int) -> int:
    return BACKOFF[min(attempts - 1, len(BACKOFF) - 1)]


def is_permanent_failure(error: Exception) -> bool:
    """Whether the recipient's server refused the address or the mail for good (5xx).

    A refused sender, failed login or broken connection says nothing about the recipient and
    is retried like any other temporary error.
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    if isinstance(error, smtplib.SMTPDataError):
        return 500 <= error.smtp_code < 600
    return False


def record_failed_address(email: str, reason: str) -> None:
    """Open (or refresh) the failure of an address, so that mailings skip it until fixed."""
    now = timezone.now()
    open_failures = FailedAddress.objects.filter(email__iexact=email, cleared_at__isnull=True)
    if open_failures.update(reason=reason, failed_at=now):
        return
    # IntegrityError: another worker recorded the same address a moment ago.
    with contextlib.suppress(IntegrityError), transaction.atomic():
        FailedAddress.objects.create(email=email, reason=reason, failed_at=now)


# The fields send_one sets; whoever counted the attempt saves them.
OUTCOME_FIELDS = ("status", "sent_at", "last_error", "next_attempt_at")


def _direct_bytes(email: OutboundEmail, connection) -> bytes | None:
    """The mail's bytes for sending over SMTP directly, if it has the common shape."""
    if not mime.can_send_directly(connection) or email.attachments.all():
        return None
    return mime.encode(email)


def send_one(email: OutboundEmail, connection) -> Exception | None:
    """Send a row whose attempt is counted already and set the outcome on it (not saved).

    A permanent refusal fails the row at once and marks the address; other errors leave it
    queued for a retry with backoff until OUTBOX_MAX_ATTEMPTS. The error is returned.
    """
    error: Exception | None = None
    try:
        data = _direct_bytes(email, connection)
        if data is None:
            build_message(email, connection=connection).send()
        else:
            mime.send(connection, email, data)
    except Exception as exc:
        error = exc
        email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if is_permanent_failure(exc):
            email.status = OutboundEmail.Status.FAILED
            record_failed_address(email.to, email.last_error)
        elif email.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            email.status = OutboundEmail.Status.FAILED
    else:
        email.status = OutboundEmail.Status.SENT
        email.sent_at = timezone.now()
        email.last_error = ""
    email.next_attempt_at = timezone.now() + timedelta(seconds=retry_countdown(email.attempts))
    return error


@shared_task(bind=True, acks_late=True, max_retries=len(BACKOFF))
def deliver_email(self, email_id: int) -> str:
    """Send one stored mail exactly once; safe to run twice for the same id."""
    with transaction.atomic():
        email = OutboundEmail.objects.select_for_update().filter(pk=email_id).first()
        if email is None:
            return "missing"
        if email.status != OutboundEmail.Status.QUEUED:
            return email.status
        if mailings.held_by_a_batch(email):
            return "held by a batch"  # its batch sends it (or gives it back)
        email.attempts += 1
        email.last_attempt_at = timezone.now()
        error = send_one(email, get_connection())
        email.save(update_fields=["attempts", "last_attempt_at", *OUTCOME_FIELDS])
    if error is not None:
        logger.warning("E-mail %s failed (attempt %s): %s", email_id, email.attempts, error)
        # Run eagerly (no broker), a retry would loop at once; the row stays queued instead
        # and staff can send it again from the outbox in admin.
        if email.status == OutboundEmail.Status.QUEUED and not self.request.is_eager:
            countdown = retry_countdown(email.attempts)
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


# --- Information e-mails (portal.mailings holds the logic) ------------------------------------


@shared_task(bind=True, acks_late=True)
def start_mailing(self, mailing_id: int) -> int:
    """Fix the recipients of a mailing that is being sent and store one mail for each."""
    # Run eagerly, a batch would send at once and return before the fan-out is done.
    return mailings.fan_out(mailing_id, batches_alongside=not self.request.is_eager)


@shared_task(bind=True, acks_late=True)
def send_mailing_batch(self, mailing_id: int) -> int:
    """Send the next batch of a mailing over one connection, then queue the next batch."""
    handled = 0
    while True:
        batch = mailings.send_batch(mailing_id)
        handled += batch.handled
        if batch.pause is None:
            return handled
        if not self.request.is_eager:
            # The pause keeps the configured rate; a new message rather than a sleep keeps
            # the worker free for other mail in between.
            self.apply_async((mailing_id,), countdown=batch.pause)
            return handled
        # Without a broker (the newcomer's set-up) the mailing goes out at once, as long as
        # the batches get anywhere; mails that have to wait stay queued.
        if batch.handled == 0 or batch.server_trouble:
            return handled


@shared_task
def send_scheduled_mailings() -> int:
    """Start the mailings whose time has come; resume mailings whose worker died."""
    started = mailings.start_due_mailings()
    mailings.resume_stalled_mailings()
    return started
