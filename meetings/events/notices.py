"""Mails to an event's registrants that no registration step triggers: reminders before the
event, thanks to those who came, the notice that staff cancelled the event, and staff's own
messages to everyone registered.

Reminders and thank-you mails go out from Celery beat (meetings.events.tasks) every few minutes.
Each one goes exactly once: the registration row is locked with SKIP LOCKED, marked and its
outbox row stored in the same transaction, so two runs at the same moment never pick the same
registration and a run that fails half-way leaves nothing marked that was not queued.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import DateTimeField, ExpressionWrapper, F, QuerySet, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings.events.calendar import ONLINE_FORMATS
from meetings.events.models import DELETED_ACCOUNTS, Event, Registration
from meetings.events.services import tell
from portal.models import User

Status = Registration.Status
# Thank-you mails are for the days after an event; a run after a long outage sends no
# thanks for an event of last month.
FOLLOWUP_DAYS = 14
# Rows locked and mailed per transaction: short locks, and a failure costs one batch only.
BATCH_SIZE = 100


# --- What a mail may show --------------------------------------------------------------------


def event_url(event: Event) -> str:
    return settings.PORTAL_BASE_URL + reverse("meetings:event_detail", args=[event.pk])


def meeting_link_for(registration: Registration) -> str:
    """The online meeting link if this registrant may have it: confirmed, online or hybrid."""
    event = registration.event
    if (
        registration.status == Status.CONFIRMED
        and event.status == Event.Status.PUBLISHED
        and event.format in ONLINE_FORMATS
    ):
        return event.meeting_link
    return ""


# --- Exactly once -----------------------------------------------------------------------------


def _send_once(
    due: QuerySet[Registration],
    mark_field: str,
    send: Callable[[Registration], None],
    now: datetime.datetime,
) -> int:
    """Mail every registration of `due` and set `mark_field`; skip rows another run holds."""
    sent = 0
    while True:
        with transaction.atomic():
            # of=("self",): lock only the registrations, never the event, which register()
            # locks while it counts places.
            batch = list(
                due.select_for_update(skip_locked=True, of=("self",))
                .select_related("event", "user")
                .order_by("pk")[:BATCH_SIZE]
            )
            if not batch:
                return sent
            for registration in batch:
                send(registration)
            Registration.objects.filter(pk__in=[r.pk for r in batch]).update(**{mark_field: now})
            sent += len(batch)


# --- Reminders and thanks ---------------------------------------------------------------------


def _due_reminders(now: datetime.datetime) -> QuerySet[Registration]:
    remind_from = ExpressionWrapper(
        F("event__starts_at")
        - F("event__remind_hours_before") * Value(datetime.timedelta(hours=1)),
        output_field=DateTimeField(),
    )
    return (
        Registration.objects.filter(
            status=Status.CONFIRMED,
            reminded_at__isnull=True,
            event__status=Event.Status.PUBLISHED,
            event__remind_hours_before__gt=0,
            event__starts_at__gt=now,
        )
        .alias(remind_from=remind_from)
        .filter(remind_from__lte=now)
    )


def _remind(registration: Registration) -> None:
    tell(registration, "reminder", meeting_link=meeting_link_for(registration))


def send_due_reminders(now: datetime.datetime | None = None) -> int:
    """Remind each confirmed participant once, `remind_hours_before` hours before the start.

    People who register inside that time get theirs on the next run. Returns the number of
    mails queued."""
    now = now or timezone.now()
    return _send_once(_due_reminders(now), "reminded_at", _remind, now)


def _due_followups(now: datetime.datetime) -> QuerySet[Registration]:
    return Registration.objects.filter(
        attended_at__isnull=False,
        followed_up_at__isnull=True,
        event__ends_at__lte=now,
        event__ends_at__gt=now - datetime.timedelta(days=FOLLOWUP_DAYS),
    ).exclude(event__status=Event.Status.CANCELLED)


def _follow_up(registration: Registration) -> None:
    tell(
        registration,
        "followup",
        event_url=event_url(registration.event),
        note=registration.event.followup_note.strip(),
    )


def send_due_followups(now: datetime.datetime | None = None) -> int:
    """Thank each checked-in participant once after the event, with the event's note and the
    page of its documentation. Returns the number of mails queued."""
    now = now or timezone.now()
    return _send_once(_due_followups(now), "followed_up_at", _follow_up, now)


# --- Staff's actions --------------------------------------------------------------------------


def _require_staff(actor: User) -> None:
    if not actor.is_staff:
        raise PermissionDenied


def cancel_event(event: Event, actor: User, message: str = "") -> int:
    """Cancel the event and tell everyone with a place or a waiting place (staff only).

    The registrations keep their status: the event's status says it all. Guests who never
    confirmed their address hear nothing. Cancelling twice sends nothing the second time.
    Returns the number of mails queued."""
    _require_staff(actor)
    message = message.strip()
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        if locked.status == Event.Status.CANCELLED:
            return 0
        locked.status = Event.Status.CANCELLED
        locked.cancelled_at = timezone.now()
        locked.revise()
        locked.save(update_fields=["status", "cancelled_at", *Event.REVISION_FIELDS])
        event.status, event.cancelled_at = locked.status, locked.cancelled_at
        event.sequence, event.revised_at = locked.sequence, locked.revised_at
        registrations = list(
            locked.registrations.filter(status__in=Registration.ACTIVE)
            .exclude(DELETED_ACCOUNTS)
            .select_related("user")
            .order_by("pk")
        )
        for registration in registrations:
            # The mail and its calendar file must see the event as cancelled.
            registration.event = locked
            tell(registration, "event_cancelled", message=message)
    return len(registrations)


def message_registrants(
    event: Event, statuses: list[str], subject: str, body: str, actor: User
) -> int:
    """Send one mail with staff's subject and text to each registration of the given statuses.

    Raises ValidationError when nobody would get it. Returns the number of mails queued."""
    _require_staff(actor)
    # A line break in a subject would start a new mail header.
    subject = " ".join(subject.split())
    body = "\n".join(line.rstrip() for line in body.strip().splitlines())
    if not subject:
        raise ValidationError(_("Please enter a subject."), code="no_subject")
    if not body:
        raise ValidationError(_("Please enter the text of the message."), code="no_body")
    unknown = set(statuses) - set(Status.values)
    if unknown:
        raise ValidationError(
            _("Unknown registration status: %(statuses)s.")
            % {"statuses": ", ".join(sorted(unknown))},
            code="unknown_status",
        )
    recipients = _registrations(event, statuses)
    if not recipients:
        raise ValidationError(
            _("No registration of this event has the chosen status, so nobody would get it."),
            code="no_recipients",
        )
    with transaction.atomic():
        for registration in recipients:
            tell(registration, "message", subject=subject, body=body)
    return len(recipients)


def _registrations(event: Event, statuses: Iterable[str]) -> list[Registration]:
    return list(
        event.registrations.filter(status__in=list(statuses))
        .exclude(DELETED_ACCOUNTS)  # nobody to write to
        .select_related("event", "user")
        .order_by("pk")
    )
