"""Sending a mailing's stored mails in batches, each over one SMTP connection.

A batch (task send_mailing_batch) claims up to MAILING_BATCH_SIZE due mails of the mailing the
way the outbox claims one (portal.outbox.tasks.claim: marked "sending" in one short
transaction, FOR UPDATE SKIP LOCKED, an attempt counted), sends them over one SMTP connection
outside any transaction and records each outcome by an UPDATE that commits right after the
server answered. Two batches never claim the same mail, and a mail marked sent is never sent
again. The next batch is queued with a pause that keeps MAILING_RATE_PER_MINUTE.
MAILING_CONNECTIONS such chains of batches run side by side, each with its share of the rate:
one SMTP connection mostly waits for the server's answers.

What a killed worker leaves behind: the mails its batch had claimed stay "sending" until the
claim runs out (two minutes with EMAIL_TIMEOUT=20); then they are due again and are sent once.
The mail that can go out twice is the one in flight on each connection: accepted by the SMTP
server, but the worker died before its UPDATE committed (a fraction of a millisecond on a local
relay; longer if the relay is slow to answer). SMTP offers no way to ask the server whether it
already took a message, so no sender can close this gap.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import BadHeaderError, get_connection
from django.db import transaction
from django.db.models import F, Min, Q
from django.utils import timezone

from portal.mailings.letters import KIND
from portal.mailings.models import Mailing
from portal.outbox.models import OutboundEmail
from portal.outbox.tasks import (
    claim,
    claim_seconds,
    held,
    is_permanent_failure,
    record_outcome,
    send_one,
    send_timeout,
)
from portal.queueing import enqueue_on_commit

logger = logging.getLogger(__name__)


# After a broken connection or a refused login the next batch waits this long.
PAUSE_AFTER_SERVER_ERROR = 60
# A mailing that sent nothing for this long (and at least three batch pauses) is resumed.
STALLED_AFTER = timedelta(minutes=3)
# A batch that finds only mails due later waits for them if that is no longer than this.
CHAIN_WAIT_AT_MOST = timedelta(minutes=5)
# Batches that caught up with a fan-out still storing mails look again after this long.
FAN_OUT_POLL_SECONDS = 1.0


@dataclass(frozen=True)
class Batch:
    handled: int
    # Seconds until the next batch should start; None: nothing is due any more.
    pause: float | None
    # The mail server could not be reached or broke off: wait before the next batch.
    server_trouble: bool = False


def mails_of(mailing_id: int):
    """The stored mails of a mailing, found by the outbox's own columns (kind and related
    object, as the fan-out stores them): a query on one table keeps a good plan even while
    the planner's statistics do not know yet of the thousands of rows the fan-out added; a
    join to the recipients once took seconds per batch then."""
    return OutboundEmail.objects.filter(
        kind=KIND,
        related_type=ContentType.objects.get_for_model(Mailing),
        related_id=str(mailing_id),
    )


def _unfinished(mailing_id: int):
    return mails_of(mailing_id).filter(status__in=OutboundEmail.UNFINISHED)


def due_mails(mailing_id: int):
    """Mails of the mailing that may go now: queued and never tried or due for their retry,
    or left "sending" by a batch whose claim ran out."""
    now = timezone.now()
    return mails_of(mailing_id).claimable(now).filter(Q(attempts=0) | Q(next_attempt_at__lte=now))


def pause_between_batches(sent: int, elapsed: float) -> float:
    """Seconds to wait after `sent` mails took `elapsed` seconds, to keep the rate.

    Each of the MAILING_CONNECTIONS chains of batches keeps its share of the rate.
    """
    share = settings.MAILING_RATE_PER_MINUTE / settings.MAILING_CONNECTIONS
    return max(0.0, sent * 60 / share - elapsed)


def queue_batches(mailing_id: int) -> None:
    """Queue the chains of batches of a mailing (on commit), one per allowed connection."""
    for _chain in range(settings.MAILING_CONNECTIONS):
        enqueue_on_commit(send_mailing_batch, mailing_id)


def _is_connection_fine(error: Exception) -> bool:
    """Whether the SMTP connection may carry on after this error of one mail."""
    if is_permanent_failure(error) or isinstance(error, BadHeaderError):
        return True  # (a mail that cannot be built never reached the server)
    temporary_for_recipient = (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError)
    return isinstance(error, temporary_for_recipient)


def _claim(mailing_id: int) -> tuple[datetime, list[OutboundEmail]]:
    """Take up to MAILING_BATCH_SIZE due mails for one batch (see portal.outbox.tasks.claim)."""
    # The order of the outbox index (status, next_attempt_at): by primary key, every claim
    # would first step over all the mails already sent.
    due = due_mails(mailing_id).order_by("next_attempt_at", "pk")
    return claim(due, claim_seconds(), limit=settings.MAILING_BATCH_SIZE)


def _give_back(claimed_at: datetime, emails: Sequence[OutboundEmail]) -> None:
    """Make mails the batch took but did not try due again at once, without the attempt."""
    if emails:
        held(claimed_at, [email.pk for email in emails]).update(
            status=OutboundEmail.Status.QUEUED,
            attempts=F("attempts") - 1,
            next_attempt_at=timezone.now(),
        )


def send_batch(mailing_id: int) -> Batch:
    """Send up to MAILING_BATCH_SIZE due mails of the mailing over one SMTP connection.

    The batch claims its mails (_claim), then sends one after the other outside any
    transaction; right after the server answered, a single UPDATE (committed at once)
    records the outcome. That costs one database round trip per mail, where a row lock per
    mail would cost three; nobody else sends a claimed mail while the claim lasts, and the
    batch stops sending before its claim could run out (it extends the claim when it gets
    near).
    """
    started = time.monotonic()
    claimed_at, emails = _claim(mailing_id)
    if not emails:
        return _after_batch(mailing_id, 0, started)
    connection = get_connection()
    try:
        connection.open()
    except Exception as exc:
        logger.warning("Mailing %s: no connection to the mail server: %s", mailing_id, exc)
        _give_back(claimed_at, emails)
        return Batch(0, PAUSE_AFTER_SERVER_ERROR, server_trouble=True)
    # A send may take several times EMAIL_TIMEOUT; none may start that could end after the
    # claim ran out.
    margin = 5 * send_timeout()
    held_until = started + claim_seconds()
    handled = 0
    server_trouble = False
    try:
        for email in emails:
            if time.monotonic() > held_until - margin:
                extended_at = timezone.now()
                held(claimed_at, [unsent.pk for unsent in emails[handled:]]).update(
                    last_attempt_at=extended_at,
                    next_attempt_at=extended_at + timedelta(seconds=claim_seconds()),
                )
                claimed_at, held_until = extended_at, time.monotonic() + claim_seconds()
            error = send_one(email, connection)
            # Autocommit: from here on this mail counts as sent (or failed) for everyone.
            record_outcome(email, claimed_at)
            handled += 1
            if error is not None:
                logger.warning("Mailing %s, e-mail %s failed: %s", mailing_id, email.pk, error)
                if not _is_connection_fine(error):
                    server_trouble = True
                    break
    finally:
        _give_back(claimed_at, emails[handled:])
        # A connection the server already dropped needs no closing.
        with contextlib.suppress(Exception):
            connection.close()
    if server_trouble:
        return Batch(handled, PAUSE_AFTER_SERVER_ERROR, server_trouble=True)
    return _after_batch(mailing_id, handled, started)


def _after_batch(mailing_id: int, handled: int, started: float) -> Batch:
    """When the next batch should start: at once (within the rate), when the next retry or
    claim of a killed worker comes due, or never (the mailing is done)."""
    if due_mails(mailing_id).exists():
        return Batch(handled, pause_between_batches(handled, time.monotonic() - started))
    if finish_if_done(mailing_id):
        return Batch(handled, None)
    if _fan_out_running(mailing_id):
        # The batches caught up with the fan-out: look again in a moment.
        pause = pause_between_batches(handled, time.monotonic() - started)
        return Batch(handled, max(pause, FAN_OUT_POLL_SECONDS))
    # (For a mail still "sending", next_attempt_at is the end of its claim.)
    next_due = _unfinished(mailing_id).aggregate(next=Min("next_attempt_at"))["next"]
    if next_due is None:
        return Batch(handled, None)  # the fan-out has not finished yet; it queues a batch
    wait = max((next_due - timezone.now()).total_seconds(), 0.0)
    if wait > CHAIN_WAIT_AT_MOST.total_seconds():
        # Only late retries left: deliver_email and the outbox sweep send them, and the beat
        # job marks the mailing sent afterwards.
        return Batch(handled, None)
    return Batch(handled, max(wait, pause_between_batches(handled, time.monotonic() - started)))


def _fan_out_running(mailing_id: int) -> bool:
    """Whether the mailing's fan-out is still storing mails and has not stalled.

    A stalled fan-out is started again by resume_stalled_mailings, which also queues new
    batches; the old ones stop looking.
    """
    return Mailing.objects.filter(
        pk=mailing_id,
        status=Mailing.Status.SENDING,
        recipient_count=0,
        started_at__gt=timezone.now() - STALLED_AFTER,
    ).exists()


def finish_if_done(mailing_id: int) -> bool:
    """Mark the mailing sent once its fan-out is complete and no mail of it is unfinished."""
    with transaction.atomic():
        locked = (
            Mailing.objects.select_for_update()
            .filter(pk=mailing_id, status=Mailing.Status.SENDING, recipient_count__gt=0)
            .first()
        )
        if locked is None:
            return False
        if _unfinished(mailing_id).exists():
            return False
        locked.status = Mailing.Status.SENT
        locked.finished_at = timezone.now()
        locked.save(update_fields=["status", "finished_at"])
    return True


@shared_task(bind=True, acks_late=True)
def send_mailing_batch(self, mailing_id: int) -> int:
    """Send the next batch of a mailing over one connection, then queue the next batch."""
    handled = 0
    while True:
        batch = send_batch(mailing_id)
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
