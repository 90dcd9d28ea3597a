"""The beat jobs of events, run by a real Celery worker against Redis."""

from __future__ import annotations

import datetime
import time

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from meetings.events.tasks import send_event_followups, send_event_reminders
from meetings.models import Registration
from portal.models import OutboundEmail
from portal.outbox.services import queue_email
from tests.factories import EventFactory, UserFactory

HOUR = datetime.timedelta(hours=1)


def _wait_until_sent(kind: str, count: int) -> list[OutboundEmail]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        sent = list(OutboundEmail.objects.filter(kind=kind, status=OutboundEmail.Status.SENT))
        if len(sent) >= count:
            return sent
        time.sleep(0.1)
    return list(OutboundEmail.objects.filter(kind=kind, status=OutboundEmail.Status.SENT))


@pytest.mark.worker
def test_a_worker_sends_the_reminders_and_thanks_once(celery_worker, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    now = timezone.now()
    soon = EventFactory(starts_at=now + HOUR, ends_at=now + 2 * HOUR)
    past = EventFactory(starts_at=now - 3 * HOUR, ends_at=now - 2 * HOUR, remind_hours_before=0)
    coming, came = UserFactory(), UserFactory()
    Registration.objects.create(event=soon, user=coming, status=Registration.Status.CONFIRMED)
    Registration.objects.create(
        event=past, user=came, status=Registration.Status.CONFIRMED, attended_at=past.starts_at
    )

    for _ in range(2):
        send_event_reminders.delay()
        send_event_followups.delay()
    # The worker takes tasks in order: once this mail is out, all four runs are done.
    with transaction.atomic():
        queue_email("test_message", "last@kommune.example", {})

    assert _wait_until_sent("test_message", 1)
    assert len(_wait_until_sent("meetings/reminder", 1)) == 1
    assert len(_wait_until_sent("meetings/followup", 1)) == 1
    assert OutboundEmail.objects.filter(kind__startswith="meetings/").count() == 2
    assert sorted(m.to[0] for m in mail.outbox if m.to[0] != "last@kommune.example") == sorted(
        [coming.email, came.email]
    )
