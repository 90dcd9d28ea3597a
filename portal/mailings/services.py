"""Information e-mails: what staff do with a mailing (test, send, schedule, cancel) and how
far it got.

Sending has two steps, both Celery tasks that may be killed and run again, each defined beside
the work it runs: the fan-out (portal.mailings.fanout, task start_mailing) stores one mail per
recipient, then chains of batches (portal.mailings.batches, task send_mailing_batch) send them.

A dead worker leaves its task unacknowledged; the broker hands it out again after its
visibility timeout (an hour), and the beat job send_scheduled_mailings resumes a mailing that
made no progress for a few minutes before that (`resume_stalled_mailings`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.copying import unsaved_copy
from portal.mailings.audience import content_errors, validate_for_sending
from portal.mailings.batches import (
    STALLED_AFTER,
    due_mails,
    finish_if_done,
    mails_of,
    send_mailing_batch,
)
from portal.mailings.fanout import start_mailing
from portal.mailings.letters import TEST_KIND, preview
from portal.mailings.models import Mailing, MailingRecipient
from portal.mailings.unsubscribe import list_unsubscribe_headers
from portal.outbox.models import OutboundEmail
from portal.outbox.services import store_email
from portal.queueing import enqueue_on_commit

SENDABLE = (Mailing.Status.DRAFT, Mailing.Status.SCHEDULED, Mailing.Status.CANCELLED)


@dataclass(frozen=True)
class Progress:
    total: int
    sent: int
    failed: int
    remaining: int


def _check_permission(actor: Any) -> None:
    if not actor.has_perm("portal.send_mailing"):
        raise PermissionDenied(_("You may not send information e-mails."))


def send_test(mailing: Mailing, user: User) -> OutboundEmail:
    """Send the mail once to the staff member's own address; the mailing stays as it is."""
    if not user.is_staff:
        raise PermissionDenied
    errors = content_errors(mailing)
    if errors:
        raise ValidationError(errors)
    subject, text, html = preview(mailing, user)
    with translation.override(user.language):
        subject = _("[Test] %(subject)s") % {"subject": subject}
    return store_email(
        kind=TEST_KIND,
        to=user.email,
        subject=subject,
        body_text=text,
        body_html=html,
        language=user.language,
        related=mailing,
        headers=list_unsubscribe_headers(user.email, mailing.topic_id),
    )


# --- Sending, scheduling, cancelling ----------------------------------------------------------


def _refuse_status(locked: Mailing) -> None:
    if locked.status == Mailing.Status.SENDING:
        raise ValidationError(_("This mailing is being sent right now."))
    if locked.status == Mailing.Status.SENT:
        raise ValidationError(_("This mailing has already been sent."))
    raise ValidationError(_("This mailing cannot be sent."))


def _copy_state(target: Mailing, source: Mailing) -> None:
    for field in ("status", "scheduled_at", "started_at", "finished_at", "recipient_count"):
        setattr(target, field, getattr(source, field))


def send_now(mailing: Mailing, actor: User) -> None:
    """Start sending at once. A second click while it starts is refused, never sent twice."""
    _check_permission(actor)
    with transaction.atomic():
        locked = Mailing.objects.locked(mailing.pk)
        if locked.status not in SENDABLE:
            _refuse_status(locked)
        validate_for_sending(locked)
        _begin_sending(locked)
    _copy_state(mailing, locked)


def _begin_sending(locked: Mailing) -> None:
    locked.status = Mailing.Status.SENDING
    locked.started_at = timezone.now()
    locked.finished_at = None
    locked.save(update_fields=["status", "started_at", "finished_at"])
    enqueue_on_commit(start_mailing, locked.pk)


def schedule(mailing: Mailing, when: datetime, actor: User) -> None:
    """Send at a later time (beat starts it within a minute of `when`)."""
    _check_permission(actor)
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    if when <= timezone.now():
        raise ValidationError({"scheduled_at": [_("Please choose a time in the future.")]})
    with transaction.atomic():
        locked = Mailing.objects.locked(mailing.pk)
        if locked.status not in SENDABLE:
            _refuse_status(locked)
        validate_for_sending(locked)
        locked.status = Mailing.Status.SCHEDULED
        locked.scheduled_at = when
        locked.save(update_fields=["status", "scheduled_at"])
    _copy_state(mailing, locked)


def cancel(mailing: Mailing, actor: User) -> None:
    """Cancel a scheduled mailing; one that is being sent or was sent cannot be cancelled."""
    _check_permission(actor)
    with transaction.atomic():
        locked = Mailing.objects.locked(mailing.pk)
        if locked.status == Mailing.Status.SENDING:
            raise ValidationError(
                _(
                    "This mailing is being sent right now and cannot be cancelled any more: "
                    "part of it has already been delivered."
                )
            )
        if locked.status != Mailing.Status.SCHEDULED:
            raise ValidationError(_("Only a scheduled mailing can be cancelled."))
        locked.status = Mailing.Status.CANCELLED
        locked.save(update_fields=["status"])
    _copy_state(mailing, locked)


def start_due_mailings() -> int:
    """Start every scheduled mailing whose time has come, each exactly once."""
    due = Mailing.objects.filter(
        status=Mailing.Status.SCHEDULED, scheduled_at__lte=timezone.now()
    ).values_list("pk", flat=True)
    started = 0
    for mailing_id in list(due):
        with transaction.atomic():
            locked = (
                Mailing.objects.select_for_update(skip_locked=True)
                .filter(
                    pk=mailing_id,
                    status=Mailing.Status.SCHEDULED,
                    scheduled_at__lte=timezone.now(),
                )
                .first()
            )
            if locked is None:
                continue  # cancelled, or another beat run has it
            _begin_sending(locked)
            started += 1
    return started


def resume_stalled_mailings(stalled_after: timedelta | None = None) -> list[int]:
    """Restart the work of mailings that stopped moving, e.g. because their worker was killed.

    Runs from the beat every minute. A fan-out that has not finished for a while runs again
    (it continues where it stopped); a mailing with due mails and no delivery attempt for a
    while gets a new batch. Both are safe next to a still-running task of the same mailing:
    nothing is stored or sent twice, only the rate could double for a while. Mailings whose
    last mails went out through another path are marked sent.
    """
    if stalled_after is None:
        batch_pause = timedelta(
            minutes=settings.MAILING_BATCH_SIZE
            * settings.MAILING_CONNECTIONS
            / settings.MAILING_RATE_PER_MINUTE
        )
        stalled_after = max(STALLED_AFTER, 3 * batch_pause)
    limit = timezone.now() - stalled_after
    resumed: list[int] = []
    for mailing in Mailing.objects.filter(status=Mailing.Status.SENDING):
        if not mailing.recipient_count:
            if mailing.started_at is None or mailing.started_at <= limit:
                start_mailing.delay(mailing.pk)
                resumed.append(mailing.pk)
            continue
        if finish_if_done(mailing.pk):
            continue
        if not due_mails(mailing.pk).exists():
            continue  # only retries later on; deliver_email and the sweep take care of them
        activity = mails_of(mailing.pk).aggregate(
            claimed=Max("last_attempt_at"), sent=Max("sent_at")
        )
        moments = [moment for moment in (*activity.values(), mailing.started_at) if moment]
        if not moments or max(moments) <= limit:
            for _chain in range(settings.MAILING_CONNECTIONS):
                send_mailing_batch.delay(mailing.pk)
            resumed.append(mailing.pk)
    return resumed


@shared_task
def send_scheduled_mailings() -> int:
    """Start the mailings whose time has come; resume mailings whose worker died."""
    started = start_due_mailings()
    resume_stalled_mailings()
    return started


# --- Progress ---------------------------------------------------------------------------------


def progress(mailing: Mailing) -> Progress:
    """How far sending is: recipients stored so far, sent, failed and still to go."""
    return progress_of_many([mailing])[mailing.pk]


def progress_of_many(mailings: Iterable[Mailing]) -> dict[int, Progress]:
    """progress() of several mailings in one query, by mailing id."""
    chosen = list(mailings)
    # Sent is counted as what is not (yet) sent: joining the recipients to their outbox rows
    # made PostgreSQL read the whole outbox (200,000 rows at the network's full size, 30 ms),
    # while the few rows not sent are found through the index on the outbox's status.
    status = OutboundEmail.Status
    not_sent = OutboundEmail.objects.filter(status__in=[s for s in status if s != status.SENT])
    failed = OutboundEmail.objects.filter(status=status.FAILED)
    counts = {
        row["mailing"]: row
        for row in MailingRecipient.objects.filter(mailing__in=chosen)
        .values("mailing")
        .annotate(
            total=Count("pk"),
            not_sent=Count(
                "pk", filter=Q(outbound__isnull=True) | Q(outbound__in=not_sent.values("pk"))
            ),
            failed=Count("pk", filter=Q(outbound__in=failed.values("pk"))),
        )
        .order_by()
    }
    result = {}
    for mailing in chosen:
        row = counts.get(mailing.pk, {"total": 0, "not_sent": 0, "failed": 0})
        total = max(row["total"], mailing.recipient_count)
        sent = row["total"] - row["not_sent"]
        result[mailing.pk] = Progress(
            total=total,
            sent=sent,
            failed=row["failed"],
            remaining=total - sent - row["failed"],
        )
    return result


# --- Copying a mailing as the start of the next one -------------------------------------------


def copy_mailing(mailing: Mailing, copied_by: User) -> Mailing:
    """A draft with the mailing's subject, text, topic and audience, written by `copied_by`.
    It has no date to move (staff send or schedule it when it is ready) and none of the
    original's recipients, mails or sending figures come along."""
    duplicate = unsaved_copy(
        mailing,
        status=Mailing.Status.DRAFT,
        scheduled_at=None,
        started_at=None,
        finished_at=None,
        recipient_count=0,
        created_by=copied_by,
        copied_from=mailing,
    )
    duplicate.save()
    return duplicate
