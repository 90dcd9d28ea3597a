"""Template tags for the programme and workshop summaries that event pages include.

The including views belong to meetings.views; these tags fetch what the two includes need in
a fixed number of queries, so those views stay unaware of sessions."""

from __future__ import annotations

from django import template

from meetings import sessions
from meetings.models import Event, Registration

register = template.Library()


@register.simple_tag
def event_programme(event: Event) -> list[sessions.ProgrammeEntry]:
    """Programme items and time slots in time order (three queries at most)."""
    return sessions.programme(event)


@register.simple_tag
def session_summary(registration: Registration) -> list[sessions.SlotChoice]:
    """The event's slots with the registration's choice in each (one query without slots)."""
    return sessions.slot_choices(registration)
