"""{% event_publications event as publications %}: the library's items of an event."""

from __future__ import annotations

from typing import Any

from django import template
from django.contrib.auth.models import AnonymousUser

from meetings.events.models import Event
from meetings.library.models import Publication
from meetings.library.services import event_publications as visible_event_publications

register = template.Library()


@register.simple_tag(takes_context=True)
def event_publications(context: dict[str, Any], event: Event) -> list[Publication]:
    """The event's publications that the current visitor may see (one query, and two to know
    whether the visitor is a member)."""
    request = context.get("request")
    user = context.get("user") or getattr(request, "user", None) or AnonymousUser()
    return visible_event_publications(event, user)
