"""Sending information e-mails: the audience, the checks of the content, the permissions,
scheduling and cancelling."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from portal.mailings import audience
from portal.mailings import services as mailings
from portal.mailings.services import send_scheduled_mailings
from portal.markdown import render as render_markdown
from portal.models import (
    FailedAddress,
    Mailing,
    OutboundEmail,
    Subscription,
    Topic,
    Unsubscribe,
    User,
)
from tests.factories import UserFactory
from tests.support import mailing_delivery as support
from tests.support.mailing_delivery import emails, make_mailing, subscribe

pytestmark = pytest.mark.django_db


# Fixtures of tests/support/mailing_delivery.py that these tests ask for by name.
_messages_in_english = support._messages_in_english
sender = support.sender
topic = support.topic


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
