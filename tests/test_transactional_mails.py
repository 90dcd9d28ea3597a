"""Every kind of mail the portal sends, rendered in German and English and built into the MIME
message that goes to the mail server: one layout, the right sender and reply address, both
alternatives in UTF-8, nothing left of the template language, and really translated.

The kinds are found by walking templates/emails/, so a new kind without a context here fails
until someone has looked at it.
"""

from __future__ import annotations

import datetime
import email
import secrets
from collections.abc import Callable
from email import policy
from email.message import EmailMessage, MIMEPart
from email.utils import getaddresses, parseaddr
from pathlib import Path
from typing import Any, cast

import pytest
from django.conf import settings
from django.test import RequestFactory
from django.utils import timezone, translation
from django.utils.translation import gettext

from declarations.models import DeclarationVersion, Signature
from meetings.events import services as meeting_services
from meetings.events.calendar import ics_filename
from meetings.events.notices import event_url
from meetings.models import Event, Registration
from members.models import Affiliation, Invitation, Survey, SurveyResponse
from members.people.services import INVITATION_MAX_AGE, invitation_token
from members.surveys.services import Respondent, survey_url
from portal.accounts.adapters import AccountAdapter
from portal.mailings.unsubscribe import list_unsubscribe_headers, unsubscribe_url
from portal.markdown import render as render_markdown
from portal.models import OutboundEmail, Topic
from portal.outbox.services import render_email, store_email
from portal.outbox.tasks import build_message
from tests.factories import (
    AffiliationFactory,
    ApplicationFactory,
    EventFactory,
    SessionFactory,
    SignatureFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

EMAILS = Path(__file__).resolve().parent.parent / "templates" / "emails"
KINDS = sorted(str(path.parent.relative_to(EMAILS)) for path in EMAILS.rglob("subject.txt"))
# allauth's mails: portal.accounts.adapters sends them with the portal's own templates.
ACCOUNT_KINDS = [
    "email_confirmation_signup",
    "email_confirmation",
    "password_reset_key",
    "account_already_exists",
    "unknown_account",
]
LANGUAGES = ("de", "en")
LEFTOVERS = ("{{ ", " }}", "{% ", " %}", "{#")

Context = tuple[str, dict[str, Any], dict[str, str]]  # recipient, context, extra headers


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Each kind needs its own people; hashing their passwords properly would take seconds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- Contexts, as the services that queue each kind build them --------------------------------


def _person(language: str = "de"):
    return AffiliationFactory(role=Affiliation.Role.CONTACT, user__language=language).user


def _application_context(team: bool) -> Context:
    person = _person()
    application = ApplicationFactory(organisation=person.affiliation.organisation)
    context = {
        "application": application,
        "organisation": application.organisation,
        "note": "Bitte ergänzen Sie die Angaben zur Ehrenamtskarte.",
    }
    if team:
        return settings.PORTAL_TEAM_EMAIL, context, {}
    return person.email, {"recipient": person, **context}, {}


def _invitation_context() -> Context:
    inviter = _person()
    invitation = Invitation.objects.create(
        organisation=inviter.affiliation.organisation,
        email="neu@kommune.example",
        role=Affiliation.Role.COLLEAGUE,
        invited_by=inviter,
    )
    context = {
        "invitation": invitation,
        "organisation": invitation.organisation,
        "inviter_address": inviter.email,
        "token": invitation_token(invitation),
        "valid_days": INVITATION_MAX_AGE.days,
    }
    return invitation.email, context, {}


def _new_version_context() -> Context:
    person = _person()
    version = DeclarationVersion.objects.get(is_current=True)
    context = {
        "recipient": person,
        "version": version,
        "organisation": person.affiliation.organisation,
    }
    return person.email, context, {}


def _signed_context() -> Context:
    signature = cast(Signature, SignatureFactory())
    person = signature.submitted_by
    assert person is not None
    context = {"recipient": person, "signature": signature, "organisation": signature.organisation}
    return person.email, context, {}


def _registration(guest: bool = False) -> Registration:
    event = cast(
        Event,
        EventFactory(
            format=Event.Format.HYBRID,
            meeting_link="https://konferenz.example/raum/42",
            address="Rathausplatz 1\n40213 Düsseldorf",
            audience=Event.Audience.OPEN if guest else Event.Audience.MEMBERS_STAFF,
        ),
    )
    if guest:
        return Registration.objects.create(
            event=event,
            guest_name="Gustav Gast",
            guest_email="gustav@verein.example",
            guest_language="de",
            guest_token=secrets.token_urlsafe(32),
            status=Registration.Status.CONFIRMED,
        )
    person = _person()
    return Registration.objects.create(
        event=event,
        user=person,
        organisation=person.affiliation.organisation,
        registered_by=person,
        status=Registration.Status.CONFIRMED,
    )


def _meetings_context(kind: str) -> Context:
    registration = _registration(guest=kind.startswith("guest_"))
    event = registration.event
    extras: dict[str, dict[str, Any]] = {
        "reminder": {"meeting_link": event.meeting_link},
        "followup": {"event_url": event_url(event), "note": "Die Folien folgen."},
        "event_cancelled": {"message": "Die Referentin ist erkrankt."},
        "message": {"subject": "Raumänderung", "body": "Wir treffen uns in Saal 2."},
        "guest_confirm": {
            "confirm_url": "https://portal.example/bestaetigen/x/",
            "valid_hours": 48,
        },
    }
    extra = extras.get(kind, {})
    if kind == "session_promoted":
        session = SessionFactory(slot__event=event)
        extra = {"session": session, "slot": session.slot}
    context = {
        "recipient": registration.user,
        "recipient_name": registration.name,
        "registration": registration,
        "event": event,
        "registration_url": meeting_services.registration_url(registration),
        **extra,
    }
    return registration.email, context, {}


def _mailing_context() -> Context:
    person = _person()
    topic, _created = Topic.objects.get_or_create(
        slug="kurzformate", defaults={"name": "Digitale Kurzformate"}
    )
    body_html, body_text = render_markdown("Liebe Mitglieder,\n\n**neu**: das Kurzformat im Mai.")
    context = {
        "recipient_name": person.get_full_name(),
        "subject": "Neues aus dem Netzwerk",
        "body_html": body_html,
        "body_text": body_text,
        "topic": topic.name,
        "unsubscribe_url": unsubscribe_url(person.email, topic.pk),
    }
    return person.email, context, list_unsubscribe_headers(person.email, topic.pk)


def _survey_context() -> Context:
    person = _person()
    organisation = person.affiliation.organisation
    now = timezone.now()
    survey = Survey.objects.create(
        title="Befragung zur Engagementförderung 2027",
        audience=[{"segment": "members.contacts"}],
        opens_at=now,
        closes_at=now + datetime.timedelta(days=14),
    )
    response = SurveyResponse.objects.create(
        survey=survey,
        respondent_key=f"organisation:{organisation.pk}",
        organisation=organisation,
        user=person,
        status=SurveyResponse.Status.SUBMITTED,
        submitted_at=now,
    )
    respondent = Respondent(
        f"organisation:{organisation.pk}", organisation, (person,), organisation.authority.name
    )
    context = {
        "recipient": person,
        "survey": survey,
        "response": response,
        "respondent": respondent,
        "per_organisation": True,
        "survey_path": survey_url(survey),
    }
    return person.email, context, {}


def _invitation_request_context() -> Context:
    person = _person()
    context = {
        "recipient": person,
        "organisation": person.affiliation.organisation,
        "requester_email": "neu@kommune.example",
        "invite_path": "/kommune/personen/?email=neu%40kommune.example#invite-form",
    }
    return person.email, context, {}


def _account_context() -> Context:
    """What portal.accounts.adapters passes on of allauth's context: the address and links."""
    address = "erika@kommune.example"
    context = {
        "email": address,
        "activate_url": settings.PORTAL_BASE_URL + "/konto/confirm-email/abc/",
        "password_reset_url": settings.PORTAL_BASE_URL + "/konto/password/reset/",
        "signup_url": settings.PORTAL_BASE_URL + "/konto/signup/",
    }
    return address, context, {}


CONTEXTS: dict[str, Callable[[], Context]] = {
    "members/survey_reminder": _survey_context,
    "members/survey_submitted": _survey_context,
    "test_message": lambda: ("technik@kommune.example", {}, {}),
    "members/invitation": _invitation_context,
    "members/invitation_request": _invitation_request_context,
    "declarations/new_version": _new_version_context,
    "declarations/signed": _signed_context,
    "portal/mailing": _mailing_context,
    # Sent after the account is gone: addressed by the old address, greeted by the old name.
    "portal/account_deleted": lambda: (
        "ehemals@kommune.example",
        {"recipient_name": "Erika Engagiert", "deleted_at": timezone.now()},
        {},
    ),
}


def context_for(kind: str) -> Context:
    if kind in CONTEXTS:
        return CONTEXTS[kind]()
    app, name = kind.split("/", 1)
    if app == "members" and name.startswith(("application_", "team_application_")):
        return _application_context(team=name.startswith("team_"))
    if app == "meetings":
        return _meetings_context(name)
    if app == "account":
        return _account_context()
    pytest.fail(f"No context for the mail kind {kind!r}: add one to this test.")


# --- Checks -----------------------------------------------------------------------------------


def built(stored: OutboundEmail) -> EmailMessage:
    """The mail as the mail server receives it, parsed back."""
    raw = build_message(stored).message().as_bytes()
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def alternatives(message: EmailMessage) -> tuple[str, str]:
    """Text and HTML of the multipart/alternative part, after checking its structure."""
    alternative: MIMEPart = message
    if message.get_content_type() == "multipart/mixed":
        alternative = next(
            part
            for part in message.iter_parts()
            if part.get_content_type() == "multipart/alternative"
        )
    assert alternative.get_content_type() == "multipart/alternative"
    parts = list(alternative.iter_parts())
    assert [part.get_content_type() for part in parts] == ["text/plain", "text/html"]
    for part in parts:
        assert part.get_content_charset() == "utf-8"
    text, html = (part.get_content() for part in parts)
    return text, html


def check_message(message: EmailMessage, stored: OutboundEmail, language: str) -> tuple[str, str]:
    assert parseaddr(str(message["From"])) == parseaddr(settings.DEFAULT_FROM_EMAIL)
    assert getaddresses([str(message["Reply-To"])]) == [parseaddr(settings.PORTAL_REPLY_TO_EMAIL)]
    assert getaddresses([str(message["To"])]) == [("", stored.to)]
    assert message["Date"]
    assert message["Message-ID"]
    assert message["MIME-Version"] == "1.0"
    # Long subjects are folded onto a new line; unfolded, they must read as rendered.
    assert str(message["Subject"]).strip() == stored.subject
    assert stored.subject.strip()
    assert "\n" not in stored.subject
    text, html = alternatives(message)
    for body in (text, html, stored.subject):
        for leftover in LEFTOVERS:
            assert leftover not in body, f"{leftover!r} left in {stored.kind} ({language})"
    with translation.override(language):
        footer = gettext(
            "This e-mail was sent by the membership portal of the Kommunen-Netzwerk: "
            "engagiert in NRW."
        )
    assert f'<html lang="{language}">' in html
    assert footer in html
    return text, html


def render_and_build(
    kind: str, language: str, prepared: Context | None = None
) -> tuple[OutboundEmail, EmailMessage]:
    to, context, headers = prepared or context_for(kind)
    subject, text, html = render_email(kind, context, language)
    stored = store_email(
        kind=kind,
        to=to,
        subject=subject,
        body_text=text,
        body_html=html,
        language=language,
        headers=headers,
    )
    return stored, built(stored)


# --- The tests --------------------------------------------------------------------------------


def test_the_walk_finds_the_kinds_of_all_apps():
    apps = {kind.split("/")[0] for kind in KINDS}
    assert {"members", "declarations", "meetings"} <= apps
    for kind in KINDS:
        for name in ("subject.txt", "body.txt", "body.html"):
            assert (EMAILS / kind / name).is_file(), f"{kind} lacks {name}"


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_is_a_proper_mail_in_german_and_english(kind):
    prepared = context_for(kind)
    bodies = {}
    for language in LANGUAGES:
        stored, message = render_and_build(kind, language, prepared)
        text, html = check_message(message, stored, language)
        with translation.override(language):
            regards = gettext("Kind regards")
        # The common layout of emails/message.html and emails/base.txt: greeting and closing.
        assert regards in html, f"{kind} ({language}) does not use emails/message.html"
        assert regards in text, f"{kind} ({language}) does not use emails/base.txt"
        assert settings.PORTAL_BASE_URL in text
        bodies[language] = (stored.subject, text, html)
    assert bodies["de"][1] != bodies["en"][1]
    assert bodies["de"][2] != bodies["en"][2]


def test_an_information_email_carries_the_one_click_headers():
    stored, message = render_and_build("portal/mailing", "de")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    expected = f"<{unsubscribe_url(stored.to, Topic.objects.get().pk)}>"
    assert message["List-Unsubscribe"].strip() == expected


def _request():
    request = RequestFactory().get("/")
    request.user = UserFactory.build()
    return request


@pytest.mark.parametrize("template", ACCOUNT_KINDS)
def test_each_account_mail_is_a_proper_mail_in_german_and_english(template):
    bodies = {}
    for language in LANGUAGES:
        user = UserFactory(language=language)
        context = {
            "user": user,
            "request": _request(),
            "activate_url": "https://portal.example/konto/confirm-email/abc/",
            "key": "abc",
            "password_reset_url": "https://portal.example/konto/password/reset/key/1-abc/",
            "signup_url": "https://portal.example/konto/signup/",
        }
        AccountAdapter().send_mail(f"account/email/{template}", user.email, context)
        stored = OutboundEmail.objects.get(to=user.email)
        assert stored.kind == f"account/{template}"
        assert stored.language == language
        text, html = check_message(built(stored), stored, language)
        bodies[language] = (stored.subject, text, html)
    assert bodies["de"][0] != bodies["en"][0]
    assert bodies["de"][1] != bodies["en"][1]


def test_every_mail_allauth_sends_has_the_portals_own_templates(settings):
    assert sorted(kind for kind in KINDS if kind.startswith("account/")) == sorted(
        f"account/{name}" for name in ACCOUNT_KINDS
    )
    # allauth's other mails (notifications of changes, codes) have no portal text: kept off.
    assert not getattr(settings, "ACCOUNT_EMAIL_NOTIFICATIONS", False)
    assert not getattr(settings, "ACCOUNT_LOGIN_BY_CODE_ENABLED", False)
    assert not getattr(settings, "ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED", False)
    assert not getattr(settings, "ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED", False)


def test_no_mail_template_turns_text_into_links():
    # urlize would make a link of any address in text a stranger typed.
    templates = [path for path in EMAILS.rglob("*") if path.is_file()]
    assert templates
    assert [path.name for path in templates if "urlize" in path.read_text()] == []


def test_a_mail_with_attachment_keeps_both_alternatives(member_a, contact_a):
    event = EventFactory(starts_at=timezone.now() + datetime.timedelta(days=3))
    meeting_services.register(event, contact_a, registered_by=contact_a)
    stored = OutboundEmail.objects.get(to=contact_a.email)
    message = built(stored)
    assert message.get_content_type() == "multipart/mixed"
    check_message(message, stored, "de")
    (calendar,) = list(message.iter_attachments())
    assert calendar.get_content_type() == "text/calendar"
    assert calendar.get_param("method") == "PUBLISH"
    assert calendar.get_filename() == ics_filename(event)
