"""Template tags for the programme and workshop summaries that event pages include.

The including views belong to meetings.events.views; these tags fetch what the two includes
need in a fixed number of queries, so those views stay unaware of sessions."""

from __future__ import annotations

from django import template

from meetings.events.models import Event, Registration
from meetings.sessions import services

register = template.Library()


@register.simple_tag
def event_programme(event: Event) -> list[services.ProgrammeEntry]:
    """Programme items and time slots in time order (three queries at most)."""
    return services.programme(event)


@register.simple_tag
def session_summary(registration: Registration) -> list[services.SlotChoice]:
    """The event's slots with the registration's choice in each (one query without slots)."""
    return services.slot_choices(registration)
