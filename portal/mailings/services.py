"""Information e-mails: checking, previewing, scheduling and sending a mailing.

Sending has two steps, both Celery tasks (portal.tasks) that may be killed and run again:

1. Fan-out (`fan_out`, task start_mailing): the audience is fixed as MailingRecipient rows,
   each with its own stored mail in the outbox (OutboundEmail, kind "portal/mailing"), in
   chunks of one transaction each. The unique address per mailing makes a restarted fan-out
   continue where it stopped; a mail and its recipient row are always stored together.
2. Batches (`send_batch`, task send_mailing_batch): a batch claims up to MAILING_BATCH_SIZE
   due mails of the mailing the way the outbox claims one (portal.outbox.tasks.claim: marked
   "sending" in one short transaction, FOR UPDATE SKIP LOCKED, an attempt counted), sends
   them over one SMTP connection outside any transaction and records each outcome by an
   UPDATE that commits right after the server answered. Two batches never claim the same
   mail, and a mail marked sent is never sent again. The next batch is queued with a pause
   that keeps MAILING_RATE_PER_MINUTE. MAILING_CONNECTIONS such chains of batches run side
   by side, each with its share of the rate: one SMTP connection mostly waits for the
   server's answers.

What a killed worker leaves behind: the mails its batch had claimed stay "sending" until the
claim runs out (two minutes with EMAIL_TIMEOUT=20); then they are due again and are sent once.
The mail that can go out twice is the one in flight on each connection: accepted by the SMTP
server, but the worker died before its UPDATE committed (a fraction of a millisecond on a local
relay; longer if the relay is slow to answer). SMTP offers no way to ask the server whether it
already took a message, so no sender can close this gap.

A dead worker also leaves its task unacknowledged; the broker hands it out again after its
visibility timeout (an hour), and the beat job send_scheduled_mailings resumes a mailing that
made no progress for a few minutes before that (`resume_stalled_mailings`).
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import BadHeaderError, get_connection
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Count, F, Max, Min, Q
from django.db.models.functions import Lower
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal import markdown
from portal.mailings.segments import Recipient, resolve_audience
from portal.mailings.unsubscribe import list_unsubscribe_headers, one_click_headers, unsubscribe_url
from portal.models import (
    FailedAddress,
    Mailing,
    MailingRecipient,
    OutboundEmail,
    Unsubscribe,
    User,
)
from portal.outbox.services import render_email, store_email, unsaved_email
from portal.queueing import enqueue_on_commit

logger = logging.getLogger(__name__)

KIND = "portal/mailing"
# Test mails look the same but are ordinary single mails of the outbox.
TEST_KIND = "portal/mailing_test"
MAX_BODY_CHARS = 100_000
FAN_OUT_CHUNK = 500
# After a broken connection or a refused login the next batch waits this long.
PAUSE_AFTER_SERVER_ERROR = 60
# A mailing that sent nothing for this long (and at least three batch pauses) is resumed.
STALLED_AFTER = timedelta(minutes=3)
# A batch that finds only mails due later waits for them if that is no longer than this.
CHAIN_WAIT_AT_MOST = timedelta(minutes=5)
# Batches that caught up with a fan-out still storing mails look again after this long.
FAN_OUT_POLL_SECONDS = 1.0
SENDABLE = (Mailing.Status.DRAFT, Mailing.Status.SCHEDULED, Mailing.Status.CANCELLED)


@dataclass(frozen=True)
class Progress:
    total: int
    sent: int
    failed: int
    remaining: int


@dataclass(frozen=True)
class Batch:
    handled: int
    # Seconds until the next batch should start; None: nothing is due any more.
    pause: float | None
    # The mail server could not be reached or broke off: wait before the next batch.
    server_trouble: bool = False


# --- Audience ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Audience:
    recipients: list[Recipient]
    chosen: int
    unsubscribed: int
    failed: int


def _audience(mailing: Mailing) -> _Audience:
    chosen = resolve_audience(mailing.include or [], mailing.exclude or [])
    if not chosen:
        return _Audience([], 0, 0, 0)
    opt_out = Q(topic__isnull=True)
    if mailing.topic_id:
        opt_out |= Q(topic_id=mailing.topic_id)
    unsubscribed = set(
        Unsubscribe.objects.filter(opt_out)
        .annotate(address=Lower("email"))
        .values_list("address", flat=True)
    )
    failed = set(
        FailedAddress.objects.filter(cleared_at__isnull=True)
        .annotate(address=Lower("email"))
        .values_list("address", flat=True)
    )
    recipients: list[Recipient] = []
    left_out_unsubscribed = left_out_failed = 0
    for recipient in chosen:
        address = recipient.email.strip().lower()
        if address in unsubscribed:
            left_out_unsubscribed += 1
        elif address in failed:
            left_out_failed += 1
        else:
            recipients.append(recipient)
    return _Audience(recipients, len(chosen), left_out_unsubscribed, left_out_failed)


def recipients_for(mailing: Mailing) -> list[Recipient]:
    """The audience without addresses that unsubscribed (from all information e-mails or from
    the mailing's topic) and without addresses the mail server refused for good."""
    return _audience(mailing).recipients


def _no_recipients_reason(audience: _Audience) -> str:
    if audience.chosen == 0:
        return _(
            "The audience has no recipients: the chosen groups contain nobody, or the "
            "exceptions leave nobody."
        )
    if audience.failed == 0:
        return ngettext(
            "The audience has no recipients: its only address unsubscribed.",
            "The audience has no recipients: all of its %(count)d addresses unsubscribed.",
            audience.chosen,
        ) % {"count": audience.chosen}
    if audience.unsubscribed == 0:
        return ngettext(
            "The audience has no recipients: its only address is marked as failed.",
            "The audience has no recipients: all of its %(count)d addresses are marked as failed.",
            audience.chosen,
        ) % {"count": audience.chosen}
    return _(
        "The audience has no recipients: of its %(count)d addresses, %(unsubscribed)d "
        "unsubscribed and %(failed)d are marked as failed."
    ) % {"count": audience.chosen, "unsubscribed": audience.unsubscribed, "failed": audience.failed}


# --- Checks -----------------------------------------------------------------------------------


def _content_errors(mailing: Mailing) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not (mailing.subject or "").strip():
        errors.setdefault("subject", []).append(_("Please enter a subject."))
    body = mailing.body or ""
    if not body.strip():
        errors.setdefault("body", []).append(_("Please write the text of the e-mail."))
    elif len(body) > MAX_BODY_CHARS:
        errors.setdefault("body", []).append(
            _(
                "The text is too long: %(length)s characters, at most %(limit)s are possible. "
                "Please shorten it or link to a page instead."
            )
            % {"length": f"{len(body):,}", "limit": f"{MAX_BODY_CHARS:,}"}
        )
    elif not markdown.to_text(body).strip():
        errors.setdefault("body", []).append(
            _(
                "The text shows nothing once formatted: it holds only markup that e-mails "
                "leave out (e.g. HTML tags or comments). Please write the message as text."
            )
        )
    return errors


def validate_for_sending(mailing: Mailing) -> None:
    """Raise ValidationError (by field: subject, body, include) if the mailing cannot go out."""
    errors = _content_errors(mailing)
    try:
        audience = _audience(mailing)
    except ValueError as error:
        # A segment that is gone, or a choice whose event or topic was deleted meanwhile.
        errors.setdefault("include", []).append(
            _("The audience cannot be determined: %(reason)s") % {"reason": error}
        )
    else:
        if not audience.recipients:
            errors.setdefault("include", []).append(_no_recipients_reason(audience))
    if errors:
        raise ValidationError(errors)


def _check_permission(actor: Any) -> None:
    if not actor.has_perm("portal.send_mailing"):
        raise PermissionDenied(_("You may not send information e-mails."))


# --- Rendering --------------------------------------------------------------------------------


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


class _Letters:
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


def send_test(mailing: Mailing, user: User) -> OutboundEmail:
    """Send the mail once to the staff member's own address; the mailing stays as it is."""
    if not user.is_staff:
        raise PermissionDenied
    errors = _content_errors(mailing)
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


def _lock(mailing: Mailing) -> Mailing:
    # Only the mailing's row is locked; the topic comes along for rendering.
    return (
        Mailing.objects.select_for_update(of=("self",)).select_related("topic").get(pk=mailing.pk)
    )


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
        locked = _lock(mailing)
        if locked.status not in SENDABLE:
            _refuse_status(locked)
        validate_for_sending(locked)
        _begin_sending(locked)
    _copy_state(mailing, locked)


def _begin_sending(locked: Mailing) -> None:
    from portal.outbox.tasks import start_mailing

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
        locked = _lock(mailing)
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
        locked = _lock(mailing)
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


# --- Fan-out ----------------------------------------------------------------------------------


def _user_names(recipients: Sequence[Recipient]) -> dict[int, str]:
    ids = [r.user_id for r in recipients if r.user_id]
    if not ids:
        return {}
    return dict(
        User.objects.filter(pk__in=ids).exclude(full_name="").values_list("pk", "full_name")
    )


def _existing_addresses(mailing_id: int, addresses: Sequence[str]) -> set[str]:
    return set(
        MailingRecipient.objects.filter(mailing_id=mailing_id)
        .annotate(address=Lower("email"))
        .filter(address__in=addresses)
        .values_list("address", flat=True)
    )


def _store_chunk(
    mailing: Mailing, letters: _Letters, chunk: Sequence[Recipient], first_slot: datetime
) -> int:
    """Store the recipients of the chunk that are not stored yet, each with its mail."""
    addresses = [r.email.strip().lower() for r in chunk]
    existing = _existing_addresses(mailing.pk, addresses)
    missing = [r for r in chunk if r.email.strip().lower() not in existing]
    if not missing:
        return 0
    names = _user_names(missing)
    per_mail = timedelta(minutes=1) / settings.MAILING_RATE_PER_MINUTE
    prepared: list[tuple[Recipient, OutboundEmail]] = []
    for position, recipient in enumerate(missing):
        address = recipient.email.strip()
        # Signed once for the link in the text and the one-click header.
        link = unsubscribe_url(address, mailing.topic_id)
        subject, text, html = letters.letter(
            link=link,
            language=recipient.language,
            name=names.get(recipient.user_id or 0, ""),
        )
        email = unsaved_email(
            kind=KIND,
            to=address,
            subject=subject,
            body_text=text,
            body_html=html,
            language=recipient.language,
            related=mailing,
            headers=one_click_headers(link),
        )
        # Planned sending time: the outbox sweep (requeue_unsent_emails) leaves the mail to
        # the batches unless they fall more than its grace period behind this plan.
        email.next_attempt_at = first_slot + per_mail * position
        prepared.append((recipient, email))
    with transaction.atomic():
        locked = _lock(mailing)
        if locked.status != Mailing.Status.SENDING or locked.recipient_count:
            return 0
        # Checked again under the lock: a second fan-out of the same mailing may have stored
        # some of these addresses while this one rendered.
        existing = _existing_addresses(mailing.pk, addresses)
        prepared = [(r, e) for r, e in prepared if r.email.strip().lower() not in existing]
        emails = OutboundEmail.objects.bulk_create([email for _r, email in prepared])
        MailingRecipient.objects.bulk_create(
            MailingRecipient(
                mailing=mailing,
                email=recipient.email.strip(),
                user_id=recipient.user_id,
                language=recipient.language,
                outbound=email,
            )
            for (recipient, _e), email in zip(prepared, emails, strict=True)
        )
    return len(prepared)


def _refresh_statistics() -> None:
    """Tell PostgreSQL's planner about the rows just stored, before the batches query them.

    Until autovacuum gets round to it (a minute or more), the planner believes the outbox as
    small as before and may look up each mail through the wrong index: measured at 10,000
    mails, marking one mail sent then took 2.5 ms instead of 0.3 ms.
    """
    if db_connection.vendor != "postgresql":
        return
    tables = ", ".join(model._meta.db_table for model in (OutboundEmail, MailingRecipient))
    with db_connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")


def fan_out(mailing_id: int, *, batches_alongside: bool = False) -> int:
    """Store the mails of a mailing being sent and queue its batches. Safe to run again.

    With batches_alongside (a worker, not the eager set-up, runs the batches) they are
    queued as soon as the first chunk is stored and send while the rest is stored; otherwise
    they are queued at the end.
    """
    mailing = Mailing.objects.select_related("topic").filter(pk=mailing_id).first()
    if mailing is None or mailing.status != Mailing.Status.SENDING or mailing.recipient_count:
        return 0
    try:
        recipients = recipients_for(mailing)
    except ValueError:
        # Checked when it was scheduled; since then a chosen event or topic was deleted.
        # Nothing has been sent: the mailing goes back to the drafts to be corrected.
        logger.exception("Mailing %s: the audience cannot be determined any more.", mailing_id)
        Mailing.objects.filter(pk=mailing_id, status=Mailing.Status.SENDING).update(
            status=Mailing.Status.DRAFT, started_at=None
        )
        return 0
    letters = _Letters(mailing, markdown.render(mailing.body))
    first_slot = timezone.now()
    per_chunk = timedelta(minutes=1) * FAN_OUT_CHUNK / settings.MAILING_RATE_PER_MINUTE
    stored = 0
    batches_queued = False
    for index, start in enumerate(range(0, len(recipients), FAN_OUT_CHUNK)):
        chunk = recipients[start : start + FAN_OUT_CHUNK]
        stored += _store_chunk(mailing, letters, chunk, first_slot + per_chunk * index)
        if batches_alongside and stored and not batches_queued:
            # The batches query the outbox from now on; see _refresh_statistics.
            _refresh_statistics()
            queue_batches(mailing_id)  # (no transaction is open: queued at once)
            batches_queued = True
    if stored >= FAN_OUT_CHUNK:
        _refresh_statistics()
    with transaction.atomic():
        locked = _lock(mailing)
        if locked.status != Mailing.Status.SENDING or locked.recipient_count:
            return stored  # another run of the fan-out finished first
        count = MailingRecipient.objects.filter(mailing=locked).count()
        if count == 0:
            logger.warning("Mailing %s had no recipients left when it was sent.", mailing_id)
            locked.status = Mailing.Status.SENT
            locked.finished_at = timezone.now()
            locked.save(update_fields=["status", "finished_at"])
            return 0
        locked.recipient_count = count
        locked.save(update_fields=["recipient_count"])
        if not batches_queued:
            queue_batches(mailing_id)
    return stored


# --- Batches ----------------------------------------------------------------------------------


def _mails_of(mailing_id: int):
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
    return _mails_of(mailing_id).filter(status__in=OutboundEmail.UNFINISHED)


def _due(mailing_id: int):
    """Mails of the mailing that may go now: queued and never tried or due for their retry,
    or left "sending" by a batch whose claim ran out."""
    now = timezone.now()
    return _mails_of(mailing_id).claimable(now).filter(Q(attempts=0) | Q(next_attempt_at__lte=now))


def pause_between_batches(sent: int, elapsed: float) -> float:
    """Seconds to wait after `sent` mails took `elapsed` seconds, to keep the rate.

    Each of the MAILING_CONNECTIONS chains of batches keeps its share of the rate.
    """
    share = settings.MAILING_RATE_PER_MINUTE / settings.MAILING_CONNECTIONS
    return max(0.0, sent * 60 / share - elapsed)


def queue_batches(mailing_id: int) -> None:
    """Queue the chains of batches of a mailing (on commit), one per allowed connection."""
    from portal.outbox.tasks import send_mailing_batch

    for _chain in range(settings.MAILING_CONNECTIONS):
        enqueue_on_commit(send_mailing_batch, mailing_id)


def _is_connection_fine(error: Exception) -> bool:
    """Whether the SMTP connection may carry on after this error of one mail."""
    from portal.outbox.tasks import is_permanent_failure

    if is_permanent_failure(error) or isinstance(error, BadHeaderError):
        return True  # (a mail that cannot be built never reached the server)
    temporary_for_recipient = (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError)
    return isinstance(error, temporary_for_recipient)


def _claim(mailing_id: int) -> tuple[datetime, list[OutboundEmail]]:
    """Take up to MAILING_BATCH_SIZE due mails for one batch (see portal.outbox.tasks.claim)."""
    from portal.outbox.tasks import claim, claim_seconds

    # The order of the outbox index (status, next_attempt_at): by primary key, every claim
    # would first step over all the mails already sent.
    due = _due(mailing_id).order_by("next_attempt_at", "pk")
    return claim(due, claim_seconds(), limit=settings.MAILING_BATCH_SIZE)


def _give_back(claimed_at: datetime, emails: Sequence[OutboundEmail]) -> None:
    """Make mails the batch took but did not try due again at once, without the attempt."""
    from portal.outbox.tasks import held

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
    from portal.outbox.tasks import claim_seconds, held, record_outcome, send_one, send_timeout

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
    if _due(mailing_id).exists():
        return Batch(handled, pause_between_batches(handled, time.monotonic() - started))
    if _finish_if_done(mailing_id):
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


def _finish_if_done(mailing_id: int) -> bool:
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


def resume_stalled_mailings(stalled_after: timedelta | None = None) -> list[int]:
    """Restart the work of mailings that stopped moving, e.g. because their worker was killed.

    Runs from the beat every minute. A fan-out that has not finished for a while runs again
    (it continues where it stopped); a mailing with due mails and no delivery attempt for a
    while gets a new batch. Both are safe next to a still-running task of the same mailing:
    nothing is stored or sent twice, only the rate could double for a while. Mailings whose
    last mails went out through another path are marked sent.
    """
    from portal.outbox.tasks import send_mailing_batch, start_mailing

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
        if _finish_if_done(mailing.pk):
            continue
        if not _due(mailing.pk).exists():
            continue  # only retries later on; deliver_email and the sweep take care of them
        activity = _mails_of(mailing.pk).aggregate(
            claimed=Max("last_attempt_at"), sent=Max("sent_at")
        )
        moments = [moment for moment in (*activity.values(), mailing.started_at) if moment]
        if not moments or max(moments) <= limit:
            for _chain in range(settings.MAILING_CONNECTIONS):
                send_mailing_batch.delay(mailing.pk)
            resumed.append(mailing.pk)
    return resumed


# --- Progress ---------------------------------------------------------------------------------


def progress(mailing: Mailing) -> Progress:
    """How far sending is: recipients stored so far, sent, failed and still to go."""
    return progress_of_many([mailing])[mailing.pk]


def progress_of_many(mailings: Iterable[Mailing]) -> dict[int, Progress]:
    """progress() of several mailings in one query, by mailing id."""
    chosen = list(mailings)
    counts = {
        row["mailing"]: row
        for row in MailingRecipient.objects.filter(mailing__in=chosen)
        .values("mailing")
        .annotate(
            total=Count("pk"),
            sent=Count("pk", filter=Q(outbound__status=OutboundEmail.Status.SENT)),
            failed=Count("pk", filter=Q(outbound__status=OutboundEmail.Status.FAILED)),
        )
        .order_by()
    }
    result = {}
    for mailing in chosen:
        row = counts.get(mailing.pk, {"total": 0, "sent": 0, "failed": 0})
        total = max(row["total"], mailing.recipient_count)
        result[mailing.pk] = Progress(
            total=total,
            sent=row["sent"],
            failed=row["failed"],
            remaining=total - row["sent"] - row["failed"],
        )
    return result
