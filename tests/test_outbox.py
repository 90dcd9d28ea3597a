from __future__ import annotations

import time
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path
from smtplib import SMTPRecipientsRefused

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.db import transaction
from django.utils import timezone

from portal.mail import Attachment, queue_email, queue_email_to_user
from portal.models import OutboundEmail
from portal.tasks import deliver_email, requeue_unsent_emails
from tests.factories import UserFactory

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


def test_resending_leaves_alone_a_mail_that_a_mailing_batch_is_sending(
    client, staff_user, settings
):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    in_flight = queue_email("test_message", "ada@kommune.example", {})
    OutboundEmail.objects.filter(pk=in_flight.pk).update(
        kind="portal/mailing", attempts=1, last_attempt_at=timezone.now()
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
