"""Bad input for the members' forms: the application, people and practice examples, the
declaration, events, surveys, e-mail preferences and the account, and addresses with a token.
How the input is drawn: tests/test_fuzz_forms_public.py."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from declarations.models import DeclarationVersion
from meetings.events import services as meeting_services
from meetings.models import Event, Registration, RegistrationQuestion
from members.models import Affiliation, Application, Invitation, PracticeExample, Profile
from members.people.services import invite
from portal.mailings.unsubscribe import unsubscribe_token
from tests.factories import PASSWORD, EventFactory, SessionFactory, TimeSlotFactory
from tests.support import fuzz as support
from tests.support.fuzz import (
    check,
    example,
    field,
    form_data,
    fuzz,
    get,
    htmx,
    likely,
    post,
    scalar,
    the_application,
)

pytestmark = pytest.mark.django_db


# Fixtures of tests/support/fuzz.py that these tests ask for by name.
draft = support.draft
member_event = support.member_event
open_event = support.open_event
submitted = support.submitted
survey = support.survey
topic = support.topic


def question_fields(event: Event) -> dict[str, st.SearchStrategy[Any]]:
    valid: dict[str, tuple[str, ...]] = {
        RegistrationQuestion.Kind.YES_NO: ("yes", "no"),
        RegistrationQuestion.Kind.CHOICE: ("Zeche", "Park"),
        RegistrationQuestion.Kind.TEXT: ("Gern vegetarisch",),
    }
    return {f"question_{q.pk}": field(*valid[q.kind]) for q in event.questions.all()}


# --- The application --------------------------------------------------------------------------

APPLICATION_FIELDS = {
    "contact_name": field("Erika Engagiert"),
    "contact_office": field("Ehrenamtsbüro"),
    "contact_email": field("erika@kommune.example"),
    "cross_cutting_task": field("Querschnittsaufgabe beim Bürgermeisterbüro " * 3),
    "willing_to_sign": field("on"),
    "ehrenamtskarte_status": field("participating", "planned", "comparable"),
    "ehrenamtskarte_planned_for": field("2027-01-01", "01.01.2027", "2027-02-30"),
    "comparable_instrument": field("Ehrenamtspreis"),
    "commits_to_participate": field("on"),
    "action": field("save", "submit"),
}


@fuzz(30)
@given(data=form_data({"authority": field("05334002", "05913000")}), q=field("Aachen", "0533"))
def test_starting_an_application_survives_anything(client, user_without_organisation, data, q):
    url = reverse("members:application_start")
    with example(client, user_without_organisation) as c:
        get(c, url, {"q": q})
        post(c, url, data)


@pytest.fixture
def queried(contact_a, organisation_a):
    return the_application(organisation_a, contact_a, Application.Status.QUERY)


@fuzz(40)
@given(data=form_data(APPLICATION_FIELDS))
def test_editing_the_application_survives_anything(client, contact_a, draft, data):
    with example(client, contact_a) as c:
        post(c, reverse("members:application_edit", args=[draft.pk]), data)


@fuzz(25)
@given(data=form_data({"answer": field("Das Ehrenamtsbüro koordiniert.")}))
def test_answering_a_question_survives_anything(client, contact_a, queried, data):
    with example(client, contact_a) as c:
        post(c, reverse("members:application_answer", args=[queried.pk]), data)


@fuzz(25)
@given(data=form_data({"reason": field("Wir warten den Ratsbeschluss ab.")}))
def test_withdrawing_survives_anything(client, contact_a, submitted, data):
    application = submitted
    with example(client, contact_a) as c:
        post(c, reverse("members:application_withdraw", args=[application.pk]), data)


# --- People, profile, practice examples -------------------------------------------------------


@fuzz(30)
@given(
    data=form_data({"email": field("neu@kommune.example"), "role": field(*Affiliation.Role.values)})
)
def test_inviting_survives_anything(client, contact_a, data):
    with example(client, contact_a) as c:
        post(c, reverse("members:invite"), data)


PROFILE_FIELDS = {
    "introduction": field("Wir fördern das Ehrenamt."),
    "coordination_office": field("Ehrenamtsbüro im Rathaus"),
    "engagement_alliance": field(""),
    "guidelines": field("Leitlinien seit 2019"),
    "ehrenamtskarte": field(*Profile.Ehrenamtskarte.values),
    "website": field("https://www.example-town.de", "www.example-town.de", "ftp://x.de"),
}


@fuzz(30)
@given(data=form_data(PROFILE_FIELDS))
def test_editing_the_profile_survives_anything(client, contact_a, data):
    with example(client, contact_a) as c:
        post(c, reverse("members:profile_edit"), data)


@fuzz(25)
@given(data=form_data({"consent": field("on"), "office": field("Ehrenamtsbüro")}))
def test_the_public_contact_consent_survives_anything(client, colleague_a, data):
    with example(client, colleague_a) as c:
        post(c, reverse("members:public_contact"), data)


PRACTICE_FIELDS = {
    "title": field("Ehrenamtsmesse"),
    "text": field("Vereine stellen sich vor."),
    "link": field("https://www.example.org/messe", "example.org"),
    "image_alt": field("Menschen am Infostand"),
    "remove_image": field("on"),
}


@pytest.fixture
def practice(contact_a):
    profile = Profile.objects.create(organisation=contact_a.affiliation.organisation)
    return PracticeExample.objects.create(profile=profile, title="Messe", text="Text")


@fuzz(30)
@given(data=form_data(PRACTICE_FIELDS), editing=st.booleans())
def test_practice_examples_survive_anything(client, contact_a, practice, data, editing):
    if editing:
        url = reverse("members:practice_edit", args=[practice.pk])
    else:
        url = reverse("members:practice_create")
    with example(client, contact_a) as c:
        post(c, url, data)


# --- The declaration --------------------------------------------------------------------------


@fuzz(35)
@given(
    data=form_data(
        {
            "signatory_name": field("Dr. Berta Bürgermeisterin"),
            "signatory_office": field("Bürgermeisterin"),
            "place": field("Musterstadt"),
            "signed_on": field(
                timezone.localdate().isoformat(), "01.06.2026", "2026-02-30", "9999-12-31"
            ),
            "authorisation_confirmed": field("on"),
        }
    )
)
def test_signing_the_declaration_survives_anything(client, member_a, contact_a, data):
    version = DeclarationVersion.objects.get(is_current=True)
    assert version.published_on is not None
    with example(client, contact_a) as c:
        post(c, reverse("declarations:sign"), data)


# --- Events -----------------------------------------------------------------------------------


@fuzz(35)
@given(data=st.data(), as_htmx=htmx)
def test_registering_for_an_event_survives_anything(
    client, member_event, contact_a, colleague_a, data, as_htmx
):
    fields = {
        **question_fields(member_event),
        "participant": likely("", str(colleague_a.pk), "0"),
        "listed_consent": field("on"),
        "needs": field("vegetarisch"),
    }
    sent = data.draw(form_data(fields))
    with example(client, contact_a) as c:
        post(c, reverse("meetings:register", args=[member_event.pk]), sent, as_htmx)


@fuzz(35)
@given(data=st.data(), as_htmx=htmx)
def test_registering_as_a_guest_survives_anything(client, open_event, data, as_htmx):
    event = open_event
    fields = {
        **question_fields(event),
        "name": field("Gerda Gast"),
        "email": field("gerda@verein.example"),
        "organisation": field("Sportverein"),
        "listed_consent": field("on"),
        "needs": field(""),
        "privacy": field("on"),
    }
    sent = data.draw(form_data(fields))
    with example(client) as c:
        post(c, reverse("meetings:guest_register", args=[event.pk]), sent, as_htmx)


@pytest.fixture
def registration_with_sessions(member_a, contact_a):
    event = EventFactory.create()
    slot = TimeSlotFactory.create(event=event)
    SessionFactory.create(slot=slot)
    SessionFactory.create(slot=slot, capacity=1)
    registration = meeting_services.register(event, contact_a, registered_by=contact_a)
    assert registration.status == Registration.Status.CONFIRMED
    return registration


@fuzz(30)
@given(data=st.data(), as_htmx=htmx)
def test_choosing_workshops_survives_anything(
    client, registration_with_sessions, contact_a, data, as_htmx
):
    slot = registration_with_sessions.event.slots.get()
    session_ids = [str(pk) for pk in slot.sessions.values_list("pk", flat=True)]
    sent = data.draw(form_data({f"slot-{slot.pk}": likely("", *session_ids)}))
    url = reverse("meetings:sessions", args=[registration_with_sessions.pk])
    with example(client, contact_a) as c:
        post(c, url, sent, as_htmx)


@fuzz(20)
@given(data=form_data({}))
def test_cancelling_a_registration_survives_anything(
    client, registration_with_sessions, contact_a, data
):
    with example(client, contact_a) as c:
        post(c, reverse("meetings:cancel", args=[registration_with_sessions.pk]), data)


@pytest.fixture
def guest_registration(db):
    event = EventFactory.create(audience=Event.Audience.OPEN)
    TimeSlotFactory.create(event=event)
    pending = meeting_services.request_guest_registration(
        event, name="Gerda Gast", email="gerda@verein.example"
    )
    assert pending is not None
    return meeting_services.confirm_guest(pending)


@fuzz(25)
@given(
    data=form_data({"slot-1": field("", "1")}),
    what=st.sampled_from(["guest_sessions", "guest_cancel"]),
)
def test_a_guests_pages_survive_anything(client, guest_registration, data, what):
    with example(client) as c:
        post(c, reverse(f"meetings:{what}", args=[guest_registration.guest_token]), data)


# --- Surveys, e-mail preferences, unsubscribing, the account ----------------------------------


@fuzz(40)
@given(data=st.data())
def test_answering_a_survey_survives_anything(client, survey, contact_a, data):
    q = survey.q
    fields = {
        f"question_{q['single'].pk}": field("Ja", "Nein"),
        f"question_{q['multiple'].pk}": field(["Workshops", "Kurzformate"], "Workshops"),
        f"question_{q['scale'].pk}": field("1", "3", "5", "6"),
        f"question_{q['text'].pk}": field("Mehr Austausch"),
        "action": field("draft", "submit"),
    }
    sent = data.draw(form_data(fields))
    with example(client, contact_a) as c:
        post(c, reverse("members:survey", args=[survey.pk]), sent)


@fuzz(25)
@given(data=st.data())
def test_the_email_preferences_survive_anything(client, user_without_organisation, topic, data):
    sent = data.draw(
        form_data({"topics": field(str(topic.pk), [str(topic.pk), "0"]), "no_mail": field("on")})
    )
    with example(client, user_without_organisation) as c:
        post(c, reverse("email_preferences"), sent)


@fuzz(25)
@given(data=form_data({"List-Unsubscribe": field("One-Click")}))
def test_unsubscribing_survives_anything(client, data):
    token = unsubscribe_token("leser@kommune.example", None)
    with example(client) as c:
        post(c, reverse("unsubscribe", args=[token]), data)


@fuzz(30)
@given(data=form_data({"password": field(PASSWORD, "falsch"), "understood": field("on")}))
def test_deleting_the_account_survives_anything(client, user_without_organisation, data):
    with example(client, user_without_organisation) as c:
        post(c, reverse("account_delete"), data)


@pytest.fixture
def invitation(contact_a):
    return invite(contact_a.affiliation.organisation, contact_a, "neu@kommune.example", "colleague")


@fuzz(20)
@given(data=form_data({}))
def test_posts_without_fields_survive_anything(client, contact_a, colleague_a, invitation, data):
    assert isinstance(invitation, Invitation)
    urls = [
        reverse("meetings:feed_renew"),
        reverse("members:remove_person", args=[colleague_a.affiliation.pk]),
    ]
    with example(client, contact_a) as c:
        for url in urls:
            post(c, url, data)


# --- Addresses with a secret or a key in them --------------------------------------------------

TOKEN_URLS = [
    "/netzwerk/mitglieder/{}/",
    "/erklaerung/fassung/{}/",
    "/erklaerung/fassung/{}/formular.pdf",
    "/erklaerung/pruefen/{}/",
    "/einladung/{}/",
    "/abmelden/{}/",
    "/kalender/{}.ics",
    "/anmeldung/gast/bestaetigen/{}/",
    "/anmeldung/gast/{}/",
    "/anmeldung/gast/{}/kalender.ics",
    "/anmeldung/gast/{}/stornieren/",
    "/anmeldung/gast/{}/workshops/",
]


@fuzz(40)
@given(
    template=st.sampled_from(TOKEN_URLS),
    token=st.one_of(scalar.filter(bool), st.just("\x00")),
    method=st.sampled_from(["get", "post"]),
    logged_in=st.booleans(),
)
def test_addresses_with_any_token_survive(
    client, user_without_organisation, template, token, method, logged_in
):
    # "/" would leave the pattern, which is another test's business (404 by the resolver).
    url = template.format(quote(token[:3000], safe=""))
    with example(client, user_without_organisation if logged_in else None) as c:
        response = getattr(c, method)(url)
        check(response)
