"""What the tests of sending information e-mails share: a topic and a sender, mailings, the
audience and the SMTP settings of a real server."""

from __future__ import annotations

import pytest
from django.utils import translation

from portal.mailings import services as mailings
from portal.models import Mailing, Subscription, Topic, User
from tests.factories import StaffFactory

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
