"""What the tests of a person's own data share: the person, data of theirs in every app,
the deletion and its confirmation."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.urls import reverse

from meetings.events import services
from meetings.models import CalendarFeed, RegistrationQuestion, SessionChoice
from members.directory import services as directory_services
from members.models import Application, ApplicationTransition
from portal.models import Subscription, Topic, Unsubscribe
from tests.factories import (
    PASSWORD,
    ApplicationFactory,
    EventFactory,
    SessionFactory,
    SignatureFactory,
)

PAGE = reverse("personal_data")


DELETE = reverse("account_delete")
TOTP_SECRET = "JBSWY3DPEHPK3PXPGEHEIM"
RECOVERY_SEED = "c2VlZC1kZXItd2llZGVyaGVyc3RlbGx1bmc"


def deleted(user) -> bool:
    return not get_user_model().objects.filter(pk=user.pk).exists()


def confirm(client, password: str = PASSWORD, understood: bool = True):
    data = {"password": password}
    if understood:
        data["understood"] = "on"
    return client.post(DELETE, data)


@pytest.fixture
def person(member_a, contact_a, colleague_a):
    """A colleague of a member municipality (which has its contact person) with data in
    every app; the contact is a colleague whose data must never leak into the download."""
    person = colleague_a
    Authenticator.objects.create(
        user=person, type=Authenticator.Type.TOTP, data={"secret": TOTP_SECRET}
    )
    Authenticator.objects.create(
        user=person, type=Authenticator.Type.RECOVERY_CODES, data={"seed": RECOVERY_SEED}
    )
    return person


@pytest.fixture
def full_data(person, contact_a, member_a):
    """Data of the person in every app, and a colleague's beside it."""
    topic = Topic.objects.create(name="Kurzformate", slug="kurzformate")
    Subscription.objects.create(user=person, topic=topic)
    Unsubscribe.objects.create(email=person.email, topic=None, source="link")
    event = EventFactory(title="Netzwerktreffen Münster")
    question = RegistrationQuestion.objects.create(event=event, label="Abendessen?", kind="yes_no")
    mine = services.register(
        event,
        person,
        person,
        needs="Rollstuhlplatz bitte",
        answers=[{"question": question.pk, "label": "Abendessen?", "answer": "ja"}],
    )
    session = SessionFactory(slot__event=event, title="Workshop Ehrenamtskarte")
    SessionChoice.objects.create(
        registration=mine, slot=session.slot, session=session, status="confirmed"
    )
    services.register(event, contact_a, contact_a, needs="Glutenfrei für die Kollegin")
    CalendarFeed.objects.create(user=person)
    application = ApplicationFactory(
        organisation=member_a, created_by=person, status=Application.Status.APPROVED
    )
    ApplicationTransition.objects.create(
        application=application, from_status="", to_status="draft", actor=person, note="Los geht's"
    )
    directory_services.set_public_contact(person.affiliation, person, consent=True, office="Büro")
    signature = SignatureFactory(organisation=member_a, submitted_by=person)
    return {
        "event": event,
        "registration": mine,
        "application": application,
        "signature": signature,
    }
