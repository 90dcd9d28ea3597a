"""{% event_documentation event as documentation %}: what the event page lists of its files."""

from __future__ import annotations

from typing import Any

from django import template
from django.contrib.auth.models import AnonymousUser

from meetings.documents.services import Documentation, documentation
from meetings.events.models import Event

register = template.Library()


@register.simple_tag(takes_context=True)
def event_documentation(context: dict[str, Any], event: Event) -> Documentation:
    """The documents of a past event that the current visitor may open."""
    request = context.get("request")
    user = context.get("user") or getattr(request, "user", None)
    if user is None:
        user = AnonymousUser()
    return documentation(event, user)
