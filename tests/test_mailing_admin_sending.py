"""Information e-mails in Django admin: sending now, scheduling and cancelling, the progress
and the list."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from portal.models import Mailing, MailingRecipient, OutboundEmail
from tests.helpers import texts
from tests.support import mailing_admin as support
from tests.support.mailing_admin import HEADS, MAILINGS, SENDER, mailing_to, staff_with, url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_staff_mfa")]


# Fixtures of tests/support/mailing_admin.py that these tests ask for by name.
heads = support.heads
sender_client = support.sender_client


BERLIN = ZoneInfo("Europe/Berlin")


# --- Sending now ------------------------------------------------------------------------------


def test_the_send_page_shows_the_number_of_people_and_sending_starts_on_confirmation(
    sender_client, heads, django_capture_on_commit_callbacks
):
    mailing = mailing_to([HEADS])

    confirm = sender_client.get(url(mailing, "send"))
    with django_capture_on_commit_callbacks(execute=False):
        response = sender_client.post(url(mailing, "send"), follow=True)

    assert confirm.context["count"] == 2
    assert "Send to 2 people now" in confirm.content.decode()
    assert "Sending the information e-mail to 2 people has started." in texts(response)
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.SENDING
    assert response.redirect_chain[-1][0] == url(mailing)


def test_sending_to_nobody_is_refused_with_the_reason(sender_client):
    mailing = mailing_to([HEADS])  # there are no heads of members

    confirm = sender_client.get(url(mailing, "send"))
    response = sender_client.post(url(mailing, "send"), follow=True)

    page = confirm.content.decode()
    assert "The audience has no recipients" in page
    assert 'value="Send to' not in page, "no button to send"
    assert any("The audience has no recipients" in text for text in texts(response))
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.DRAFT


def test_a_mailing_already_being_sent_is_not_sent_again(sender_client, heads):
    mailing = mailing_to([HEADS], status=Mailing.Status.SENDING)

    response = sender_client.post(url(mailing, "send"), follow=True)

    assert "This mailing is being sent right now." in texts(response)
    assert not MailingRecipient.objects.exists()


# --- Scheduling and cancelling ----------------------------------------------------------------


def test_a_schedule_in_the_past_is_refused_next_to_the_date(sender_client, heads):
    mailing = mailing_to([HEADS])
    yesterday = timezone.localtime(timezone.now(), BERLIN) - datetime.timedelta(days=1)

    response = sender_client.post(
        url(mailing, "schedule"), {"date": yesterday.date().isoformat(), "time": "10:00"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["date"] == ["Please choose a time in the future."]
    assert "Please choose a time in the future." in response.content.decode()
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.DRAFT


def test_a_schedule_is_german_time_and_can_be_cancelled(sender_client, heads):
    mailing = mailing_to([HEADS])
    day = timezone.localdate() + datetime.timedelta(days=10)

    response = sender_client.post(
        url(mailing, "schedule"), {"date": day.strftime("%d.%m.%Y"), "time": "07:30"}, follow=True
    )

    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.SCHEDULED
    assert mailing.scheduled_at == datetime.datetime.combine(
        day, datetime.time(7, 30), tzinfo=BERLIN
    )
    assert any(
        text.startswith("The information e-mail will be sent on") for text in texts(response)
    )
    page = sender_client.get(url(mailing)).content.decode()
    assert url(mailing, "cancel") in page

    confirm = sender_client.get(url(mailing, "cancel"))
    response = sender_client.post(url(mailing, "cancel"), follow=True)

    assert confirm.status_code == 200
    assert "The schedule has been cancelled." in texts(response)
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.CANCELLED


def test_scheduling_refused_by_the_service_shows_its_reason_on_the_form(sender_client):
    mailing = mailing_to([HEADS])  # nobody to send to
    day = timezone.localdate() + datetime.timedelta(days=3)

    response = sender_client.post(
        url(mailing, "schedule"), {"date": day.isoformat(), "time": "09:00"}
    )

    assert response.status_code == 200
    assert any("no recipients" in error for error in response.context["form"].non_field_errors())
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.DRAFT


def test_only_a_scheduled_mailing_can_be_cancelled(sender_client, heads):
    mailing = mailing_to([HEADS])

    response = sender_client.post(url(mailing, "cancel"), follow=True)

    assert "Only a scheduled mailing can be cancelled." in texts(response)
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.DRAFT


# --- Progress ---------------------------------------------------------------------------------


def sending_mailing(sent, failed, queued, status=Mailing.Status.SENDING):
    mailing = mailing_to([HEADS], status=status, recipient_count=sent + failed + queued)
    for number, state in enumerate(
        [OutboundEmail.Status.SENT] * sent
        + [OutboundEmail.Status.FAILED] * failed
        + [OutboundEmail.Status.QUEUED] * queued
    ):
        address = f"leser{number}-{mailing.pk}@kommune.example"
        outbound = OutboundEmail.objects.create(
            kind="portal/mailing",
            to=address,
            subject="s",
            body_text="t",
            language="de",
            status=state,
        )
        MailingRecipient.objects.create(
            mailing=mailing, email=address, language="de", outbound=outbound
        )
    return mailing


def test_the_progress_block_polls_while_sending_and_stops_when_done(sender_client):
    mailing = sending_mailing(sent=3, failed=1, queued=2)

    page = sender_client.get(url(mailing)).content.decode()
    partial = sender_client.get(url(mailing, "progress"), headers={"HX-Request": "true"})

    assert 'hx-trigger="every 3s"' in page
    assert f'hx-get="{url(mailing, "progress")}"' in page
    body = partial.content.decode()
    assert "<html" not in body
    for name, value in (("sent", 3), ("failed", 1), ("remaining", 2), ("total", 6)):
        assert f'data-progress="{name}">{value}<' in body
    assert 'hx-trigger="every 3s"' in body
    assert partial["Vary"].count("HX-Request") == 1

    Mailing.objects.filter(pk=mailing.pk).update(status=Mailing.Status.SENT)
    done = sender_client.get(url(mailing, "progress"), headers={"HX-Request": "true"})
    assert "hx-trigger" not in done.content.decode()


def test_without_javascript_the_progress_address_leads_to_the_page(sender_client):
    mailing = sending_mailing(sent=1, failed=0, queued=1)

    response = sender_client.get(url(mailing, "progress"))

    assert response.status_code == 302
    assert response["Location"] == url(mailing) + "#mailing-progress"


def test_the_progress_labels_its_counts_as_counts_in_german(client):
    staff = staff_with(*SENDER)
    staff.language = "de"
    staff.save()
    client.force_login(staff)
    mailing = sending_mailing(sent=2, failed=0, queued=1)

    body = client.get(url(mailing, "progress"), headers={"HX-Request": "true"}).text

    assert '<dt>gesendet</dt><dd data-progress="sent">2<' in body
    assert "gesendet am" not in body


# --- The list ---------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [3, 30])
def test_the_list_shows_counts_with_a_flat_number_of_queries(
    sender_client, count, django_assert_max_num_queries
):
    for _ in range(count):
        sending_mailing(sent=2, failed=1, queued=0, status=Mailing.Status.SENT)

    with django_assert_max_num_queries(8):
        response = sender_client.get(MAILINGS)

    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("2 / 1") == count
