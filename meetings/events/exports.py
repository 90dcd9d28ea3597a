"""Participant lists of an event for staff: CSV for Excel, XLSX, and the data for the PDFs.

Only confirmed registrations are on a list. The staff list has everything the team needs at
the door and afterwards (e-mail, needs, consent, check-in); what participants get is made in
meetings.events.pdf from `listed_participants`, which holds only those who agreed to be listed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext

from meetings.events.models import (
    Event,
    Registration,
    RegistrationQuestion,
    is_deleted_account,
    participant_email,
    participant_name,
)
from portal.spreadsheets import XLSX_TYPE, csv_response, xlsx_bytes
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


def headers(questions: Sequence[RegistrationQuestion] = ()) -> list[str]:
    """The columns; one more for each of the event's own questions."""
    return [
        gettext("Name"),
        gettext("E-mail"),
        gettext("Municipality or organisation"),
        gettext("Member or guest"),
        gettext("Dietary or accessibility needs"),
        gettext("On the participant list"),
        gettext("Checked in"),
        gettext("Registered"),
        *(question.label for question in questions),
    ]


def answer_to(registration: Registration, question: RegistrationQuestion) -> str:
    for item in registration.answers:
        if isinstance(item, dict) and item.get("question") == question.pk:
            return str(item.get("answer", ""))
    return ""


def rows(
    registrations: Iterable[Registration], questions: Sequence[RegistrationQuestion] = ()
) -> Iterable[list[object]]:
    guest, member = gettext("guest"), gettext("member")
    for registration in registrations:
        # A deleted account's trace still counts for its municipality: a member's place.
        is_member = not registration.is_guest or (
            is_deleted_account(registration) and registration.organisation_id is not None
        )
        yield [
            participant_name(registration),
            participant_email(registration),
            organisation_name(registration),
            member if is_member else guest,
            registration.needs,
            registration.listed_consent,
            registration.attended_at,
            registration.created_at,
            *(answer_to(registration, question) for question in questions),
        ]


def csv_export(event: Event) -> HttpResponse:
    questions = list(event.questions.all())
    return csv_response(
        filename(event, gettext("participants"), "csv"),
        headers(questions),
        rows(participants(event), questions),
    )


def xlsx_export(event: Event) -> HttpResponse:
    questions = list(event.questions.all())
    content = xlsx_bytes(event.title, headers(questions), rows(participants(event), questions))
    return file_response(content, XLSX_TYPE, filename(event, gettext("participants"), "xlsx"))


def file_response(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, name) or "attachment"
    return response


def pdf_response(event: Event, content: bytes, what: str) -> HttpResponse:
    """A PDF of the event to download, named after the event and `what` it is."""
    return file_response(content, "application/pdf", filename(event, what, "pdf"))
