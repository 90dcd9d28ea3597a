"""{% event_documentation event as documentation %}: what the event page lists of its files."""

from __future__ import annotations

from typing import Any

from django import template

from meetings.documents import Documentation, documentation
from meetings.models import Event

register = template.Library()


@register.simple_tag(takes_context=True)
def event_documentation(context: dict[str, Any], event: Event) -> Documentation:
    """The documents of a past event that the current visitor may open."""
    request = context.get("request")
    user = context.get("user") or getattr(request, "user", None)
    if user is None:
        from django.contrib.auth.models import AnonymousUser

        user = AnonymousUser()
    return documentation(event, user)
