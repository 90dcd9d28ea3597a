"""Copying an event as the start of the next one: its settings, programme and questions.

The copy is a draft with its dates moved by an offset (and the registration window with them),
a new calendar revision count, and a link to where it came from. Nothing of the people of the
original comes along: no registrations, answers, check-ins or documents. The time slots and
sessions belong to meetings.sessions, which copies them on top of this (copy_event_with_sessions).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from meetings.events.models import Event, ProgrammeItem, RegistrationQuestion
from portal.copying import Offset, shifted, unsaved_copy

# The event's moments that move with the offset, in the order they are checked for the past.
MOVED = (
    "registration_opens_at",
    "registration_closes_at",
    "cancellation_deadline",
    "starts_at",
    "ends_at",
)


def too_early(event: Event, by: Offset) -> str:
    """Why the offset does not do for a copy of `event` ("" if it does): a copy's registration
    and the event itself have to lie ahead, or the draft would be born late."""
    now = timezone.now()
    checks = (
        (
            "registration_opens_at",
            _(
                "With this offset the registration for “%(event)s” would open on %(date)s, "
                "which is in the past."
            ),
        ),
        (
            "registration_closes_at",
            _(
                "With this offset the registration for “%(event)s” would close on %(date)s, "
                "which is in the past."
            ),
        ),
        (
            "starts_at",
            _("With this offset “%(event)s” would start on %(date)s, which is in the past."),
        ),
    )
    for field, wording in checks:
        moment = shifted(getattr(event, field), by)
        if moment is not None and moment <= now:
            when = formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
            return wording % {"event": event.title, "date": when}
    return ""


def copy_event(event: Event, by: Offset) -> Event:
    """A draft copy of `event` with its programme and registration questions, moved by `by`.
    The caller holds the transaction (copy_event_with_sessions)."""
    problem = too_early(event, by)
    if problem:
        raise ValidationError(problem)
    duplicate = unsaved_copy(
        event,
        status=Event.Status.DRAFT,
        cancelled_at=None,
        sequence=0,
        revised_at=None,
        copied_from=event,
        **{field: shifted(getattr(event, field), by) for field in MOVED},
    )
    duplicate.save()
    ProgrammeItem.objects.bulk_create(
        unsaved_copy(
            item,
            event=duplicate,
            starts_at=shifted(item.starts_at, by),
            ends_at=shifted(item.ends_at, by),
        )
        for item in event.programme_items.all()
    )
    RegistrationQuestion.objects.bulk_create(
        unsaved_copy(question, event=duplicate) for question in event.questions.all()
    )
    return duplicate
