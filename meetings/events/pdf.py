"""Printed lists of an event, made with WeasyPrint: participant lists and name badges.

- `participant_list(event, for_participants=...)`: A4 list; the one for participants holds
  only people who agreed to be listed, with name and organisation, nothing else;
- `badges(event)`: name badges of the confirmed participants, eight to an A4 sheet (2 by 4)
  to cut apart.

Documents use the language that is active when they are made (the staff member's).
WeasyPrint itself is set up in `portal.pdf` (fonts, lock, local files only).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from meetings.events.exports import listed_participants, organisation_name, participants
from meetings.events.models import (
    Event,
    Registration,
    is_deleted_account,
    participant_email,
    participant_name,
)
from portal.pdf import PAGE_STYLESHEET, PROJECT_DIR, write_pdf

TEMPLATE_DIR = "meetings/pdf"
STYLESHEET = PROJECT_DIR / "templates" / TEMPLATE_DIR / "print.css"
BADGES_PER_SHEET = 8


def _write_pdf(html: str) -> bytes:
    return write_pdf(html, (PAGE_STYLESHEET, STYLESHEET))


def _entry(registration: Registration) -> dict[str, Any]:
    return {
        "name": participant_name(registration),
        "organisation": organisation_name(registration),
        "email": participant_email(registration),
        "is_guest": registration.is_guest and not is_deleted_account(registration),
        "needs": registration.needs,
        "answers": registration.answers,
        "listed_consent": registration.listed_consent,
        "attended_at": registration.attended_at,
    }


def _common(event: Event, title: str) -> dict[str, Any]:
    return {
        "event": event,
        "document_title": title,
        "language": translation.get_language() or settings.LANGUAGE_CODE,
        "made_at": timezone.now(),
    }


def participant_list_html(event: Event, *, for_participants: bool) -> str:
    if for_participants:
        people = listed_participants(event)
        title = _("List of participants: %(event)s") % {"event": event.title}
    else:
        people = participants(event)
        title = _("Participants (for the team): %(event)s") % {"event": event.title}
    context = {
        **_common(event, title),
        "for_participants": for_participants,
        "people": [_entry(r) for r in people],
    }
    return render_to_string(f"{TEMPLATE_DIR}/participants.html", context)


def participant_list(event: Event, *, for_participants: bool) -> bytes:
    """The list for participants (only who agreed, name and organisation) or for the team."""
    return _write_pdf(participant_list_html(event, for_participants=for_participants))


def badges_html(event: Event) -> str:
    entries = [_entry(r) for r in participants(event)]
    sheets = [
        entries[start : start + BADGES_PER_SHEET]
        for start in range(0, len(entries), BADGES_PER_SHEET)
    ]
    title = _("Name badges: %(event)s") % {"event": event.title}
    return render_to_string(
        f"{TEMPLATE_DIR}/badges.html", {**_common(event, title), "sheets": sheets}
    )


def badges(event: Event) -> bytes:
    """Name badges of the confirmed participants: name, organisation and the event."""
    return _write_pdf(badges_html(event))
