"""What both halves of the authorisation matrix share (tests/test_authorization_matrix.py for
GET, tests/test_authorization_matrix_posts.py for POST): the roles, how a URL's arguments are
filled, the world of two municipalities the matrix is walked in, and how an answer is read."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from declarations.models import DeclarationVersion
from meetings.events import calendar
from meetings.events import services as meeting_services
from meetings.models import Event, EventDocument, Publication, Registration
from members.models import (
    Affiliation,
    ApplicationAttachment,
    Invitation,
    PracticeExample,
    Profile,
    Survey,
    SurveyQuestion,
)
from members.people import services as member_services
from portal.mailings.unsubscribe import unsubscribe_token
from portal.models import Mailing, SignLanguageVideo, User
from tests.factories import (
    AffiliationFactory,
    ApplicationFactory,
    EventFactory,
    MembershipFactory,
    OrganisationFactory,
    SignatureFactory,
    StaffFactory,
    UserFactory,
)

ROLES = ("anonymous", "no_organisation", "contact_a", "head_a", "contact_b", "staff")

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


@dataclass
class World:
    """One member municipality A (contact, head) with its objects, and a municipality B."""

    users: dict[str, User | None]
    objects: dict[str, Any]


def outcomes(**by_role: str) -> dict[str, str]:
    """Expected outcomes; `rest` fills the roles not named."""
    rest = by_role.pop("rest", None)
    result = {role: by_role.get(role, rest) for role in ROLES}
    missing = [role for role, outcome in result.items() if outcome is None]
    assert not missing, f"no outcome for {missing}"
    return result  # type: ignore[return-value]


PUBLIC = outcomes(rest="ok")


Kwargs = Callable[[World], dict[str, Any]]
NO_ARGS: Kwargs = lambda world: {}  # noqa: E731


def obj(key: str, field: str = "pk", arg: str = "pk") -> Kwargs:
    return lambda world: {arg: getattr(world.objects[key], field)}


# --- The world the matrix is walked in -------------------------------------------------------


def _made(factory: Any, **fields: Any) -> Any:
    """A factory's object, typed loosely: factory_boy's classes confuse the type checker."""
    return factory(**fields)


@pytest.fixture
def world(db, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = str(tmp_path)
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    organisation_a = _made(OrganisationFactory)
    _made(MembershipFactory, organisation=organisation_a)
    contact_a = _made(AffiliationFactory, organisation=organisation_a).user
    head_a = _made(AffiliationFactory, organisation=organisation_a, role=Affiliation.Role.HEAD).user
    colleague = _made(
        AffiliationFactory, organisation=organisation_a, role=Affiliation.Role.COLLEAGUE
    )
    organisation_b = _made(OrganisationFactory)
    contact_b = _made(AffiliationFactory, organisation=organisation_b).user
    users: dict[str, User | None] = {
        "anonymous": None,
        "no_organisation": _made(UserFactory),
        "contact_a": contact_a,
        "head_a": head_a,
        "contact_b": contact_b,
        "staff": _made(StaffFactory),
    }

    application = _made(ApplicationFactory, organisation=organisation_a, created_by=contact_a)
    attachment = ApplicationAttachment.objects.create(
        application=application,
        file=ContentFile(b"%PDF-1.4\n%%EOF\n", name="anlage.pdf"),
        original_name="anlage.pdf",
        size=15,
        uploaded_by=contact_a,
    )
    profile, _ = Profile.objects.get_or_create(organisation=organisation_a)
    practice = PracticeExample.objects.create(
        profile=profile,
        title="Ehrenamtsbörse",
        text="Eine Börse für Engagement.",
        image=ContentFile(PNG, name="bild.png"),
        image_alt="Logo",
    )
    invitation = Invitation.objects.create(
        organisation=organisation_a, email="neu@kommune.example", invited_by=contact_a
    )
    mailing = Mailing.objects.create(
        subject="Neuigkeiten",
        body="Hallo",
        include=[{"segment": "members.contacts"}],
        status=Mailing.Status.SENT,
        finished_at=timezone.now(),
    )
    signature = _made(
        SignatureFactory,
        organisation=organisation_a,
        submitted_by=head_a,
        pdf=ContentFile(b"%PDF-1.4\n%%EOF\n", name="erklaerung.pdf"),
    )
    event = _made(EventFactory)
    open_event = _made(EventFactory, audience=Event.Audience.OPEN)
    registration = meeting_services.register(event, contact_a, contact_a)
    document = EventDocument.objects.create(
        event=event,
        title="Folien",
        kind=EventDocument.Kind.SLIDES,
        file=ContentFile(b"%PDF-1.4\n%%EOF\n", name="folien.pdf"),
        content_type="application/pdf",
        size=15,
        visibility=EventDocument.Visibility.MEMBERS,
    )
    guest = Registration.objects.create(
        event=open_event,
        guest_name="Gustav Gast",
        guest_email="gast@example.org",
        guest_token="guest-token-for-the-matrix",
        status=Registration.Status.CONFIRMED,
    )
    guest_request = Registration.objects.create(
        event=open_event,
        guest_name="Greta Gast",
        guest_email="greta@example.org",
        status=Registration.Status.PENDING,
    )
    publication = Publication.objects.create(
        title="Arbeitshilfe Ehrenamtskarte",
        summary="Wie Kommunen die Ehrenamtskarte einführen.",
        kind=Publication.Kind.METHOD,
        year=2026,
        file=ContentFile(b"%PDF-1.4\n%%EOF\n", name="arbeitshilfe.pdf"),
        file_name="arbeitshilfe.pdf",
        file_size=15,
        visibility=Publication.Visibility.PUBLIC,
    )
    members_publication = Publication.objects.create(
        title="Protokoll Netzwerktreffen",
        summary="Nur für Mitglieder.",
        kind=Publication.Kind.DOCUMENTATION,
        year=2026,
        link="https://example.org/protokoll",
    )
    now = timezone.now()
    survey = Survey.objects.create(
        title="Befragung",
        audience=[{"segment": "members.contacts"}],
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=13),
    )
    SurveyQuestion.objects.create(survey=survey, text="Wie zufrieden?", kind="scale")
    return World(
        users=users,
        objects={
            "organisation_a": organisation_a,
            "application": application,
            "attachment": attachment,
            "practice_example": practice,
            "sign_language_video": SignLanguageVideo.objects.create(
                topic="netzwerk",
                video=ContentFile(b"\x00\x00\x00\x18ftypisom" + bytes(16), name="film.mp4"),
                video_type="video/mp4",
                captions=ContentFile(b"WEBVTT\n", name="film.vtt"),
                text_version="Text.",
            ),
            "colleague_affiliation": colleague,
            "invitation_token": member_services.invitation_token(invitation),
            "mailing": mailing,
            "signature": signature,
            "version": DeclarationVersion.objects.get(is_current=True),
            "event": event,
            "open_event": open_event,
            "registration": registration,
            "document": document,
            "guest": guest,
            "guest_code": meeting_services.guest_confirmation_code(guest_request),
            "feed_token": calendar.feed_token_for(contact_a),
            "unsubscribe_token": unsubscribe_token(contact_a.email, None),
            "publication": publication,
            "members_publication": members_publication,
            "survey": survey,
        },
    )


def _client_for(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _outcome(response: Any) -> str:
    if response.status_code in (301, 302, 303):
        location = response["Location"]
        if location.startswith(reverse("admin:login")) or location.startswith(
            reverse("admin_login")
        ):
            return "admin_login"
        if location.startswith(reverse("account_login")):
            return "login"
        return "redirect"
    return {
        200: "ok",
        400: "bad",
        403: "forbidden",
        404: "missing",
        405: "get_not_allowed",
    }.get(response.status_code, str(response.status_code))
