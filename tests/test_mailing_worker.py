"""A mailing survives a Celery worker killed in the middle of sending (kill -9, real Redis)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection, transaction

from portal.celery import app as celery_app
from portal.mailings import services as mailings
from portal.models import Mailing, OutboundEmail, Subscription, Topic, User
from tests.factories import StaffFactory
from tests.smtp_sink import SmtpSink

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent
RECIPIENTS = 200
BATCH = 20
CONNECTIONS = 2


def database_url() -> str:
    """The test database, for a worker in another process."""
    db = connection.settings_dict
    login = quote(db["USER"] or "")
    if db["PASSWORD"]:
        login += ":" + quote(db["PASSWORD"])
    return f"postgres://{login}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """`celery worker` in a process group of its own, so that kill -9 takes all of it."""

    def __init__(self, name: str, sink_port: int, log: Path) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": celery_app.conf.broker_url,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(sink_port),
            "EMAIL_USE_TLS": "false",
            "EMAIL_USE_SSL": "false",
            # Mails claimed by a killed batch are due again after max(10 s, 6 times this).
            "EMAIL_TIMEOUT": "1",
            "MAILING_BATCH_SIZE": str(BATCH),
            "MAILING_RATE_PER_MINUTE": "1000000",
            "MAILING_CONNECTIONS": str(CONNECTIONS),
            "DJANGO_LOG_LEVEL": "WARNING",
        }
        self.log = log.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "portal",
                "worker",
                # Two processes, as deployed: the mailing's two chains of batches send side
                # by side when the worker is killed.
                "--pool=prefork",
                "--concurrency=2",
                "--loglevel=WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"{name}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


@pytest.fixture
def real_queue():
    """Tasks of this process go to Redis (no eager run), with an empty queue before and after."""
    celery_app.conf.task_always_eager = False
    celery_app.control.purge()
    try:
        yield
    finally:
        celery_app.control.purge()
        celery_app.conf.task_always_eager = True


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_killed_worker_leaves_nobody_out_and_sends_at_most_the_mail_in_flight_twice(
    real_queue, tmp_path
):
    topic = Topic.objects.create(name="Kurzformate", slug="kurzformate")
    users = User.objects.bulk_create(
        User(email=f"leser{i:03d}@kommune.example", language="de") for i in range(RECIPIENTS)
    )
    Subscription.objects.bulk_create(Subscription(user=user, topic=topic) for user in users)
    staff = StaffFactory()
    mailing = Mailing.objects.create(
        subject="Neuigkeiten",
        body="Das nächste Treffen ist im März.",
        topic=topic,
        include=[{"segment": "portal.topic_subscribers", "topic": topic.pk}],
        created_by=staff,
    )
    log = tmp_path / "workers.log"

    # Each mail takes the sink 10 ms, so the worker is killed somewhere inside a batch.
    with SmtpSink(delay=0.01) as sink:
        first = Worker("first", sink.port, log)
        try:
            with transaction.atomic():
                mailings.send_now(mailing, staff)
            wait_for(lambda: sink.total() >= 70, 60, "the first 70 mails")
        finally:
            first.kill()
        delivered_before_the_kill = sink.total()
        assert delivered_before_the_kill < RECIPIENTS, "killed before the end"
        assert mailings.progress(mailing).remaining > 0

        second = Worker("second", sink.port, log)
        try:
            # What the beat job does every minute; here at once instead of after minutes of
            # silence. (Redis would also hand out the killed task again, but only after its
            # visibility timeout of an hour.)
            assert mailings.resume_stalled_mailings(stalled_after=timedelta(0)) == [mailing.pk]
            wait_for(
                lambda: Mailing.objects.get(pk=mailing.pk).status == Mailing.Status.SENT,
                90,
                "the mailing to be sent:\n" + (log.read_text() if log.exists() else ""),
            )
        finally:
            second.stop()
        deliveries = sink.deliveries

    # Everybody got the mail.
    assert set(deliveries) == {user.email for user in users}
    # Nobody got it twice except, possibly, the mail in flight on each of the two connections
    # when the worker died: the sink had accepted it, but the worker was killed before its
    # UPDATE committed, so the mail was still queued and went out again. SMTP cannot tell a
    # sender that it already took a message, so these cannot be ruled out; a third one can.
    twice = {address: count for address, count in deliveries.items() if count > 1}
    assert len(twice) <= CONNECTIONS, twice
    assert set(twice.values()) <= {2}
    assert RECIPIENTS <= sum(deliveries.values()) <= RECIPIENTS + CONNECTIONS

    assert set(
        OutboundEmail.objects.filter(mailing_recipient__mailing=mailing).values_list(
            "status", flat=True
        )
    ) == {OutboundEmail.Status.SENT}
    assert mailings.progress(mailing) == mailings.Progress(
        total=RECIPIENTS, sent=RECIPIENTS, failed=0, remaining=0
    )
