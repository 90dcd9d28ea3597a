"""Delivery of the stored mails: claim a row, send it outside any transaction, record the
outcome. The batches of information e-mails (portal.mailings.batches) use the same steps."""

from __future__ import annotations

import contextlib
import logging
import smtplib
from collections.abc import Iterable
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from celery import shared_task
from django.conf import settings
from django.core.mail import BadHeaderError, EmailMultiAlternatives, get_connection, make_msgid
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from portal.outbox.models import FailedAddress, OutboundEmail, OutboundEmailQuerySet

logger = logging.getLogger(__name__)

# Seconds to wait before the next try: 1 min, 5 min, 15 min, 1 h, 3 h.
BACKOFF = (60, 300, 900, 3600, 10800)

# Every mail of the portal is written by a machine (RFC 3834): vacation responders and other
# automatic replies should leave it alone.
AUTOMATIC = {"Auto-Submitted": "auto-generated"}
# A mail with an unsubscribe header (RFC 2369) goes to a list: the information e-mails. After
# each mailing, out-of-office replies of the member administrations would flood the team;
# Exchange and Outlook heed X-Auto-Response-Suppress, most others Precedence.
LIST_MAIL = {"Precedence": "bulk", "X-Auto-Response-Suppress": "All"}


class DeliveryError(Exception):
    pass


def portal_domain() -> str:
    """The portal's host name: Message-IDs end in it, not in the name of the machine (a
    container's id in Docker) that happens to send."""
    return urlsplit(settings.PORTAL_BASE_URL).hostname or "localhost"


def message_headers(email: OutboundEmail) -> dict[str, str]:
    """The headers every mail of the portal gets, then those stored with the mail."""
    stored = dict(email.headers or {})
    headers = dict(AUTOMATIC)
    if any(name.lower() == "list-unsubscribe" for name in stored):
        headers.update(LIST_MAIL)
    headers.update(stored)
    if not any(name.lower() == "message-id" for name in headers):
        headers["Message-ID"] = make_msgid(domain=portal_domain())
    return headers


def build_message(email: OutboundEmail, connection=None) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=email.from_email,
        to=[email.to],
        reply_to=[email.reply_to] if email.reply_to else None,
        headers=message_headers(email),
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


def send_timeout() -> float:
    return float(getattr(settings, "EMAIL_TIMEOUT", None) or 20)


def claim_seconds() -> float:
    """How long a sender holds the mails it marked as being sent. Long enough for several
    slow answers of the mail server, short enough that the mails of a killed worker go out
    again soon."""
    return max(10.0, 6 * send_timeout())


def claim(
    candidates: OutboundEmailQuerySet, seconds: float, limit: int | None = None
) -> tuple[datetime, list[OutboundEmail]]:
    """Mark up to `limit` claimable candidates as being sent, in one short transaction.

    Each taken mail counts an attempt, and until `seconds` have passed nobody else may take
    it (next_attempt_at holds the end of the claim). FOR UPDATE SKIP LOCKED lets two senders
    that claim at the same moment take different mails instead of waiting for each other.
    Returns the claim's time, which the outcome must name, and the taken mails in the
    candidates' order.
    """
    claimed_at = timezone.now()
    with transaction.atomic():
        locked = (
            candidates.claimable(claimed_at)
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)
        )
        ids = list(locked[:limit] if limit is not None else locked)
        # Checked again in the UPDATE: SQLite has no row locks, it only serialises writes.
        OutboundEmail.objects.filter(pk__in=ids).claimable(claimed_at).update(
            status=OutboundEmail.Status.SENDING,
            attempts=F("attempts") + 1,
            last_attempt_at=claimed_at,
            next_attempt_at=claimed_at + timedelta(seconds=seconds),
        )
    position = {email_id: index for index, email_id in enumerate(ids)}
    taken = held(claimed_at, ids).prefetch_related("attachments")
    return claimed_at, sorted(taken, key=lambda email: position[email.pk])


def held(claimed_at: datetime, ids: Iterable[int]) -> QuerySet[OutboundEmail]:
    """Those of the mails that are still being sent under the claim made at claimed_at."""
    return OutboundEmail.objects.filter(
        pk__in=list(ids), status=OutboundEmail.Status.SENDING, last_attempt_at=claimed_at
    )


def send_one(email: OutboundEmail, connection) -> Exception | None:
    """Send a claimed mail and set the outcome on it (not saved; see record_outcome).

    A permanent refusal fails the row at once and marks the address; a mail that cannot be
    built (a line break in a header) fails at once too; other errors put it back in the queue
    for a retry with backoff until OUTBOX_MAX_ATTEMPTS. The error is returned.
    """
    error: Exception | None = None
    try:
        if not build_message(email, connection=connection).send():
            # Django's backends say so instead of raising when opened with fail_silently.
            raise DeliveryError("The mail backend sent nothing.")
    except Exception as exc:
        error = exc
        email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        email.status = OutboundEmail.Status.QUEUED
        if is_permanent_failure(exc):
            email.status = OutboundEmail.Status.FAILED
            record_failed_address(email.to, email.last_error)
        elif isinstance(exc, BadHeaderError) or email.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            email.status = OutboundEmail.Status.FAILED
    else:
        email.status = OutboundEmail.Status.SENT
        email.sent_at = timezone.now()
        email.last_error = ""
    email.next_attempt_at = timezone.now() + timedelta(seconds=retry_countdown(email.attempts))
    return error


def record_outcome(email: OutboundEmail, claimed_at: datetime) -> bool:
    """Store what send_one set on the mail, in a short transaction of its own, if the claim
    made at claimed_at still holds it (False: it ran out and another sender took the mail).

    The ORM writes the claim's time in the form the database stored it in; a hand-written
    comparison with an aware datetime never matched on SQLite (issue #15).
    """
    return bool(
        held(claimed_at, [email.pk]).update(
            status=email.status,
            sent_at=email.sent_at,
            last_error=email.last_error,
            next_attempt_at=email.next_attempt_at,
        )
    )


@shared_task(bind=True, acks_late=True, max_retries=len(BACKOFF))
def deliver_email(self, email_id: int) -> str:
    """Send one stored mail once; safe to run twice for the same id.

    Three steps, so that no row lock is held while the mail server answers: claim the row
    (committed), send outside any transaction, record the outcome. A worker killed in between
    leaves the row "sending"; once the claim ran out it is claimable again (the beat's sweep
    hands it over), so only a mail in flight at the kill can go out twice.
    """
    claimed_at, emails = claim(OutboundEmail.objects.filter(pk=email_id), claim_seconds())
    if not emails:
        status = OutboundEmail.objects.filter(pk=email_id).values_list("status", flat=True)
        return status.first() or "missing"
    (email,) = emails
    error = send_one(email, get_connection())
    if not record_outcome(email, claimed_at):
        logger.warning("E-mail %s: the claim ran out while it was sent.", email_id)
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
    """Hand again to the queue every mail that waits too long, e.g. after the broker was down,
    and every mail whose sender died while sending it (its claim ran out)."""
    # The grace period leaves the queue time to deliver what it already holds.
    overdue = timezone.now() - timedelta(minutes=5)
    waiting = OutboundEmail.objects.filter(
        status__in=OutboundEmail.UNFINISHED, next_attempt_at__lt=overdue
    ).order_by("next_attempt_at")
    ids = list(waiting.values_list("pk", flat=True)[:1000])
    for email_id in ids:
        deliver_email.delay(email_id)
    return len(ids)
