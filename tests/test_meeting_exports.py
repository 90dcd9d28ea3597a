"""Participant lists of an event for staff (CSV, XLSX, PDF), the list for participants and the
name badges."""

from __future__ import annotations

import io
import secrets

import pytest
from django.utils import timezone
from django.utils.formats import date_format
from openpyxl import load_workbook
from pypdf import PdfReader

from meetings.events import exports, pdf
from meetings.models import Event, Registration
from portal.spreadsheets import XLSX_TYPE
from tests.factories import AffiliationFactory, EventFactory
from tests.helpers import read_csv

pytestmark = pytest.mark.django_db
Status = Registration.Status
EVENTS = "/admin/meetings/event/"


@pytest.fixture
def event():
    return EventFactory(title="Netzwerktreffen: Köln/Bonn 2026", capacity=None)


def member(event, name, status=Status.CONFIRMED, **fields):
    affiliation = AffiliationFactory(user__full_name=name)
    return Registration.objects.create(
        event=event,
        user=affiliation.user,
        organisation=affiliation.organisation,
        registered_by=affiliation.user,
        status=status,
        **fields,
    )


def guest(event, name, organisation="Freiwilligenagentur Bonn", **fields):
    return Registration.objects.create(
        event=event,
        guest_name=name,
        guest_email=f"gast-{secrets.token_hex(4)}@verein.example",
        guest_organisation=organisation,
        guest_token=secrets.token_urlsafe(32),
        status=fields.pop("status", Status.CONFIRMED),
        **fields,
    )


@pytest.fixture
def people(event):
    """Three confirmed (two agreed to be listed), one on the waiting list, one cancelled."""
    return {
        "listed": member(event, "Lena Liste", listed_consent=True, needs="vegan"),
        "unlisted": member(event, "Ulla Ungenannt", attended_at=timezone.now()),
        "guest": guest(event, "Gerda Gast", listed_consent=True),
        "waiting": member(event, "Willi Warten", status=Status.WAITLISTED, listed_consent=True),
        "cancelled": member(event, "Carl Storno", status=Status.CANCELLED, listed_consent=True),
    }


def pdf_text(content: bytes):
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


# --- CSV and XLSX -----------------------------------------------------------------------------


def test_the_csv_lists_the_confirmed_with_everything_staff_need(staff_client, event, people):
    response = staff_client.get(f"{EVENTS}{event.pk}/participants.csv")
    assert 'filename="netzwerktreffen-kolnbonn-2026' in response["Content-Disposition"]
    assert response["Content-Disposition"].endswith('-participants.csv"')
    header, *rows = read_csv(response)
    assert header == [
        "Name",
        "E-mail",
        "Municipality or organisation",
        "Member or guest",
        "Dietary or accessibility needs",
        "On the participant list",
        "Checked in",
        "Registered",
    ]
    assert [row[0] for row in rows] == ["Gerda Gast", "Lena Liste", "Ulla Ungenannt"]
    lena = rows[1]
    assert lena[1] == people["listed"].user.email
    assert lena[2] == people["listed"].organisation.authority.name
    assert lena[3:6] == ["member", "vegan", "yes"]
    assert lena[6] == ""
    assert rows[0][2:4] == ["Freiwilligenagentur Bonn", "guest"]
    assert rows[2][6] != "", "the time of the check-in"


def test_a_formula_in_a_name_is_not_run_by_excel(staff_client, event):
    guest(event, "=HYPERLINK(1)")
    _, row = read_csv(staff_client.get(f"{EVENTS}{event.pk}/participants.csv"))
    assert row[0] == "'=HYPERLINK(1)"
    workbook = load_workbook(
        io.BytesIO(staff_client.get(f"{EVENTS}{event.pk}/participants.xlsx").content)
    )
    # In XLSX the cell itself says it holds text: no apostrophe shows, nothing is run.
    name = workbook.worksheets[0]["A2"]
    assert (name.value, name.data_type, name.quotePrefix) == ("=HYPERLINK(1)", "s", True)


def test_the_xlsx_has_a_bold_header_widths_and_the_same_rows(staff_client, event, people):
    response = staff_client.get(f"{EVENTS}{event.pk}/participants.xlsx")
    assert response["Content-Type"] == XLSX_TYPE
    assert response["Content-Disposition"].endswith('-participants.xlsx"')
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    assert sheet.title == "Netzwerktreffen  Köln Bonn 2026"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Name"
    assert all(cell.font.bold for cell in sheet[1])
    assert [row[0] for row in rows[1:]] == ["Gerda Gast", "Lena Liste", "Ulla Ungenannt"]
    assert rows[2][4] == "vegan"
    assert rows[3][6] is not None, "the check-in is a date in the sheet"
    assert sheet.column_dimensions["B"].width > len("E-mail")
    assert sheet.freeze_panes == "A2"


def test_names_are_sorted_as_in_a_german_list(event):
    for name in ("Zora Zimmermann", "Ömer Özdemir", "anton Adler", "Ole Olsen"):
        member(event, name)
    assert [r.name for r in exports.participants(event)] == [
        "anton Adler",
        "Ole Olsen",
        "Ömer Özdemir",
        "Zora Zimmermann",
    ]


def test_the_exports_need_as_many_queries_for_50_people_as_for_5(
    staff_client, event, django_assert_max_num_queries
):
    for n in range(5):
        member(event, f"Person {n}")
    with django_assert_max_num_queries(10) as few:
        staff_client.get(f"{EVENTS}{event.pk}/participants.csv")
    for n in range(45):
        member(event, f"Weitere {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        rows = read_csv(staff_client.get(f"{EVENTS}{event.pk}/participants.csv"))
    assert len(rows) == 51


# --- PDFs -------------------------------------------------------------------------------------


def test_the_list_for_participants_names_only_those_who_agreed(staff_client, event, people):
    response = staff_client.get(f"{EVENTS}{event.pk}/participant-list.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].endswith('-list-of-participants.pdf"')
    text = pdf_text(response.content)
    assert "Lena Liste" in text
    assert "Gerda Gast" in text
    assert "Freiwilligenagentur Bonn" in text
    for absent in ("Ulla Ungenannt", "Willi Warten", "Carl Storno", "vegan"):
        assert absent not in text, absent
    assert people["listed"].user.email not in text
    assert date_format(timezone.localtime(event.starts_at), "DATE_FORMAT") in text
    reader = PdfReader(io.BytesIO(response.content))
    assert reader.metadata.title == f"List of participants: {event.title}"
    assert reader.trailer["/Root"]["/Lang"] == "en"
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (210, 297)


def test_the_list_for_participants_says_so_when_nobody_agreed(event):
    member(event, "Ulla Ungenannt")
    text = pdf_text(pdf.participant_list(event, for_participants=True))
    assert "Ulla Ungenannt" not in text
    assert "Bisher hat niemand der Nennung auf der Liste zugestimmt" in text


def test_the_staff_pdf_has_everyone_confirmed_with_their_needs(staff_client, event, people):
    response = staff_client.get(f"{EVENTS}{event.pk}/participants.pdf")
    text = pdf_text(response.content)
    for name in ("Lena Liste", "Ulla Ungenannt", "Gerda Gast", "vegan"):
        assert name in text, name
    for absent in ("Willi Warten", "Carl Storno"):
        assert absent not in text
    assert "for the team" in text.lower()


def test_badges_put_eight_confirmed_people_on_a_sheet(staff_client, event):
    for n in range(9):
        member(event, f"Person Nummer{n}")
    member(event, "Willi Warten", status=Status.WAITLISTED)
    response = staff_client.get(f"{EVENTS}{event.pk}/badges.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].endswith('-name-badges.pdf"')
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 2
    first, second = (page.extract_text() for page in reader.pages)
    assert sum(f"Nummer{n}" in first for n in range(9)) == 8
    assert "Nummer8" in second
    assert "Willi Warten" not in first + second
    assert event.title in first


def test_badges_without_anyone_confirmed_say_so(staff_client, event):
    member(event, "Willi Warten", status=Status.WAITLISTED)
    response = staff_client.get(f"{EVENTS}{event.pk}/badges.pdf", follow=True)
    assert response.redirect_chain[-1][0] == f"{EVENTS}{event.pk}/change/"
    assert "no confirmed participants" in response.content.decode()


@pytest.mark.parametrize(
    "tail", ["participants.pdf", "participant-list.pdf", "badges.pdf", "participants.xlsx"]
)
def test_people_who_are_not_staff_get_no_list(client, event, people, tail):
    client.force_login(people["listed"].user)
    response = client.get(f"{EVENTS}{event.pk}/{tail}")
    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


def test_a_list_of_an_unknown_event_is_404(staff_client):
    missing = (Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    assert staff_client.get(f"{EVENTS}{missing}/participants.csv").status_code == 404
