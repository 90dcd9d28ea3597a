"""Words that cannot be confused: "einloggen" for the account, "(zur Veranstaltung) anmelden"
for events, and no "optional" on filters (issue 15, chafes)."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.urls import reverse

from meetings.models import Event
from tests.factories import EventFactory
from tests.helpers import client_for

CATALOGUE = Path(__file__).resolve().parent.parent / "locale/de/LC_MESSAGES/django.po"
EVENT_SOURCES = ("meetings/", "templates/meetings/", "templates/emails/meetings/")
LOGIN = re.compile(r"\blog(?:s|ged)? in\b|\blogin\b", re.IGNORECASE)
REGISTER = re.compile(r"\bregist", re.IGNORECASE)


def _texts(entry) -> list[str]:
    return [entry.msgstr, *entry.msgstr_plural.values()]


def _about_events(entry) -> bool:
    return any(path.startswith(EVENT_SOURCES) for path, _line in entry.occurrences)


def test_no_german_event_text_says_anmelden_for_logging_in():
    catalogue = polib.pofile(str(CATALOGUE))
    confusing = [
        entry.msgid
        for entry in catalogue
        if LOGIN.search(entry.msgid)
        and (_about_events(entry) or REGISTER.search(entry.msgid))
        and any(
            re.search(r"melden Sie sich an|angemeldet:|nach der Anmeldung", t)
            for t in _texts(entry)
        )
    ]
    assert confusing == []


def test_no_german_event_text_says_registrieren():
    """The word "Registrieren" is for creating an account, never for taking part in an event."""
    catalogue = polib.pofile(str(CATALOGUE))
    wrong = [
        entry.msgid
        for entry in catalogue
        if _about_events(entry) and any("registrier" in t.lower() for t in _texts(entry))
    ]
    assert wrong == []


@pytest.mark.django_db
def test_an_anonymous_visitor_is_asked_to_log_in_and_then_to_register_for_the_event(client):
    event = EventFactory(audience=Event.Audience.MEMBERS_STAFF)
    html = client.get(reverse("meetings:event_detail", args=[event.pk])).content.decode()
    area = html.split('id="registration-area"', 1)[1]
    assert "Bitte loggen Sie sich ein, um sich zu dieser Veranstaltung anzumelden." in area
    assert "Einloggen und zur Veranstaltung anmelden" in area
    assert "melden Sie sich an" not in area


@pytest.mark.django_db
def test_the_event_button_says_zur_veranstaltung_anmelden(member_a, colleague_a):
    event = EventFactory()
    page = client_for(colleague_a).get(reverse("meetings:event_detail", args=[event.pk]))
    form = page.content.decode().split('id="register-form"', 1)[1].split("</form>", 1)[0]
    assert "Zur Veranstaltung anmelden" in form
    assert "Registrieren" not in form


@pytest.mark.django_db
@pytest.mark.parametrize(
    "address", ["/veranstaltungen/", "/netzwerk/mitglieder/", "/wissen/", "/antrag/neu/"]
)
def test_filters_and_searches_mark_no_field_optional(address, user_without_organisation):
    html = client_for(user_without_organisation).get(address).content.decode()
    assert "kern-form-input" in html
    assert "kern-label__optional" not in html
