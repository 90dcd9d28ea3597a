"""Sending information e-mails: audience, checks, scheduling, headers, batches and failures."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path
from smtplib import SMTPRecipientsRefused

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection
from django.utils import timezone, translation

from portal.mailings import audience, batches, fanout, letters
from portal.mailings import services as mailings
from portal.mailings.batches import send_mailing_batch
from portal.mailings.fanout import start_mailing
from portal.mailings.services import send_scheduled_mailings
from portal.mailings.unsubscribe import UnsubscribeRequest, read_token
from portal.markdown import render as render_markdown
from portal.models import (
    FailedAddress,
    Mailing,
    MailingRecipient,
    OutboundEmail,
    Subscription,
    Topic,
    Unsubscribe,
    User,
)
from portal.outbox.services import queue_email
from portal.outbox.tasks import build_message, deliver_email
from tests.factories import StaffFactory, UserFactory
from tests.smtp_sink import SmtpSink

pytestmark = pytest.mark.django_db

PROJECT_DIR = Path(__file__).resolve().parent.parent

BODY = """## Neues aus dem Netzwerk

Das nächste Treffen ist im März. Alles Weitere auf [unserer Seite](https://example.org/treffen).

- Anmeldung ab sofort
- Programm folgt
"""


# --- Helpers ---------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _messages_in_english(_german_by_default):
    # The messages are compared in their source language; the catalogue is made later.
    translation.activate("en")


@pytest.fixture
def topic(db):
    return Topic.objects.create(name="Kurzformate", slug="kurzformate")


@pytest.fixture
def sender(db):
    return StaffFactory()


def subscribe(topic, count, *, prefix="leser", language="de"):
    users = User.objects.bulk_create(
        User(email=f"{prefix}{i}@kommune.example", full_name=f"Leser {i}", language=language)
        for i in range(count)
    )
    Subscription.objects.bulk_create(Subscription(user=user, topic=topic) for user in users)
    return users


def make_mailing(topic, sender, **fields):
    values = {
        "subject": "Neuigkeiten & Termine",
        "body": BODY,
        "topic": topic,
        "include": [{"segment": "portal.topic_subscribers", "topic": topic.pk}],
        "created_by": sender,
        **fields,
    }
    return Mailing.objects.create(**values)


def emails(recipients):
    return sorted(r.email for r in recipients)


def send_everything(mailing, sender, capture):
    """send_now with the on-commit tasks run in this process (Celery is eager in tests)."""
    with capture(execute=True):
        mailings.send_now(mailing, sender)
    mailing.refresh_from_db()


def smtp_settings(settings, sink):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""


class CountingBackend(LocmemBackend):
    """locmem that counts how often a connection is opened and what goes over each."""

    opened = 0
    per_connection: list[int] = []  # reset by the test that uses it

    def open(self):
        CountingBackend.opened += 1
        CountingBackend.per_connection.append(0)
        return True

    def send_messages(self, messages):
        CountingBackend.per_connection[-1] += len(messages)
        return super().send_messages(messages)


# --- Audience --------------------------------------------------------------------------------


def test_the_audience_leaves_out_unsubscribed_and_failed_addresses(topic, sender):
    other_topic = Topic.objects.create(name="Förderung", slug="foerderung")
    users = subscribe(topic, 6)
    Unsubscribe.objects.create(email=users[0].email.upper(), source="link")  # all, other case
    Unsubscribe.objects.create(email=users[1].email, topic=topic, source="one_click")
    Unsubscribe.objects.create(email=users[2].email, topic=other_topic, source="link")
    FailedAddress.objects.create(email=users[3].email, reason="550 no such user")
    FailedAddress.objects.create(
        email=users[4].email, reason="550 no such user", cleared_at=timezone.now()
    )
    mailing = make_mailing(topic, sender)

    # Unsubscribed from another topic and a fixed failure do not keep anybody out.
    assert emails(audience.recipients_for(mailing)) == emails([users[2], users[4], users[5]])


def test_an_address_in_two_chosen_groups_is_one_recipient(topic, sender):
    other_topic = Topic.objects.create(name="Förderung", slug="foerderung")
    users = subscribe(topic, 2)
    Subscription.objects.create(user=users[0], topic=other_topic)
    mailing = make_mailing(
        topic,
        sender,
        include=[
            {"segment": "portal.topic_subscribers", "topic": topic.pk},
            {"segment": "portal.topic_subscribers", "topic": other_topic.pk},
        ],
    )
    assert emails(audience.recipients_for(mailing)) == emails(users)


def test_a_mailing_to_nobody_is_refused_with_the_reason(topic, sender):
    users = subscribe(topic, 2)
    for user in users:
        Unsubscribe.objects.create(email=user.email, source="link")
    mailing = make_mailing(topic, sender)
    with pytest.raises(ValidationError) as refused:
        audience.validate_for_sending(mailing)
    assert refused.value.message_dict["include"] == [
        "The audience has no recipients: all of its 2 addresses unsubscribed."
    ]

    FailedAddress.objects.create(email=users[0].email, reason="550")
    Unsubscribe.objects.filter(email=users[0].email).delete()
    with pytest.raises(ValidationError) as refused:
        audience.validate_for_sending(mailing)
    assert "1 unsubscribed and 1 are marked as failed" in refused.value.messages[0]


def test_an_empty_audience_is_refused_as_empty(topic, sender):
    mailing = make_mailing(topic, sender)
    with pytest.raises(ValidationError) as refused:
        audience.validate_for_sending(mailing)
    assert "the chosen groups contain nobody" in refused.value.message_dict["include"][0]
    with pytest.raises(ValidationError):
        mailings.send_now(mailing, sender)
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.DRAFT


# --- Content checks --------------------------------------------------------------------------


def test_an_empty_subject_and_text_are_refused(topic, sender):
    subscribe(topic, 1)
    mailing = make_mailing(topic, sender, subject="  ", body="")
    with pytest.raises(ValidationError) as refused:
        audience.validate_for_sending(mailing)
    assert refused.value.message_dict["subject"] == ["Please enter a subject."]
    assert refused.value.message_dict["body"] == ["Please write the text of the e-mail."]
    assert "include" not in refused.value.message_dict


def test_an_oversized_text_is_refused_with_its_length(topic, sender):
    subscribe(topic, 1)
    mailing = make_mailing(topic, sender, body="a" * 100_001)
    with pytest.raises(ValidationError) as refused:
        audience.validate_for_sending(mailing)
    assert "100,001 characters, at most 100,000" in refused.value.message_dict["body"][0]

    mailing.body = "a" * 100_000
    audience.validate_for_sending(mailing)


def test_markdown_that_shows_nothing_is_refused(topic, sender):
    subscribe(topic, 1)
    mailing = make_mailing(topic, sender, body="<!-- nur ein Kommentar --><script>x()</script>")
    with pytest.raises(ValidationError) as refused:
        audience.validate_for_sending(mailing)
    assert "shows nothing once formatted" in refused.value.message_dict["body"][0]


def test_markdown_becomes_safe_html_and_readable_text():
    html, text = render_markdown(
        "Hallo **alle**, siehe [Programm](https://example.org/p).\n\n"
        "<script>alert(1)</script><img src=x onerror=alert(1)>\n\n"
        "[gefährlich](javascript:alert(1))\n\n1. eins\n2. zwei"
    )
    assert "<strong>alle</strong>" in html
    assert 'href="https://example.org/p"' in html
    for unsafe in ("<script", "<img", "onerror", "javascript:"):
        assert unsafe not in html
    assert "Programm (https://example.org/p)" in text
    assert "1. eins\n2. zwei" in text
    assert "<" not in text


# --- Permissions, scheduling, cancelling ------------------------------------------------------


def test_staff_without_the_permission_may_not_send_schedule_or_cancel(topic, sender):
    subscribe(topic, 1)
    clerk = UserFactory(is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="change_mailing"))
    mailing = make_mailing(topic, sender)
    with pytest.raises(PermissionDenied):
        mailings.send_now(mailing, clerk)
    with pytest.raises(PermissionDenied):
        mailings.schedule(mailing, timezone.now() + timedelta(hours=1), clerk)
    mailing.status = Mailing.Status.SCHEDULED
    mailing.save()
    with pytest.raises(PermissionDenied):
        mailings.cancel(mailing, clerk)
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.SCHEDULED


def test_staff_with_the_permission_may_schedule(topic, sender):
    subscribe(topic, 1)
    editor = UserFactory(is_staff=True)
    editor.user_permissions.add(Permission.objects.get(codename="send_mailing"))
    editor = User.objects.get(pk=editor.pk)  # fresh permission cache
    mailing = make_mailing(topic, sender)
    when = timezone.now() + timedelta(hours=2)
    mailings.schedule(mailing, when, editor)
    mailing.refresh_from_db()
    assert (mailing.status, mailing.scheduled_at) == (Mailing.Status.SCHEDULED, when)


def test_a_time_in_the_past_is_refused(topic, sender):
    subscribe(topic, 1)
    mailing = make_mailing(topic, sender)
    with pytest.raises(ValidationError) as refused:
        mailings.schedule(mailing, timezone.now() - timedelta(minutes=1), sender)
    assert refused.value.message_dict == {"scheduled_at": ["Please choose a time in the future."]}
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.DRAFT


def test_only_a_scheduled_mailing_can_be_cancelled(topic, sender):
    subscribe(topic, 1)
    mailing = make_mailing(topic, sender)
    with pytest.raises(ValidationError, match="Only a scheduled mailing"):
        mailings.cancel(mailing, sender)

    mailings.schedule(mailing, timezone.now() + timedelta(days=1), sender)
    mailings.cancel(mailing, sender)
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.CANCELLED

    Mailing.objects.filter(pk=mailing.pk).update(status=Mailing.Status.SENDING)
    with pytest.raises(ValidationError, match="cannot be cancelled any more"):
        mailings.cancel(mailing, sender)


def test_the_beat_starts_a_due_mailing_exactly_once(
    topic, sender, django_capture_on_commit_callbacks
):
    subscribe(topic, 3)
    mailing = make_mailing(topic, sender)
    mailings.schedule(mailing, timezone.now() + timedelta(minutes=5), sender)
    assert send_scheduled_mailings() == 0, "not due yet"

    Mailing.objects.filter(pk=mailing.pk).update(scheduled_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert send_scheduled_mailings() == 1
        assert send_scheduled_mailings() == 0
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.SENT
    assert len(mail.outbox) == 3


def test_a_cancelled_mailing_is_not_started_by_the_beat(topic, sender):
    subscribe(topic, 1)
    mailing = make_mailing(topic, sender)
    mailings.schedule(mailing, timezone.now() + timedelta(minutes=5), sender)
    mailings.cancel(mailing, sender)
    Mailing.objects.filter(pk=mailing.pk).update(scheduled_at=timezone.now())
    assert send_scheduled_mailings() == 0
    assert not OutboundEmail.objects.exists()


# --- Sending ----------------------------------------------------------------------------------


def test_sending_stores_one_mail_per_recipient_and_sends_it(
    topic, sender, django_capture_on_commit_callbacks
):
    users = subscribe(topic, 4)
    mailing = make_mailing(topic, sender)
    send_everything(mailing, sender, django_capture_on_commit_callbacks)

    assert mailing.status == Mailing.Status.SENT
    assert mailing.recipient_count == 4
    assert mailing.started_at <= mailing.finished_at
    assert sorted(m.to[0] for m in mail.outbox) == emails(users)
    assert mailings.progress(mailing) == mailings.Progress(total=4, sent=4, failed=0, remaining=0)
    rows = MailingRecipient.objects.filter(mailing=mailing).select_related("outbound")
    assert {row.outbound.kind for row in rows} == {"portal/mailing"}
    assert {row.outbound.related for row in rows} == {mailing}


def test_a_double_click_sends_once(topic, sender, django_capture_on_commit_callbacks):
    subscribe(topic, 3)
    mailing = make_mailing(topic, sender)
    send_everything(mailing, sender, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError, match="already been sent"):
        mailings.send_now(Mailing.objects.get(pk=mailing.pk), sender)
    assert len(mail.outbox) == 3
    assert MailingRecipient.objects.filter(mailing=mailing).count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_clicks_at_the_same_moment_start_the_mailing_once(topic, sender):
    subscribe(topic, 5)
    mailing = make_mailing(topic, sender)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def click():
        translation.activate("en")  # each thread starts in the portal's language
        start.wait()
        try:
            mailings.send_now(Mailing.objects.get(pk=mailing.pk), sender)
            outcomes.append("sent")
        except ValidationError as refused:
            outcomes.append(refused.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes)[-1] == "sent"
    assert sorted(outcomes)[0].startswith("This mailing")
    assert len(mail.outbox) == 5
    assert len({m.to[0] for m in mail.outbox}) == 5


def test_a_test_mail_goes_only_to_me(topic, sender, django_capture_on_commit_callbacks):
    subscribe(topic, 3)
    sender.language = "en"
    sender.save()
    mailing = make_mailing(topic, sender)
    with django_capture_on_commit_callbacks(execute=True):
        test_mail = mailings.send_test(mailing, sender)

    assert test_mail.to == sender.email
    assert test_mail.subject == "[Test] Neuigkeiten & Termine"
    assert [m.to for m in mail.outbox] == [[sender.email]]
    assert not MailingRecipient.objects.exists()
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.DRAFT


def test_the_preview_is_the_final_mail_in_my_language(topic, sender):
    sender.language = "en"
    sender.full_name = "Tina Team"
    sender.save()
    mailing = make_mailing(topic, sender)
    subject, text, html = letters.preview(mailing, sender)
    assert subject == "Neuigkeiten & Termine"
    assert "Dear Tina Team," in text
    assert "Alles Weitere auf unserer Seite (https://example.org/treffen)." in " ".join(
        text.split()
    )
    assert '<html lang="en">' in html
    assert "<h2>Neues aus dem Netzwerk</h2>" in html
    assert "Kurzformate" in text


@pytest.mark.parametrize("name", ["Anna & Ömer <Team>", ""])
@pytest.mark.parametrize("language", ["de", "en"])
def test_the_stored_mail_is_the_mail_rendered_for_that_recipient(
    topic, sender, name, language, django_capture_on_commit_callbacks
):
    (reader,) = subscribe(topic, 1, language=language)
    reader.full_name = name
    reader.save()
    mailing = make_mailing(topic, sender)
    send_everything(mailing, sender, django_capture_on_commit_callbacks)
    stored = OutboundEmail.objects.get(to=reader.email)

    # The fan-out renders once and fills in name and link; the result must not differ. (The
    # signed link carries the second it was made in, so links are compared by their address.)
    subject, text, html = letters.render(
        mailing, email=reader.email, language=language, topic_id=topic.pk, recipient_name=name
    )
    token = re.compile(r"/abmelden/[^/\s\"]+/")
    assert token.search(stored.body_text)
    assert token.search(stored.body_html)
    assert (stored.subject, token.sub("/abmelden/…/", stored.body_text)) == (
        subject,
        token.sub("/abmelden/…/", text),
    )
    assert token.sub("/abmelden/…/", stored.body_html) == token.sub("/abmelden/…/", html)
    assert read_token(token.search(stored.body_text).group().split("/")[2]) == (
        UnsubscribeRequest(reader.email, topic.pk)
    )
    if name:
        assert "Anna &amp; Ömer &lt;Team&gt;" in stored.body_html
        assert "Anna & Ömer <Team>" in stored.body_text


def test_the_mail_carries_one_click_unsubscribe_headers(
    topic, sender, settings, django_capture_on_commit_callbacks
):
    (reader,) = subscribe(topic, 1)
    mailing = make_mailing(topic, sender)
    send_everything(mailing, sender, django_capture_on_commit_callbacks)
    stored = OutboundEmail.objects.get(to=reader.email)

    parsed = message_from_bytes(build_message(stored).message().as_bytes(), policy=policy.default)
    # The long address is folded onto a continuation line; unfolded it keeps one space.
    link = parsed["List-Unsubscribe"].strip()
    assert link.startswith(f"<{settings.PORTAL_BASE_URL}/abmelden/")
    assert link.endswith("/>")
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = link[1:-1]
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert read_token(token) == UnsubscribeRequest(reader.email, topic.pk)

    assert parsed.get_content_type() == "multipart/alternative"
    parts = {part.get_content_type(): part.get_content() for part in parsed.iter_parts()}
    assert set(parts) == {"text/plain", "text/html"}
    assert url in parts["text/plain"]
    assert f'href="{url}"' in parts["text/html"]
    assert parsed["Subject"] == "Neuigkeiten & Termine"


def test_each_recipient_gets_the_mail_in_their_language(
    topic, sender, django_capture_on_commit_callbacks
):
    (english,) = subscribe(topic, 1, prefix="english", language="en")
    (german,) = subscribe(topic, 1, prefix="deutsch", language="de")
    mailing = make_mailing(topic, sender)
    send_everything(mailing, sender, django_capture_on_commit_callbacks)
    html = {m.to[0]: m.alternatives[0][0] for m in mail.outbox}
    assert '<html lang="en">' in html[english.email]
    assert '<html lang="de">' in html[german.email]
    assert OutboundEmail.objects.get(to=english.email).language == "en"


def test_unsubscribing_does_not_stop_transactional_mails(topic, sender):
    Unsubscribe.objects.create(email="ada@kommune.example", source="link")
    email = queue_email("test_message", "ada@kommune.example", {})
    deliver_email.apply(args=(email.pk,))
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT


# --- Fan-out that is interrupted -----------------------------------------------------------------


def test_a_fan_out_that_died_continues_where_it_stopped(
    topic, sender, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.MAILING_CONNECTIONS = 2
    subscribe(topic, 5)
    mailing = make_mailing(topic, sender, status=Mailing.Status.SENDING)
    monkeypatch.setattr(fanout, "FAN_OUT_CHUNK", 2)
    store_chunk = fanout._store_chunk
    calls = 0

    def dies_at_the_second_chunk(*args):
        nonlocal calls
        calls += 1
        if calls == 2:
            raise SystemExit("worker killed")
        return store_chunk(*args)

    monkeypatch.setattr(fanout, "_store_chunk", dies_at_the_second_chunk)
    with pytest.raises(SystemExit):
        start_mailing.run(mailing.pk)
    assert MailingRecipient.objects.filter(mailing=mailing).count() == 2
    assert OutboundEmail.objects.count() == 2, "a mail is stored only with its recipient"

    monkeypatch.setattr(fanout, "_store_chunk", store_chunk)
    queued: list[int] = []
    monkeypatch.setattr(send_mailing_batch, "delay", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        assert fanout.fan_out(mailing.pk) == 3
    mailing.refresh_from_db()
    assert mailing.recipient_count == 5
    assert OutboundEmail.objects.count() == 5
    assert queued == [mailing.pk, mailing.pk], "one chain of batches per connection"

    # Fixed now: a late subscriber and a second run of the task add nothing.
    subscribe(topic, 1, prefix="spaet")
    with django_capture_on_commit_callbacks(execute=True):
        assert fanout.fan_out(mailing.pk) == 0
    assert MailingRecipient.objects.filter(mailing=mailing).count() == 5
    assert queued == [mailing.pk, mailing.pk]


def test_with_a_worker_batches_start_after_the_first_chunk_and_are_queued_once(
    topic, sender, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.MAILING_CONNECTIONS = 2
    subscribe(topic, 5)
    mailing = make_mailing(topic, sender, status=Mailing.Status.SENDING, started_at=timezone.now())
    monkeypatch.setattr(fanout, "FAN_OUT_CHUNK", 2)
    stored_when_queued: list[int] = []
    chains: list[int] = []
    queue_batches = fanout.queue_batches

    def queued(mailing_id):
        stored_when_queued.append(MailingRecipient.objects.filter(mailing_id=mailing_id).count())
        queue_batches(mailing_id)

    monkeypatch.setattr(fanout, "queue_batches", queued)
    monkeypatch.setattr(send_mailing_batch, "delay", chains.append)
    with django_capture_on_commit_callbacks(execute=True):
        assert fanout.fan_out(mailing.pk, batches_alongside=True) == 5
    # The chains were queued once the first two mails were stored, not again at the end.
    assert stored_when_queued == [2]
    assert chains == [mailing.pk, mailing.pk]


def test_a_batch_that_caught_up_with_the_fan_out_looks_again_soon(topic, sender, monkeypatch):
    subscribe(topic, 1)
    mailing = make_mailing(topic, sender, status=Mailing.Status.SENDING, started_at=timezone.now())
    batch = batches.send_batch(mailing.pk)
    assert (batch.handled, batch.pause) == (0, batches.FAN_OUT_POLL_SECONDS)

    # A fan-out that started long ago has stalled: the beat starts it again with new batches.
    Mailing.objects.filter(pk=mailing.pk).update(started_at=timezone.now() - timedelta(hours=1))
    assert batches.send_batch(mailing.pk).pause is None


def test_a_mailing_whose_audience_emptied_before_its_time_ends_without_mail(
    topic, sender, django_capture_on_commit_callbacks
):
    (reader,) = subscribe(topic, 1)
    mailing = make_mailing(topic, sender)
    mailings.schedule(mailing, timezone.now() + timedelta(minutes=5), sender)
    Unsubscribe.objects.create(email=reader.email, source="link")
    Mailing.objects.filter(pk=mailing.pk).update(scheduled_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        send_scheduled_mailings()
    mailing.refresh_from_db()
    assert (mailing.status, mailing.recipient_count) == (Mailing.Status.SENT, 0)
    assert mail.outbox == []


# --- Batches, connections, rate ---------------------------------------------------------------


def test_each_batch_sends_over_one_connection(
    topic, sender, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.test_mailing_delivery.CountingBackend"
    settings.MAILING_BATCH_SIZE = 5
    CountingBackend.opened = 0
    CountingBackend.per_connection = []
    subscribe(topic, 12)
    mailing = make_mailing(topic, sender)
    send_everything(mailing, sender, django_capture_on_commit_callbacks)

    assert CountingBackend.opened == 3
    assert CountingBackend.per_connection == [5, 5, 2]
    assert len(mail.outbox) == 12
    assert mailing.status == Mailing.Status.SENT


def test_batches_reuse_one_smtp_session_of_a_real_server(
    topic, sender, settings, django_capture_on_commit_callbacks
):
    settings.MAILING_BATCH_SIZE = 10
    users = subscribe(topic, 25)
    mailing = make_mailing(topic, sender)
    with SmtpSink() as sink:
        smtp_settings(settings, sink)
        send_everything(mailing, sender, django_capture_on_commit_callbacks)
        assert sink.sessions == 3
        assert sink.deliveries == {user.email: 1 for user in users}
        headers = sink.parsed()[0]
        assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_pause_between_batches_keeps_the_rate(topic, sender, settings, monkeypatch):
    settings.MAILING_RATE_PER_MINUTE = 60
    settings.MAILING_BATCH_SIZE = 10
    settings.MAILING_CONNECTIONS = 1
    assert batches.pause_between_batches(10, 2.5) == 7.5
    assert batches.pause_between_batches(10, 12.0) == 0.0

    subscribe(topic, 25)
    mailing = make_mailing(topic, sender, status=Mailing.Status.SENDING)
    monkeypatch.setattr(send_mailing_batch, "delay", lambda *args: None)
    fanout.fan_out(mailing.pk)
    queued: list[dict] = []
    monkeypatch.setattr(send_mailing_batch, "apply_async", lambda *a, **kw: queued.append(kw))
    started = time.monotonic()
    assert send_mailing_batch.run(mailing.pk) == 10
    took = time.monotonic() - started
    # Ten mails at 60 a minute take ten seconds; the batch itself took `took` of them.
    assert len(queued) == 1
    assert 10 - took <= queued[0]["countdown"] <= 10
    assert mailings.progress(mailing).remaining == 15


def test_parallel_connections_share_the_rate(settings):
    settings.MAILING_RATE_PER_MINUTE = 60
    settings.MAILING_CONNECTIONS = 3
    # Three chains of ten mails each per pause: thirty seconds for each chain's ten.
    assert batches.pause_between_batches(10, 2.5) == 27.5


def test_progress_counts_sent_failed_and_remaining(topic, sender, settings, monkeypatch):
    settings.MAILING_BATCH_SIZE = 3
    subscribe(topic, 5)
    mailing = make_mailing(topic, sender, status=Mailing.Status.SENDING)
    assert mailings.progress(mailing) == mailings.Progress(0, 0, 0, 0)
    monkeypatch.setattr(send_mailing_batch, "delay", lambda *args: None)
    fanout.fan_out(mailing.pk)
    mailing.refresh_from_db()
    first = OutboundEmail.objects.order_by("pk").first()
    OutboundEmail.objects.filter(pk=first.pk).update(status=OutboundEmail.Status.FAILED)

    batch = batches.send_batch(mailing.pk)
    assert batch.handled == 3
    assert mailings.progress(mailing) == mailings.Progress(total=5, sent=3, failed=1, remaining=1)
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.SENDING


@pytest.mark.django_db(transaction=True)
def test_two_batches_at_once_never_send_the_same_mail(topic, sender, settings, monkeypatch):
    settings.MAILING_BATCH_SIZE = 20
    users = subscribe(topic, 40)
    mailing = make_mailing(topic, sender, status=Mailing.Status.SENDING)
    monkeypatch.setattr(send_mailing_batch, "delay", lambda *args: None)
    fanout.fan_out(mailing.pk)
    with SmtpSink(delay=0.005) as sink:
        smtp_settings(settings, sink)
        start = threading.Barrier(2)
        handled: list[int] = []

        def batch():
            start.wait()
            try:
                handled.append(batches.send_batch(mailing.pk).handled)
            finally:
                connection.close()

        threads = [threading.Thread(target=batch) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # Each claimed its own twenty, though both claimed at the same moment.
        assert handled == [20, 20]
        assert sink.deliveries == {user.email: 1 for user in users}
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.SENT


def test_a_stalled_mailing_is_resumed_and_a_finished_one_closed(
    topic, sender, settings, monkeypatch
):
    settings.MAILING_CONNECTIONS = 2
    subscribe(topic, 2)
    stalled = make_mailing(topic, sender, status=Mailing.Status.SENDING, started_at=timezone.now())
    monkeypatch.setattr(send_mailing_batch, "delay", lambda *args: None)
    fanout.fan_out(stalled.pk)
    never_fanned_out = make_mailing(
        topic,
        sender,
        status=Mailing.Status.SENDING,
        started_at=timezone.now() - timedelta(minutes=10),
    )
    batches: list[int] = []
    fan_outs: list[int] = []
    monkeypatch.setattr(send_mailing_batch, "delay", batches.append)
    monkeypatch.setattr(start_mailing, "delay", fan_outs.append)

    # The fanned-out one has just started: it is not stalled yet.
    assert mailings.resume_stalled_mailings() == [never_fanned_out.pk]
    assert fan_outs == [never_fanned_out.pk]
    assert batches == []

    resumed = mailings.resume_stalled_mailings(stalled_after=timedelta(0))
    assert sorted(resumed) == sorted([stalled.pk, never_fanned_out.pk])
    assert batches == [stalled.pk, stalled.pk], "all its chains start again"

    # Its mails went out another way (the outbox sweep): the mailing is closed, not resumed.
    OutboundEmail.objects.update(status=OutboundEmail.Status.SENT)
    batches.clear()
    mailings.resume_stalled_mailings(stalled_after=timedelta(0))
    stalled.refresh_from_db()
    assert stalled.status == Mailing.Status.SENT
    assert batches == []


# --- Failed addresses --------------------------------------------------------------------------


def test_a_refused_address_fails_at_once_and_is_skipped_later(
    topic, sender, settings, django_capture_on_commit_callbacks
):
    users = subscribe(topic, 3)
    dead = users[1].email
    mailing = make_mailing(topic, sender)
    with SmtpSink(refuse={dead: "550 5.1.1 No such mailbox"}) as sink:
        smtp_settings(settings, sink)
        send_everything(mailing, sender, django_capture_on_commit_callbacks)
        assert set(sink.deliveries) == {users[0].email, users[2].email}

    row = OutboundEmail.objects.get(to=dead)
    assert (row.status, row.attempts) == (OutboundEmail.Status.FAILED, 1)
    failure = FailedAddress.objects.get(email__iexact=dead, cleared_at__isnull=True)
    assert "No such mailbox" in failure.reason
    assert mailing.status == Mailing.Status.SENT
    assert mailings.progress(mailing) == mailings.Progress(total=3, sent=2, failed=1, remaining=0)

    second = make_mailing(topic, sender)
    assert dead not in emails(audience.recipients_for(second))
    failure.cleared_at = timezone.now()
    failure.save()
    assert dead in emails(audience.recipients_for(second))


def test_a_temporary_refusal_is_retried_later(
    topic, sender, settings, django_capture_on_commit_callbacks
):
    users = subscribe(topic, 2)
    busy = users[0].email
    mailing = make_mailing(topic, sender)
    with SmtpSink(refuse={busy: "450 4.2.1 Mailbox busy, try later"}) as sink:
        smtp_settings(settings, sink)
        send_everything(mailing, sender, django_capture_on_commit_callbacks)
        assert set(sink.deliveries) == {users[1].email}

    row = OutboundEmail.objects.get(to=busy)
    assert (row.status, row.attempts) == (OutboundEmail.Status.QUEUED, 1)
    assert row.next_attempt_at > timezone.now()
    assert not FailedAddress.objects.exists()
    assert mailing.status == Mailing.Status.SENDING, "it is done once the retry went out"


def test_a_transactional_mail_to_a_refused_address_marks_it_too(monkeypatch):
    email = queue_email("test_message", "weg@kommune.example", {})

    def refuse(self, messages):
        raise SMTPRecipientsRefused({"weg@kommune.example": (550, b"5.1.1 unknown user")})

    monkeypatch.setattr(LocmemBackend, "send_messages", refuse)
    deliver_email.apply(args=(email.pk,))
    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutboundEmail.Status.FAILED, 1)
    assert FailedAddress.objects.filter(email="weg@kommune.example").count() == 1

    # Failing again refreshes the open record instead of adding a second one.
    again = queue_email("test_message", "WEG@kommune.example", {})
    deliver_email.apply(args=(again.pk,))
    assert FailedAddress.objects.filter(email__iexact="weg@kommune.example").count() == 1


# --- Claims of a batch ---------------------------------------------------------------------------


def fanned_out(topic, sender, count, monkeypatch):
    """A mailing being sent whose mails are stored, with no batch run yet."""
    subscribe(topic, count)
    mailing = make_mailing(topic, sender, status=Mailing.Status.SENDING)
    with monkeypatch.context() as patch:
        patch.setattr(send_mailing_batch, "delay", lambda *args: None)
        fanout.fan_out(mailing.pk)
    return mailing


def test_deliver_email_leaves_a_mail_that_a_batch_holds_alone(topic, sender, monkeypatch):
    mailing = fanned_out(topic, sender, 1, monkeypatch)
    _claimed_at, (held,) = batches._claim(mailing.pk)
    assert deliver_email.apply(args=(held.pk,)).get() == "sending"
    assert mail.outbox == []

    # A claim that ran out (its worker died) is no reason to wait any longer.
    long_ago = timezone.now() - timedelta(hours=1)
    OutboundEmail.objects.filter(pk=held.pk).update(
        last_attempt_at=long_ago, next_attempt_at=long_ago
    )
    assert deliver_email.apply(args=(held.pk,)).get() == "sent"
    assert len(mail.outbox) == 1


def test_mails_of_a_killed_batch_go_out_once_its_claim_ran_out(topic, sender, monkeypatch):
    mailing = fanned_out(topic, sender, 3, monkeypatch)
    batches._claim(mailing.pk)  # and the worker dies before sending anything
    assert batches.send_batch(mailing.pk).handled == 0, "still claimed"
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {"sending"}

    OutboundEmail.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert batches.send_batch(mailing.pk).handled == 3
    assert len(mail.outbox) == 3
    assert set(OutboundEmail.objects.values_list("attempts", flat=True)) == {2}


def test_a_batch_gives_its_mails_back_when_the_server_is_unreachable(
    topic, sender, settings, monkeypatch
):
    mailing = fanned_out(topic, sender, 3, monkeypatch)
    closed = SmtpSink()  # a free port nobody listens on
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", closed.port
    batch = batches.send_batch(mailing.pk)
    assert (batch.handled, batch.server_trouble) == (0, True)
    assert batch.pause == batches.PAUSE_AFTER_SERVER_ERROR
    assert set(OutboundEmail.objects.values_list("attempts", "status")) == {(0, "queued")}
    assert mailings.progress(mailing).remaining == 3


class SlowBackend(LocmemBackend):
    """Takes its time and notes how many mails of the mailing others could claim meanwhile."""

    due_while_sending: list[int] = []  # reset by the test that uses it
    mailing_id = 0

    def send_messages(self, messages):
        time.sleep(0.03)
        SlowBackend.due_while_sending.append(batches.due_mails(SlowBackend.mailing_id).count())
        return super().send_messages(messages)


def test_a_slow_batch_extends_its_claim_instead_of_losing_it(topic, sender, settings, monkeypatch):
    mailing = fanned_out(topic, sender, 6, monkeypatch)
    settings.EMAIL_BACKEND = "tests.test_mailing_delivery.SlowBackend"
    SlowBackend.due_while_sending = []
    SlowBackend.mailing_id = mailing.pk
    # A claim of 0.1 s, renewed when less than 0.05 s are left: six mails of 0.03 s outlast it.
    monkeypatch.setattr("portal.mailings.batches.claim_seconds", lambda: 0.1)
    monkeypatch.setattr("portal.mailings.batches.send_timeout", lambda: 0.01)
    claims_before = set(OutboundEmail.objects.values_list("last_attempt_at", flat=True))

    assert batches.send_batch(mailing.pk).handled == 6
    assert SlowBackend.due_while_sending == [0] * 6, "nobody else could take a held mail"
    assert len(mail.outbox) == 6
    claims = set(OutboundEmail.objects.values_list("last_attempt_at", flat=True))
    assert len(claims - claims_before) > 1, "the claim was renewed on the way"


# --- The embedded set-up of the README (SQLite, tasks run at once) ------------------------------

EMBEDDED_MAILING = """
import json
from django.db import transaction
from portal.mailings import services as mailings
from portal.models import Mailing, OutboundEmail, Subscription, Topic, User

topic = Topic.objects.create(name="Kurzformate", slug="kurzformate")
for number in range(3):
    reader = User.objects.create_user(f"leser{number}@kommune.example", language="de")
    Subscription.objects.create(user=reader, topic=topic)
team = User.objects.create_superuser("team@kommune.example")
mailing = Mailing.objects.create(
    subject="Neuigkeiten",
    body="Das nächste Treffen ist im März.",
    topic=topic,
    include=[{"segment": "portal.topic_subscribers", "topic": topic.pk}],
    created_by=team,
)
with transaction.atomic():
    mailings.send_now(mailing, team)
mailing.refresh_from_db()
outbox = sorted(OutboundEmail.objects.values_list("status", flat=True))
print(json.dumps({"mailing": mailing.status, "outbox": outbox}))
"""


def test_a_mailing_finishes_in_the_embedded_sqlite_set_up_and_reaches_everyone_once(tmp_path):
    # A process of its own: the suite's database is PostgreSQL, and the embedded mode is
    # chosen by the environment when the settings load (no DATABASE_URL, no broker).
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}
    }
    with SmtpSink() as sink:
        env.update(
            PORTAL_VAR_DIR=str(tmp_path),
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(sink.port),
            EMAIL_USE_TLS="false",
            EMAIL_USE_SSL="false",
        )
        for command in (["migrate", "-v0"], ["shell", "-c", EMBEDDED_MAILING]):
            done = subprocess.run(  # noqa: S603 - our own interpreter and arguments
                [sys.executable, "manage.py", *command],
                cwd=PROJECT_DIR,
                env=env,
                capture_output=True,
                text=True,
                timeout=180,
                check=False,
            )
            assert done.returncode == 0, done.stderr
        deliveries = sink.deliveries
    assert (tmp_path / "portal.sqlite3").exists(), "it ran on SQLite"
    assert json.loads(done.stdout.splitlines()[-1]) == {
        "mailing": "sent",
        "outbox": ["sent", "sent", "sent"],
    }
    assert deliveries == {f"leser{number}@kommune.example": 1 for number in range(3)}
