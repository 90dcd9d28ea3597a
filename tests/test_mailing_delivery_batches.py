"""Sending information e-mails: batches, connections and rate, failed addresses, the claims of
a batch, and the embedded set-up of the README."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from smtplib import SMTPRecipientsRefused

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection
from django.utils import timezone

from portal.mailings import audience, batches, fanout
from portal.mailings import services as mailings
from portal.mailings.batches import send_mailing_batch
from portal.mailings.fanout import start_mailing
from portal.models import FailedAddress, Mailing, OutboundEmail
from portal.outbox.services import queue_email
from portal.outbox.tasks import deliver_email
from tests.smtp_sink import SmtpSink
from tests.support import mailing_delivery as support
from tests.support.mailing_delivery import emails, make_mailing, send_everything, subscribe

pytestmark = pytest.mark.django_db


# Fixtures of tests/support/mailing_delivery.py that these tests ask for by name.
_messages_in_english = support._messages_in_english
sender = support.sender
topic = support.topic


PROJECT_DIR = Path(__file__).resolve().parent.parent


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


# --- Batches, connections, rate ---------------------------------------------------------------


def test_each_batch_sends_over_one_connection(
    topic, sender, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.test_mailing_delivery_batches.CountingBackend"
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
    settings.EMAIL_BACKEND = "tests.test_mailing_delivery_batches.SlowBackend"
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
