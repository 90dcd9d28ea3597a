"""Checking participants in: marking a confirmed participant present, counting and searching
the event's participants for the door (the admin views are meetings.checkin.views)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from meetings.events.exports import sorted_by_name
from meetings.events.models import Event, Registration
from portal.text import in_any_field


class CheckinError(ValidationError):
    """Why a registration cannot be checked in; shown to staff as it is."""


def set_present(registration: Registration, present: bool) -> Registration:
    """Mark the participant present (keeping the first time) or not present; returns the row.

    Only confirmed registrations can be checked in: a person on the waiting list has no place.
    """
    with transaction.atomic():
        locked = Registration.objects.select_for_update().get(pk=registration.pk)
        if locked.status != Registration.Status.CONFIRMED:
            raise CheckinError(
                gettext("Only participants with a confirmed place can be checked in."),
                code="status",
            )
        if present and locked.attended_at is None:
            locked.attended_at = timezone.now()
            locked.save(update_fields=["attended_at"])
        elif not present and locked.attended_at is not None:
            locked.attended_at = None
            locked.save(update_fields=["attended_at"])
    registration.attended_at = locked.attended_at
    return registration


@dataclass(frozen=True)
class Counts:
    checked_in: int
    total: int


def counts(event: Event) -> Counts:
    numbers = event.registrations.filter(status=Registration.Status.CONFIRMED).aggregate(
        total=Count("pk"), checked_in=Count("pk", filter=Q(attended_at__isnull=False))
    )
    return Counts(checked_in=numbers["checked_in"], total=numbers["total"])


def confirmed(event: Event) -> QuerySet[Registration]:
    return event.registrations.filter(status=Registration.Status.CONFIRMED).select_related(
        "user", "organisation__authority"
    )


SEARCH_FIELDS = (
    "user__full_name",
    "user__email",
    "guest_name",
    "guest_email",
    "organisation__authority__name",
    "guest_organisation",
)


def search(event: Event, query: str) -> list[Registration]:
    """The confirmed participants whose name, e-mail or organisation contains the query."""
    registrations = confirmed(event)
    for word in query.split():
        registrations = registrations.filter(in_any_field(word, SEARCH_FIELDS))
    return sorted_by_name(registrations)
