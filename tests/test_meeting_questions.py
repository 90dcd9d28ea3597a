"""An event's own questions at registration: asked, checked, kept, shown and exported."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from meetings.models import Event, Registration, RegistrationQuestion
from portal.models import OutboundEmail
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db
Kind = RegistrationQuestion.Kind


@pytest.fixture
def event(member_a) -> Event:
    EventFactory(audience=Event.Audience.OPEN)
    event = Event.objects.latest("pk")
    RegistrationQuestion.objects.create(
        event=event, label="Nehmen Sie am Abendessen teil?", kind=Kind.YES_NO, required=True
    )
    RegistrationQuestion.objects.create(
        event=event,
        label="Welche Exkursion wählen Sie?",
        kind=Kind.CHOICE,
        choices="Zeche Zollverein\n\nGrugapark\n",
        position=2,
    )
    RegistrationQuestion.objects.create(
        event=event, label="Was möchten Sie einbringen?", kind=Kind.TEXT, position=3
    )
    return event


def fields(event: Event) -> dict[str, str]:
    """The form field name of each question, by its kind."""
    return {q.kind: f"question_{q.pk}" for q in event.questions.all()}


def register(user, event: Event, **data):
    client = Client()
    client.force_login(user)
    return client.post(reverse("meetings:register", args=[event.pk]), data)


def test_the_event_page_asks_the_events_questions_in_their_order(event, contact_a):
    client = Client()
    client.force_login(contact_a)
    html = client.get(reverse("meetings:event_detail", args=[event.pk])).content.decode()

    dinner = html.index("Nehmen Sie am Abendessen teil?")
    excursion = html.index("Welche Exkursion wählen Sie?")
    assert dinner < excursion < html.index("Was möchten Sie einbringen?")
    assert 'value="Zeche Zollverein"' in html
    assert 'value="Grugapark"' in html
    assert html.count('type="radio"') == 4  # yes/no and two excursions; blank lines dropped


def test_the_answers_are_stored_with_the_wording_of_each_question(event, contact_a):
    names = fields(event)
    response = register(
        contact_a,
        event,
        **{names[Kind.YES_NO]: "yes", names[Kind.CHOICE]: "Grugapark", names[Kind.TEXT]: ""},
    )

    assert response.status_code == 302
    registration = Registration.objects.get(user=contact_a, event=event)
    assert [(a["label"], a["answer"]) for a in registration.answers] == [
        ("Nehmen Sie am Abendessen teil?", "ja"),
        ("Welche Exkursion wählen Sie?", "Grugapark"),
    ]
    page = Client()
    page.force_login(contact_a)
    html = page.get(reverse("meetings:registration", args=[registration.pk])).content.decode()
    assert "Welche Exkursion wählen Sie?" in html
    assert "Grugapark" in html


def test_a_missing_required_answer_is_named_next_to_the_question_and_nothing_is_lost(
    event, contact_a
):
    names = fields(event)
    response = register(
        contact_a,
        event,
        needs="Rollstuhlplatz",
        **{names[Kind.CHOICE]: "Grugapark", names[Kind.TEXT]: "Erfahrungen mit Engagementbörsen"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Bitte wählen Sie eine Antwort." in html
    assert "Rollstuhlplatz" in html
    assert "Erfahrungen mit Engagementbörsen" in html
    (grugapark,) = re.findall(r'<input[^>]*value="Grugapark"[^>]*>', html)
    assert "checked" in grugapark
    assert not Registration.objects.filter(event=event).exists()


def test_an_answer_that_was_not_offered_is_refused(event, contact_a):
    names = fields(event)
    response = register(
        contact_a, event, **{names[Kind.YES_NO]: "no", names[Kind.CHOICE]: "Phantasialand"}
    )

    assert response.status_code == 200
    assert "Bitte wählen Sie eine der angezeigten Antworten." in response.content.decode()
    assert not Registration.objects.filter(event=event).exists()


def test_an_overlong_text_answer_gets_a_clear_message(event, contact_a):
    names = fields(event)
    response = register(contact_a, event, **{names[Kind.YES_NO]: "no", names[Kind.TEXT]: "x" * 501})

    assert "höchstens 500 Zeichen" in response.content.decode()
    assert not Registration.objects.filter(event=event).exists()


def test_a_guest_answers_the_questions_too(event, client):
    names = fields(event)
    client.post(
        reverse("meetings:guest_register", args=[event.pk]),
        {
            "name": "Gerda Gast",
            "email": "gerda@verein.example",
            "privacy": "on",
            names[Kind.YES_NO]: "no",
        },
    )

    registration = Registration.objects.get(event=event, guest_email="gerda@verein.example")
    assert registration.status == Registration.Status.PENDING
    assert registration.answers == [
        {
            "question": event.questions.first().pk,
            "label": "Nehmen Sie am Abendessen teil?",
            "answer": "nein",
        }
    ]
    assert OutboundEmail.objects.filter(kind="meetings/guest_confirm").exists()


def test_a_choice_question_needs_two_answers_to_choose_from(event):
    question = RegistrationQuestion(event=event, label="Wohin?", kind=Kind.CHOICE, choices="A\n")
    with pytest.raises(ValidationError) as raised:
        question.full_clean()
    assert "choices" in raised.value.message_dict


def test_the_staff_export_has_a_column_for_each_question(event, contact_a, staff_user, settings):
    names = fields(event)
    register(contact_a, event, **{names[Kind.YES_NO]: "yes", names[Kind.TEXT]: "Praxisbeispiel"})
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    client = Client()
    client.force_login(staff_user)

    response = client.get(f"/admin/meetings/event/{event.pk}/participants.csv")

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    header, row = rows[0], rows[1]
    assert header[-3:] == [
        "Nehmen Sie am Abendessen teil?",
        "Welche Exkursion wählen Sie?",
        "Was möchten Sie einbringen?",
    ]
    assert row[-3:] == ["ja", "", "Praxisbeispiel"]


def test_staff_edit_the_questions_on_the_event_and_see_the_answers(
    event, contact_a, staff_user, settings
):
    names = fields(event)
    register(contact_a, event, **{names[Kind.YES_NO]: "yes"})
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    client = Client()
    client.force_login(staff_user)

    event_page = client.get(f"/admin/meetings/event/{event.pk}/change/").content.decode()
    registration = Registration.objects.get(event=event)
    registration_page = client.get(
        f"/admin/meetings/registration/{registration.pk}/change/"
    ).content.decode()

    assert "Welche Exkursion wählen Sie?" in event_page
    assert "Nehmen Sie am Abendessen teil?: ja" in registration_page
