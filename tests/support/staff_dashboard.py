"""What the tests of the staff's overview share (tests/test_staff_dashboard*.py, and the browser
test): reading the page, and registrations and mailings to count."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from meetings.models import Registration
from portal.mailings import letters
from portal.models import Mailing, MailingRecipient, OutboundEmail
from tests.factories import UserFactory

URL = "/admin/uebersicht/"


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True, language="en"))
    return client


def page_of(client):
    response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode()


# --- Events -----------------------------------------------------------------------------------


def register(event, status, count):
    Registration.objects.bulk_create(
        Registration(
            event=event,
            guest_name="Gast",
            guest_email=f"gast-{status}-{n}-{event.pk}@verein.example",
            status=status,
        )
        for n in range(count)
    )


# --- Information e-mails ----------------------------------------------------------------------


def sent_mailing(subject, *, sent=0, failed=0, queued=0, started=None, status=Mailing.Status.SENT):
    """A mailing whose mails are in the outbox, stored as the fan-out stores them."""
    started = started or timezone.now() - datetime.timedelta(hours=1)
    total = sent + failed + queued
    mailing = Mailing.objects.create(
        subject=subject,
        body="Text",
        status=status,
        started_at=started,
        finished_at=started if status == Mailing.Status.SENT else None,
        recipient_count=total,
    )
    related_type = ContentType.objects.get_for_model(Mailing)
    states = (
        [OutboundEmail.Status.SENT] * sent
        + [OutboundEmail.Status.FAILED] * failed
        + [OutboundEmail.Status.QUEUED] * queued
    )
    emails = OutboundEmail.objects.bulk_create(
        OutboundEmail(
            kind=letters.KIND,
            to=f"leser{n}-{mailing.pk}@kommune.example",
            subject=subject,
            body_text="Text",
            language="de",
            status=state,
            related_type=related_type,
            related_id=str(mailing.pk),
        )
        for n, state in enumerate(states)
    )
    MailingRecipient.objects.bulk_create(
        MailingRecipient(mailing=mailing, email=email.to, language="de", outbound=email)
        for email in emails
    )
    return mailing
