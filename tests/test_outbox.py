from __future__ import annotations

import re
import time
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path
from smtplib import SMTPRecipientsRefused

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.files.base import ContentFile
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection, transaction
from django.utils import timezone

from portal.mailings.letters import TEST_KIND
from portal.models import FailedAddress, OutboundEmail
from portal.outbox.models import KIND_LABELS
from portal.outbox.services import Attachment, queue_email, queue_email_to_user, store_email
from portal.outbox.tasks import (
    build_message,
    claim,
    claim_seconds,
    deliver_email,
    record_outcome,
    requeue_unsent_emails,
    send_one,
)
from tests.factories import UserFactory
from tests.smtp_sink import SmtpSink
from tests.test_transactional_mails import ACCOUNT_KINDS

pytestmark = pytest.mark.django_db


def test_it_stores_the_mail_before_anything_is_sent(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        email = queue_email("test_message", "ada@kommune.example", {}, language="de")
    assert email.status == OutboundEmail.Status.QUEUED
    assert email.subject == "Test-E-Mail aus dem Portal"
    assert "Postausgang" in email.body_text
    assert "<html" in email.body_html
    assert len(callbacks) == 1, "delivery is queued once, after the commit"
    assert mail.outbox == []


def test_it_sends_after_commit_and_marks_the_row(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        email = queue_email("test_message", "ada@kommune.example", {}, language="de")
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT
    assert email.sent_at is not None
    assert email.attempts == 1
    assert [m.to for m in mail.outbox] == [["ada@kommune.example"]]
    sent = mail.outbox[0]
    assert sent.reply_to == ["netzwerk@kommunen-netzwerk.example"]
    assert "text/html" in sent.message().as_string()


def test_it_never_sends_a_mail_twice(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        email = queue_email("test_message", "ada@kommune.example", {})
    assert deliver_email.apply(args=(email.pk,)).get() == "sent"
    assert len(mail.outbox) == 1


def test_it_renders_in_the_recipients_language(django_capture_on_commit_callbacks):
    english = UserFactory(language="en")
    german = UserFactory(language="de")
    with django_capture_on_commit_callbacks(execute=True):
        queue_email_to_user("test_message", english, {})
        queue_email_to_user("test_message", german, {})
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects[english.email] == "Test e-mail from the portal"
    assert subjects[german.email] == "Test-E-Mail aus dem Portal"


def test_it_keeps_attachments_and_the_related_object(django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        email = queue_email(
            "test_message",
            user.email,
            {},
            related=user,
            attachments=[Attachment("erklaerung.pdf", b"%PDF-1.7 test", "application/pdf")],
        )
    assert email.related == user
    raw = mail.outbox[0].message().as_bytes()
    parts = [p.get_filename() for p in message_from_bytes(raw).walk()]
    assert "erklaerung.pdf" in parts


def test_it_records_a_failure_and_keeps_the_mail_queued(monkeypatch, settings):
    email = queue_email("test_message", "ada@kommune.example", {})

    def refuse(self, *args, **kwargs):
        raise SMTPRecipientsRefused({"ada@kommune.example": (450, b"mailbox busy")})

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    deliver_email.apply(args=(email.pk,))
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.QUEUED
    assert email.attempts == 1
    assert "SMTPRecipientsRefused" in email.last_error
    assert email.next_attempt_at > timezone.now() + timedelta(seconds=30)


def test_it_gives_up_after_the_last_attempt(monkeypatch, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    email = queue_email("test_message", "ada@kommune.example", {})
    monkeypatch.setattr(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        lambda self, messages: (_ for _ in ()).throw(OSError("connection refused")),
    )
    deliver_email.apply(args=(email.pk,))
    deliver_email.apply(args=(email.pk,))
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.FAILED
    assert email.attempts == 2


def test_the_sweep_requeues_only_overdue_mails(monkeypatch):
    overdue = queue_email("test_message", "old@kommune.example", {})
    fresh = queue_email("test_message", "new@kommune.example", {})
    OutboundEmail.objects.filter(pk=overdue.pk).update(
        next_attempt_at=timezone.now() - timedelta(hours=1)
    )
    queued: list[int] = []
    monkeypatch.setattr(deliver_email, "delay", queued.append)
    assert requeue_unsent_emails() == 1
    assert queued == [overdue.pk]
    assert fresh.pk not in queued


def test_staff_can_resend_failed_mails_from_admin(client, staff_user, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    email = queue_email("test_message", "ada@kommune.example", {})
    OutboundEmail.objects.filter(pk=email.pk).update(status="failed", attempts=5)
    client.force_login(staff_user)
    response = client.post(
        "/admin/portal/outboundemail/",
        {"action": "resend", "_selected_action": [email.pk]},
        follow=True,
    )
    assert response.status_code == 200
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.QUEUED
    assert email.attempts == 0


def test_resending_leaves_alone_a_mail_that_is_being_sent(client, staff_user, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    in_flight = queue_email("test_message", "ada@kommune.example", {})
    OutboundEmail.objects.filter(pk=in_flight.pk).update(
        kind="portal/mailing",
        status=OutboundEmail.Status.SENDING,
        attempts=1,
        last_attempt_at=timezone.now(),
        next_attempt_at=timezone.now() + timedelta(minutes=2),
    )
    client.force_login(staff_user)
    client.post(
        "/admin/portal/outboundemail/",
        {"action": "resend", "_selected_action": [in_flight.pk]},
        follow=True,
    )
    in_flight.refresh_from_db()
    assert in_flight.attempts == 1, "a second batch could otherwise send it twice"


def test_staff_without_the_permission_cannot_resend(client, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    clerk = UserFactory(is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_outboundemail"))
    client.force_login(clerk)
    page = client.get("/admin/portal/outboundemail/")
    assert page.status_code == 200
    assert 'value="resend"' not in page.text


def test_the_outbox_admin_filters_by_status(client, staff_user, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    queue_email("test_message", "waiting@kommune.example", {})
    client.force_login(staff_user)
    page = client.get("/admin/portal/outboundemail/", {"status__exact": "sent"})
    assert "waiting@kommune.example" not in page.text
    page = client.get("/admin/portal/outboundemail/", {"status__exact": "queued"})
    assert "waiting@kommune.example" in page.text


def test_the_outbox_admin_shows_kinds_as_staff_read_them(client, staff_user, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    signed = queue_email("test_message", "signed@kommune.example", {})
    invited = queue_email("test_message", "invited@kommune.example", {})
    OutboundEmail.objects.filter(pk=signed.pk).update(kind="declarations/signed")
    OutboundEmail.objects.filter(pk=invited.pk).update(kind="members/invitation")
    client.force_login(staff_user)  # German, as the factory makes staff
    page = client.get("/admin/portal/outboundemail/")
    cells = re.findall(r'<td class="field-kind_label">([^<]*)</td>', page.text)
    assert sorted(cells) == ["Einladung in das Portal", "Unterzeichnung bestätigt"]
    filtered = client.get("/admin/portal/outboundemail/", {"kind": "declarations/signed"})
    assert "signed@kommune.example" in filtered.text
    assert "invited@kommune.example" not in filtered.text
    detail = client.get(f"/admin/portal/outboundemail/{signed.pk}/change/")
    assert "Unterzeichnung bestätigt" in detail.text


def test_every_kind_of_mail_has_a_name_for_staff():
    emails = Path(__file__).resolve().parent.parent / "templates" / "emails"
    kinds = {str(path.parent.relative_to(emails)) for path in emails.rglob("subject.txt")}
    allauth = {f"account/{name}" for name in ACCOUNT_KINDS}
    unnamed = sorted((kinds | allauth | {TEST_KIND}) - set(KIND_LABELS))
    assert unnamed == []


@pytest.mark.worker
def test_a_real_worker_delivers_a_mail_queued_on_commit(celery_worker):
    with transaction.atomic():
        email = queue_email("test_message", "worker@kommune.example", {})
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        email.refresh_from_db()
        if email.status == OutboundEmail.Status.SENT:
            break
        time.sleep(0.1)
    assert email.status == OutboundEmail.Status.SENT
    assert [m.to for m in mail.outbox] == [["worker@kommune.example"]]


def test_no_subject_of_the_portal_is_html_escaped():
    # Subjects are plain text: an "&" in a name must not arrive as "&amp;".
    templates = Path(__file__).resolve().parent.parent / "templates" / "emails"
    subjects = sorted(templates.glob("*/*/subject.txt"))
    assert subjects
    for subject in subjects:
        assert "{% autoescape off %}" in subject.read_text(), subject


# --- Claim, send, record: no lock while the mail server answers ----------------------------


class WatchingBackend(LocmemBackend):
    """locmem that notes, for each mail, the row's status and whether a transaction is open."""

    seen: list[tuple[str, bool]] = []  # reset by the test that uses it

    def send_messages(self, messages):
        for message in messages:
            status = OutboundEmail.objects.get(to=message.to[0]).status
            WatchingBackend.seen.append((status, connection.in_atomic_block))
        return super().send_messages(messages)


@pytest.mark.django_db(transaction=True)
def test_the_mail_server_is_talked_to_outside_any_transaction_with_the_row_marked_sending(
    settings,
):
    settings.EMAIL_BACKEND = "tests.test_outbox.WatchingBackend"
    WatchingBackend.seen = []
    email = queue_email("test_message", "ada@kommune.example", {})
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT
    assert WatchingBackend.seen == [("sending", False)]


def test_a_mail_being_sent_is_left_alone_and_one_whose_sender_died_is_taken_again():
    email = store_email(
        kind="test_message",
        to="ada@kommune.example",
        subject="Hallo",
        body_text="Text\n",
        body_html="",
        language="de",
    )
    claimed_at, (taken,) = claim(OutboundEmail.objects.filter(pk=email.pk), claim_seconds())
    assert (taken.status, taken.attempts, taken.last_attempt_at) == ("sending", 1, claimed_at)
    assert deliver_email.apply(args=(email.pk,)).get() == "sending"
    assert mail.outbox == []

    # The worker was killed in the middle: once its claim ran out, the mail goes out again.
    OutboundEmail.objects.filter(pk=email.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    assert deliver_email.apply(args=(email.pk,)).get() == "sent"
    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.attempts == 2
    # The first sender learns that it lost the mail and records nothing over the outcome.
    taken.status = OutboundEmail.Status.FAILED
    assert record_outcome(taken, claimed_at) is False
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT


def test_the_outcome_is_recorded_under_the_claim_it_was_sent_with():
    email = queue_email("test_message", "ada@kommune.example", {})
    claimed_at, (taken,) = claim(OutboundEmail.objects.filter(pk=email.pk), claim_seconds())
    # Read back from the database, the claim's time is the same instant in whatever form
    # the database keeps it (on SQLite, a hand-written comparison never matched: issue #15).
    stored = OutboundEmail.objects.values_list("last_attempt_at", flat=True).get(pk=email.pk)
    assert stored == claimed_at
    taken.status, taken.sent_at = OutboundEmail.Status.SENT, timezone.now()
    assert record_outcome(taken, stored) is True
    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutboundEmail.Status.SENT, 1)


def test_the_sweep_hands_over_a_mail_whose_sender_died_but_not_one_on_its_way(monkeypatch):
    stuck = queue_email("test_message", "stuck@kommune.example", {})
    on_its_way = queue_email("test_message", "busy@kommune.example", {})
    claim(OutboundEmail.objects.filter(pk__in=[stuck.pk, on_its_way.pk]), claim_seconds())
    OutboundEmail.objects.filter(pk=stuck.pk).update(
        next_attempt_at=timezone.now() - timedelta(hours=1)
    )
    queued: list[int] = []
    monkeypatch.setattr(deliver_email, "delay", queued.append)
    assert requeue_unsent_emails() == 1
    assert queued == [stuck.pk]


# --- The mail as Django builds it, read back from a real SMTP conversation -------------------

UNSUBSCRIBE = {
    "List-Unsubscribe": "<https://kommunen-netzwerk.example/abmelden/" + "Ab1-_" * 24 + ">",
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
}


def stored(**fields) -> OutboundEmail:
    values = {
        "kind": "portal/mailing",
        "to": "leserin@kommune.example",
        "subject": "Neues aus dem Netzwerk – März",
        "body_text": "Guten Tag Frau Özdemir,\n\nwir laden Sie ein.\n",
        "body_html": "<p>Guten Tag Frau Özdemir,</p>\n<p>wir laden Sie ein.</p>",
        "language": "de",
        "headers": UNSUBSCRIBE,
        **fields,
    }
    # (Its delivery is queued on commit, which the test's transaction never reaches.)
    return store_email(**values)


def sent_over_smtp(email: OutboundEmail):
    """Send the mail as a claimed mail to a local SMTP server; the error and what arrived."""
    claimed_at, (taken,) = claim(OutboundEmail.objects.filter(pk=email.pk), claim_seconds())
    with SmtpSink() as sink:
        error = send_one(taken, smtp_connection(sink.port))
    record_outcome(taken, claimed_at)
    email.refresh_from_db()
    return error, sink.parsed()


def smtp_connection(port: int, **options):
    return mail.get_connection(
        "django.core.mail.backends.smtp.EmailBackend",
        host="127.0.0.1",
        port=port,
        username="",
        password="",
        use_tls=False,
        use_ssl=False,
        **options,
    )


def test_a_mail_arrives_with_its_headers_and_both_parts():
    error, (received,) = sent_over_smtp(stored())
    assert error is None
    assert received["Subject"] == "Neues aus dem Netzwerk – März"
    assert received["To"] == "leserin@kommune.example"
    assert received["Reply-To"] == "netzwerk@kommunen-netzwerk.example"
    assert "netzwerk@kommunen-netzwerk.example" in received["From"]
    for name, value in UNSUBSCRIBE.items():
        assert " ".join(str(received[name]).split()) == value
    assert received["Date"]
    assert received["Message-ID"]
    assert received.get_content_type() == "multipart/alternative"
    assert "Frau Özdemir" in received.get_body(("plain",)).get_content()
    assert "<p>wir laden Sie ein.</p>" in received.get_body(("html",)).get_content()
    assert not received.defects


def test_every_line_ends_in_crlf_and_stays_within_smtps_limit():
    long_line = "Sehr lange Zeile " * 100
    email = stored(body_text=f"eins\rzwei\r\ndrei\n{long_line}", body_html=f"<p>{long_line}</p>")
    # The bytes Django's SMTP backend hands to smtplib.
    data = build_message(email).message().as_bytes(linesep="\r\n")
    assert not re.search(rb"\r(?!\n)|(?<!\r)\n", data)
    assert max(len(line) for line in data.split(b"\r\n")) <= 998
    received = message_from_bytes(data, policy=policy.default)
    assert long_line in received.get_body(("plain",)).get_content()
    assert "<p>" + long_line in received.get_body(("html",)).get_content()


def test_a_header_with_a_line_break_fails_the_mail_without_sending_or_blaming_the_address():
    error, received = sent_over_smtp(stored(subject="Neu\nBcc: alle@example.org"))
    assert type(error).__name__ == "BadHeaderError"
    assert received == []
    email = OutboundEmail.objects.get(to="leserin@kommune.example")
    assert email.status == OutboundEmail.Status.FAILED, "retrying cannot mend it"
    assert "BadHeaderError" in email.last_error
    assert not FailedAddress.objects.exists()


def test_a_non_ascii_extra_header_is_encoded():
    error, (received,) = sent_over_smtp(stored(headers={"X-Thema": "Ehrenamt in Köln"}))
    assert error is None
    assert received["X-Thema"] == "Ehrenamt in Köln"
    raw_headers = received.as_bytes().split(b"\n\n")[0]
    assert "Köln".encode() not in raw_headers


def test_an_attachment_arrives_as_a_part_of_its_own():
    email = stored()
    attachment = email.attachments.create(filename="erklaerung.pdf", mimetype="application/pdf")
    attachment.file.save("erklaerung.pdf", ContentFile(b"%PDF-1.7 test"), save=True)
    error, (received,) = sent_over_smtp(email)
    assert error is None
    assert received.get_content_type() == "multipart/mixed"
    assert [part.get_filename() for part in received.iter_attachments()] == ["erklaerung.pdf"]


def test_an_unreachable_server_leaves_the_mail_queued_with_the_reason():
    email = stored()
    claimed_at, (taken,) = claim(OutboundEmail.objects.filter(pk=email.pk), claim_seconds())
    with SmtpSink() as sink:
        port = sink.port  # nothing listens there once the sink stopped
    # fail_silently: Django's backend then sends nothing instead of raising.
    error = send_one(taken, smtp_connection(port, fail_silently=True))
    assert error is not None
    assert record_outcome(taken, claimed_at)
    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutboundEmail.Status.QUEUED, 1)
    assert "sent nothing" in email.last_error
