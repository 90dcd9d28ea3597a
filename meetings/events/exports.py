"""Participant lists of an event for staff: CSV for Excel and XLSX (a django-import-export
resource, see portal.spreadsheets), and the data for the PDFs.

Only confirmed registrations are on a list. The staff list has everything the team needs at
the door and afterwards (e-mail, needs, consent, check-in); what participants get is made in
meetings.events.pdf from `listed_participants`, which holds only those who agreed to be listed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import partial
from operator import attrgetter

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.formats.base_formats import TablibFormat
from import_export.resources import Resource

from meetings.events.models import (
    Event,
    Registration,
    RegistrationQuestion,
    is_deleted_account,
    participant_email,
    participant_name,
)
from portal.spreadsheets import CSV, XLSX, column, export_response
from portal.text import german_sort_key


def sorted_by_name(registrations: Iterable[Registration]) -> list[Registration]:
    return sorted(registrations, key=lambda r: (german_sort_key(r.name), r.pk))


def organisation_name(registration: Registration) -> str:
    """The municipality of a member's registration, or what a guest gave as organisation."""
    if registration.organisation is not None:
        return registration.organisation.authority.name
    return registration.guest_organisation


def participants(event: Event) -> list[Registration]:
    """The confirmed registrations of the event, by name."""
    registrations = event.registrations.filter(status=Registration.Status.CONFIRMED).select_related(
        "user", "organisation__authority"
    )
    return sorted_by_name(registrations)


def listed_participants(event: Event) -> list[Registration]:
    """The confirmed participants who agreed to be on the list given to participants."""
    return [r for r in participants(event) if r.listed_consent]


def filename(event: Event, what: str, extension: str) -> str:
    """For example "netzwerktreffen-in-koeln-2026-09-14-teilnehmerliste.csv"."""
    date = timezone.localtime(event.starts_at).date().isoformat()
    stem = "-".join(part for part in (slugify(event.title), date, slugify(what)) if part)
    return f"{stem}.{extension}"


class ParticipantResource(Resource):
    """The staff's participant list; one more column for each of the event's own questions."""

    name = column(_("Name"), participant_name)
    email = column(_("E-mail"), participant_email)
    organisation = column(_("Municipality or organisation"), organisation_name)
    member = column(
        _("Member or guest"), lambda r: gettext("member") if is_member(r) else gettext("guest")
    )
    needs = column(_("Dietary or accessibility needs"), attrgetter("needs"))
    listed = column(_("On the participant list"), attrgetter("listed_consent"))
    checked_in = column(_("Checked in"), attrgetter("attended_at"))
    registered = column(_("Registered"), attrgetter("created_at"))

    def __init__(self, questions: Sequence[RegistrationQuestion] = ()) -> None:
        super().__init__()
        for question in questions:
            self.fields[f"question_{question.pk}"] = column(
                question.label, partial(answer_to, question=question)
            )


def is_member(registration: Registration) -> bool:
    """A deleted account's trace still counts for its municipality: a member's place."""
    return not registration.is_guest or (
        is_deleted_account(registration) and registration.organisation_id is not None
    )


def answer_to(registration: Registration, question: RegistrationQuestion) -> str:
    for item in registration.answers:
        if isinstance(item, dict) and item.get("question") == question.pk:
            return str(item.get("answer", ""))
    return ""


def export(event: Event, file_format: TablibFormat) -> HttpResponse:
    """The participant list of the event as CSV or XLSX."""
    resource = ParticipantResource(list(event.questions.all()))
    name = filename(event, gettext("participants"), file_format.get_extension())
    return export_response(resource, participants(event), file_format, name, title=event.title)


def rows(
    registrations: Iterable[Registration], questions: Sequence[RegistrationQuestion] = ()
) -> list[list[object]]:
    """The list's rows as the files have them, before they are written."""
    return [list(row) for row in ParticipantResource(questions).export(registrations)]


def csv_export(event: Event) -> HttpResponse:
    return export(event, CSV)


def xlsx_export(event: Event) -> HttpResponse:
    return export(event, XLSX)


def file_response(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, name) or "attachment"
    return response


def pdf_response(event: Event, content: bytes, what: str) -> HttpResponse:
    """A PDF of the event to download, named after the event and `what` it is."""
    return file_response(content, "application/pdf", filename(event, what, "pdf"))
