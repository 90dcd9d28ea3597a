"""Faults: the broker and cache (Redis) away while people use the portal.

A killed worker in the middle of a mailing is tested in test_mailing_worker.py; a restart
of PostgreSQL under gunicorn in benchmarks/faults.sh (it needs a server of its own).
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from declarations.models import Signature
from declarations.tasks import render_missing_pdfs
from meetings.models import Registration
from portal.celery import app as celery_app
from portal.models import OutboundEmail
from portal.outbox.tasks import requeue_unsent_emails
from tests.factories import EventFactory, MembershipFactory, SignatureFactory

# Nothing listens on port 9 (discard) on these machines.
AWAY = "redis://127.0.0.1:9/0"


def _use_broker(url: str) -> None:
    """Point the producers at another broker: the connection pools are made anew."""
    app: Any = celery_app  # the pools are private attributes, unknown to the type stubs
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def redis_away(settings):
    """Broker and cache unreachable, as when Redis is stopped; eager mode off, as in production."""
    settings.CACHES = {
        "default": {
            "BACKEND": "portal.caching.FailOpenRedisCache",
            "LOCATION": AWAY,
            "OPTIONS": {"IGNORE_EXCEPTIONS": True},
        }
    }
    original = celery_app.conf.broker_url
    celery_app.conf.task_always_eager = False
    _use_broker(AWAY)
    try:
        yield
    finally:
        _use_broker(original)
        celery_app.conf.task_always_eager = True


def _redis_back(settings) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    celery_app.conf.task_always_eager = True


@pytest.mark.django_db(transaction=True)
def test_a_registration_succeeds_while_redis_is_away_and_its_mail_goes_out_later(
    redis_away, settings, client, contact_a
):
    MembershipFactory(organisation=contact_a.affiliation.organisation)
    event = EventFactory()
    client.force_login(contact_a)

    response = client.post(reverse("meetings:register", args=[event.pk]))

    assert response.status_code == 302
    registration = Registration.objects.get(event=event, user=contact_a)
    assert registration.status == Registration.Status.CONFIRMED
    waiting = OutboundEmail.objects.get(to=contact_a.email, status=OutboundEmail.Status.QUEUED)
    assert mail.outbox == []

    _redis_back(settings)
    # The beat's sweep runs every five minutes and takes what waits longer than that.
    OutboundEmail.objects.filter(pk=waiting.pk).update(
        next_attempt_at=timezone.now() - datetime.timedelta(minutes=6)
    )
    assert requeue_unsent_emails() == 1

    waiting.refresh_from_db()
    assert waiting.status == OutboundEmail.Status.SENT
    assert [message.to for message in mail.outbox] == [[contact_a.email]]


@pytest.mark.django_db(transaction=True)
def test_a_signature_whose_pdf_never_reached_the_queue_gets_it_from_the_sweep(redis_away, settings):
    signature = SignatureFactory()
    Signature.objects.filter(pk=signature.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(minutes=6)
    )
    assert not Signature.objects.get(pk=signature.pk).pdf

    _redis_back(settings)
    assert render_missing_pdfs() == 1

    signature.refresh_from_db()
    assert signature.pdf
    assert signature.pdf_sha256
