"""The audience of information e-mails that meetings knows: the registrants of an event.

Members and guests alike; "all" means everyone with a place or on the waiting list (not those
who cancelled, nor guests who never confirmed their address), "attended" everyone checked in.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from meetings.events.models import DELETED_ACCOUNTS, Event, Registration
from portal.mailings.segments import (
    Recipient,
    recipient_language,
    register_member_check,
    register_segment,
)

Status = Registration.Status

STATUS_CHOICES = [
    ("all", pgettext_lazy("registrants", "all (with a place or on the waiting list)")),
    ("confirmed", pgettext_lazy("registrants", "with a place")),
    ("attended", pgettext_lazy("registrants", "checked in")),
    ("waitlisted", pgettext_lazy("registrants", "on the waiting list")),
]
FILTERS = {
    "all": Q(status__in=Registration.ACTIVE),
    "confirmed": Q(status=Status.CONFIRMED),
    "attended": Q(attended_at__isnull=False),
    "waitlisted": Q(status=Status.WAITLISTED),
}


def _fields() -> dict[str, forms.Field]:
    return {
        "event": forms.ModelChoiceField(
            queryset=Event.objects.order_by("-starts_at", "-id"),
            label=_("Event"),
            error_messages={
                "required": _("Please choose an event."),
                "invalid_choice": _("This event does not exist (any more)."),
            },
        ),
        "status": forms.ChoiceField(
            choices=STATUS_CHOICES,
            label=_("Which registrants"),
            error_messages={"required": _("Please choose which registrants.")},
        ),
    }


def _registrations(params: dict[str, Any]) -> QuerySet[Registration]:
    return (
        Registration.objects.filter(FILTERS[params["status"]], event_id=params["event"])
        .exclude(user__is_active=False)
        .exclude(DELETED_ACCOUNTS)
    )


@register_segment("meetings.registrants", _("Registrants of an event"), fields=_fields)
def registrants(params: dict[str, Any]) -> Iterable[Recipient]:
    rows = (
        _registrations(params)
        .order_by("created_at", "id")
        .values_list("user_id", "user__email", "user__language", "guest_email", "guest_language")
    )
    for user_id, email, language, guest_email, guest_language in rows:
        if user_id is None:
            yield Recipient(guest_email, None, recipient_language(guest_language))
        else:
            yield Recipient(email, user_id, recipient_language(language))


@register_member_check("meetings.registrants")
def is_registrant(params: dict[str, Any], user_id: int) -> bool:
    return _registrations(params).filter(user_id=user_id).exists()
