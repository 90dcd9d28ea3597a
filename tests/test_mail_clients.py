"""Every kind of mail the portal sends, as the mail server receives it, read back by two
independent parsers: Python's e-mail package in strict mode (a defect raises) and mail-parser.

Each mail says it was written by a machine (RFC 3834), so that out-of-office replies leave it
alone; information e-mails also say they go to a list. The Message-ID ends in the portal's
domain, not in the sending machine's name, and subject and bodies decode to exactly what the
portal wrote, umlauts included. The kinds come from tests.test_transactional_mails, which walks
templates/emails/.
"""

from __future__ import annotations

import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

import mailparser
import pytest
from django.test import RequestFactory
from django.utils import timezone

from meetings.events import services as meeting_services
from portal.accounts.adapters import AccountAdapter
from portal.mailings.letters import KIND as MAILING_KIND
from portal.mailings.letters import TEST_KIND as MAILING_TEST_KIND
from portal.mailings.services import send_test
from portal.models import Mailing, OutboundEmail, Topic
from portal.outbox.services import render_email, store_email
from portal.outbox.tasks import build_message
from tests.factories import EventFactory, StaffFactory, UserFactory
from tests.test_transactional_mails import ACCOUNT_KINDS, KINDS, context_for

pytestmark = pytest.mark.django_db

DOMAIN = "portal.kommunen-netzwerk.example"
STRICT = policy.default.clone(raise_on_defect=True)
LIST_KINDS = {MAILING_KIND, MAILING_TEST_KIND}
AUTOMATIC = {"Auto-Submitted": "auto-generated"}
LIST_MAIL = {"Precedence": "bulk", "X-Auto-Response-Suppress": "All"}
# Long enough to be folded over several lines, with umlauts on the folds.
LONG_SUBJECT = (
    "Einladung zur Fachtagung „Bürgerschaftliches Engagement in Städten und Gemeinden – "
    "Förderung, Würdigung und Qualifizierung“ am Dienstag in Münster (Größere Säle, Übergänge)"
)


@pytest.fixture(autouse=True)
def _portal_domain(settings):
    # Another host than the machine's: the Message-ID must take this one.
    settings.PORTAL_BASE_URL = f"https://{DOMAIN}"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def with_umlauts(kind: str):
    """A recipient, context and headers as the portal makes them, with umlauts in what the
    subjects name (event, workshop, municipality, information e-mail)."""
    to, context, headers = context_for(kind)
    for key in ("event", "session"):
        if key in context:
            context[key].title = "Fachtag Ehrenamt in Köln – Übergänge gestalten"
    if "organisation" in context:
        context["organisation"].authority.name = "Städteregion Gütersloh"
    if kind == MAILING_KIND:
        context["subject"] = "Neues für Mitglieder: Förderprogramme & Größe"
    return to, context, headers


def stored_mail(kind: str) -> OutboundEmail:
    to, context, headers = with_umlauts(kind)
    subject, text, html = render_email(kind, context, "de")
    return store_email(
        kind=kind,
        to=to,
        subject=subject,
        body_text=text,
        body_html=html,
        language="de",
        headers=headers,
    )


def raw(stored: OutboundEmail) -> bytes:
    """The bytes the mail server receives."""
    return build_message(stored).message().as_bytes()


def strictly_parsed(data: bytes) -> EmailMessage:
    """Python's parser, raising on any defect; header defects are collected on access."""
    message = message_from_bytes(data, policy=STRICT)
    assert isinstance(message, EmailMessage)
    for part in message.walk():
        assert part.defects == []
        for name, value in part.items():
            assert not value.defects, f"{name}: {value.defects}"
    return message


def text_and_html(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None
    assert html is not None
    return text.get_content(), html.get_content()


def domain_of(message_id: str) -> str:
    return message_id.strip().removeprefix("<").removesuffix(">").rpartition("@")[2]


def check_both_parsers(stored: OutboundEmail) -> EmailMessage:
    """What both parsers read must be what the portal stored; returns Python's reading."""
    data = raw(stored)
    python = strictly_parsed(data)
    other = mailparser.parse_from_bytes(data)
    assert not other.has_defects, other.defects

    for reader in (python, other.headers):
        for name, value in AUTOMATIC.items():
            assert str(reader[name]) == value, f"{stored.kind}: {name}"
        for name, value in LIST_MAIL.items():
            if stored.kind in LIST_KINDS:
                assert str(reader[name]) == value, f"{stored.kind}: {name}"
            else:
                assert name not in reader, f"{stored.kind} is no list mail, yet has {name}"

    assert domain_of(str(python["Message-ID"])) == DOMAIN
    assert domain_of(other.message_id) == DOMAIN
    assert str(python["Message-ID"]).strip() == other.message_id.strip()

    # Django 5.2 folds a long encoded subject right after "Subject:"; Python's parser keeps
    # that fold's blank as the value's first character, mail programs drop it.
    assert str(python["Subject"]).lstrip() == stored.subject
    assert other.subject == stored.subject
    text, html = text_and_html(python)
    assert text.replace("\r\n", "\n") == stored.body_text
    assert html.replace("\r\n", "\n") == stored.body_html
    assert [part.replace("\r\n", "\n") for part in other.text_plain] == [stored.body_text]
    assert [part.replace("\r\n", "\n") for part in other.text_html] == [stored.body_html]
    # Every German mail closes with "Grüßen": the bodies carry umlauts that must survive.
    assert not stored.body_text.isascii()
    return python


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_reads_the_same_in_two_independent_parsers(kind):
    check_both_parsers(stored_mail(kind))


def test_the_subjects_carry_umlauts_through_both_parsers():
    subjects = {kind: stored_mail(kind).subject for kind in KINDS}
    with_umlaut = [kind for kind, subject in subjects.items() if not subject.isascii()]
    assert len(with_umlaut) >= len(KINDS) * 2 // 3, "the test data lost its umlauts"
    for stored in OutboundEmail.objects.filter(kind__in=with_umlaut):
        check_both_parsers(stored)


def test_a_long_subject_with_umlauts_is_folded_and_read_back_whole():
    to, context, headers = with_umlauts(MAILING_KIND)
    context["subject"] = LONG_SUBJECT
    subject, text, html = render_email(MAILING_KIND, context, "de")
    stored = store_email(
        kind=MAILING_KIND,
        to=to,
        subject=subject,
        body_text=text,
        body_html=html,
        language="de",
        headers=headers,
    )
    assert stored.subject == LONG_SUBJECT
    assert b"\n " in raw(stored).split(b"\n\n", 1)[0], "a header this long is folded"
    check_both_parsers(stored)


def test_the_staff_test_of_an_information_email_is_a_list_mail_too():
    staff = StaffFactory(language="de")
    topic = Topic.objects.create(name="Digitale Kurzformate", slug="kurzformate")
    mailing = Mailing.objects.create(
        subject="Neues für Mitglieder", body="Liebe Kolleginnen, **bitte** vormerken.", topic=topic
    )
    check_both_parsers(send_test(mailing, staff))


@pytest.mark.parametrize("template", ACCOUNT_KINDS)
def test_each_account_mail_reads_the_same_in_two_independent_parsers(template):
    user = UserFactory(language="de", full_name="Jürgen Größe")
    request = RequestFactory().get("/")
    request.user = user
    context = {
        "user": user,
        "request": request,
        "activate_url": f"https://{DOMAIN}/konto/confirm-email/abc/",
        "key": "abc",
        "password_reset_url": f"https://{DOMAIN}/konto/password/reset/key/1-abc/",
        "signup_url": f"https://{DOMAIN}/konto/signup/",
    }
    AccountAdapter().send_mail(f"account/email/{template}", user.email, context)
    check_both_parsers(OutboundEmail.objects.get(to=user.email))


def test_a_mail_with_a_calendar_attachment_reads_the_same_in_both(member_a, contact_a):
    event = EventFactory(
        title="Netzwerktreffen Düsseldorf", starts_at=timezone.now() + datetime.timedelta(days=3)
    )
    meeting_services.register(event, contact_a, registered_by=contact_a)
    stored = OutboundEmail.objects.get(to=contact_a.email)
    message = check_both_parsers(stored)
    attachments = list(message.iter_attachments())
    assert [part.get_content_type() for part in attachments] == ["text/calendar"]
    other = mailparser.parse_from_bytes(raw(stored))
    assert len(other.attachments) == 1
    assert other.attachments[0]["mail_content_type"] == "text/calendar"


def test_the_message_id_names_the_portal_even_on_a_machine_of_another_name(settings, monkeypatch):
    monkeypatch.setattr("django.core.mail.message.DNS_NAME", "3f2a9c1b7d4e")  # a container id
    stored = stored_mail("test_message")
    assert domain_of(str(strictly_parsed(raw(stored))["Message-ID"])) == DOMAIN
