"""Counting an event's registrations under its row lock, in one query: the places taken and
what the registering person and their municipality already hold.

One round trip instead of three while the lock is held, which every other registration for the
event waits on (issue 19's rush).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Max, Q

from meetings.events.models import Event, Registration
from members.models import Organisation

Status = Registration.Status


@dataclass(frozen=True)
class Tally:
    """What deciding a registration needs, counted in one query under the event's row lock."""

    confirmed: int  # the places taken
    own_active: int  # the person's active registrations: more than none means registered
    own_last_sequence: int | None  # of the person's earlier registrations, if any
    organisation_active: int = 0  # the municipality's active ones, if they were counted

    @property
    def next_sequence(self) -> int:
        """Above the person's earlier registrations: their calendar files have the same UID,
        so a calendar that holds the cancelled one takes the new file as its update."""
        return 0 if self.own_last_sequence is None else self.own_last_sequence + 1


def has_room(event: Event, confirmed: int) -> bool:
    """Whether an event with `confirmed` places taken has one left."""
    return event.capacity is None or confirmed < event.capacity


def count_under_lock(event: Event, person: Q, organisation: Organisation | None = None) -> Tally:
    """Count the event's registrations; `person`: which ones are the person's (as member or
    as guest); `organisation`: whose active ones to count, only where a limit applies (each
    count more costs the ORM about 0.2 ms of CPU to build, under the lock). The
    caller holds the event's row lock."""
    active = Q(status__in=Registration.ACTIVE)
    counts = {
        "confirmed": Count("pk", filter=Q(status=Status.CONFIRMED)),
        "own_active": Count("pk", filter=person & active),
        "own_last_sequence": Max("sequence", filter=person),
    }
    if organisation is not None:
        counts["organisation_active"] = Count("pk", filter=Q(organisation=organisation) & active)
    return Tally(**event.registrations.aggregate(**counts))
