"""What meetings holds about a person, for the download and for the deletion of the account
(portal.personal_data), and how a registration of a deleted account looks.

When an account is deleted, its registrations for events still to come are cancelled like any
other cancellation (the place goes to the next on the waiting list, mails go as usual) and then
deleted. Registrations of events that have begun or are over stay as an anonymous trace, so
that the municipality's attendance and the event's figures stay right: no person, no needs,
no answers, no guest data, only event, municipality, status and times.

Such a trace is marked by `anonymised_at` (the table's constraint registration_has_a_person
accepts it instead of a person or a guest's address); meetings.events.models knows it
(`DELETED_ACCOUNTS`, `is_deleted_account`, `participant_name`, `participant_email`), `tell`
sends nothing to it and the audience of information e-mails leaves it out.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from meetings.events import services
from meetings.events.models import CalendarFeed, Event, Registration
from portal.models import User
from portal.personal_data.registry import iso, register_eraser, register_exporter

# First of the apps: cancelling still needs the person's municipality (members erases it).
ERASER_ORDER = 10


# --- The download -----------------------------------------------------------------------------


def _registration(registration: Registration) -> dict[str, Any]:
    event = registration.event
    return {
        "event": event.title,
        "event_starts": iso(event.starts_at),
        "event_ends": iso(event.ends_at),
        "venue": event.venue,
        "municipality": (
            registration.organisation.authority.name if registration.organisation else None
        ),
        "status": registration.status,
        # Whether a contact person registered the person; not who (that is the colleague's).
        "registered_by_yourself": registration.registered_by_id == registration.user_id,
        "on_participant_list": registration.listed_consent,
        "needs": registration.needs,
        "answers": [
            {"question": item.get("label", ""), "answer": item.get("answer", "")}
            for item in registration.answers
            if isinstance(item, dict)
        ],
        "sessions": [
            {
                "time_slot": choice.slot.title,
                "session": choice.session.title,
                "status": choice.status,
                "chosen": iso(choice.created_at),
            }
            for choice in registration.session_choices.all()
        ],
        "registered": iso(registration.created_at),
        "confirmed": iso(registration.confirmed_at),
        "cancelled": iso(registration.cancelled_at),
        "checked_in": iso(registration.attended_at),
    }


@register_exporter("meetings")
def export(user: User) -> dict[str, Any]:
    registrations = (
        Registration.objects.filter(user=user)
        .select_related("event", "organisation__authority")
        .prefetch_related("session_choices__slot", "session_choices__session")
        .order_by("event__starts_at", "id")
    )
    feed = CalendarFeed.objects.filter(user=user).first()
    return {
        "registrations": [_registration(registration) for registration in registrations],
        # That the secret address exists, never the address itself.
        "calendar_feed": {"exists": True, "created": iso(feed.created_at)} if feed else None,
    }


# --- Deleting the account ---------------------------------------------------------------------


def _cancel(registration: Registration, user: User) -> None:
    event = registration.event
    if timezone.now() <= (event.cancellation_deadline or event.starts_at):
        services.cancel(registration, user)
        return
    # After the deadline only staff may cancel; a deleted account frees its place all the
    # same, so the waiting list moves up as with any cancellation.
    with transaction.atomic():
        locked_event = Event.objects.select_for_update().get(pk=event.pk)
        locked = Registration.objects.select_for_update().get(pk=registration.pk)
        locked.status = Registration.Status.CANCELLED
        locked.cancelled_at = timezone.now()
        locked.sequence += 1  # its calendar file now says CANCELLED
        locked.save(update_fields=["status", "cancelled_at", "sequence"])
        services.registration_cancelled.send(Registration, registration=locked)
        services.tell(locked, "registration_cancelled")
        services.fill_free_places(locked_event)


def _anonymise(registration: Registration) -> None:
    Registration.objects.filter(pk=registration.pk).update(
        user=None,
        guest_name="",
        guest_email="",
        guest_organisation="",
        guest_language="",
        guest_token=None,
        needs="",
        answers=[],
        listed_consent=False,
        anonymised_at=timezone.now(),
    )


@register_eraser(order=ERASER_ORDER)
def erase(user: User) -> None:
    now = timezone.now()
    registrations = Registration.objects.filter(user=user).select_related("event")
    for registration in registrations.order_by("event__starts_at", "id"):
        if registration.event.starts_at > now:
            if registration.status in Registration.ACTIVE:
                _cancel(registration, user)
            Registration.objects.filter(pk=registration.pk).delete()
        else:
            _anonymise(registration)
    CalendarFeed.objects.filter(user=user).delete()
