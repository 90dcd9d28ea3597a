"""Reminders, thank-you mails, cancelling an event and staff's messages to registrants."""

from __future__ import annotations

import datetime
import secrets
import threading
from typing import cast

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone
from icalendar import Calendar

from meetings.events import notices
from meetings.events.tasks import send_event_followups, send_event_reminders
from meetings.models import Event, Registration
from portal.celery import app as celery_app
from portal.models import OutboundEmail, User
from tests.factories import EventFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]
Status = Registration.Status
LINK = "https://konferenz.example/raum/nur-fuer-angemeldete-42"
HOUR = datetime.timedelta(hours=1)


def member(event: Event, status: str = Status.CONFIRMED, **fields) -> Registration:
    user = cast(User, UserFactory())
    return Registration.objects.create(
        event=event, user=user, registered_by=user, status=status, **fields
    )


def guest(event: Event, status: str = Status.CONFIRMED, **fields) -> Registration:
    return Registration.objects.create(
        event=event,
        guest_name="Gerda Gast",
        guest_email=f"gast-{secrets.token_hex(4)}@verein.example",
        guest_language="en",
        guest_token=secrets.token_urlsafe(32),
        status=status,
        **fields,
    )


def mails(kind: str) -> list[OutboundEmail]:
    return list(OutboundEmail.objects.filter(kind=f"meetings/{kind}").order_by("pk"))


def recipients(kind: str) -> set[str]:
    return {mail.to for mail in mails(kind)}


def online_event(**fields) -> Event:
    return cast(Event, EventFactory(format=Event.Format.HYBRID, meeting_link=LINK, **fields))


# --- Reminders --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours_before_start", "expected"),
    [(25, 0), (24.01, 0), (24, 1), (1, 1), (0.01, 1), (0, 0), (-1, 0)],
)
def test_a_reminder_goes_out_only_inside_the_window_before_the_start(hours_before_start, expected):
    event = EventFactory(remind_hours_before=24)
    registration = member(event)
    now = event.starts_at - hours_before_start * HOUR

    assert notices.send_due_reminders(now) == expected

    registration.refresh_from_db()
    assert (registration.reminded_at is not None) == bool(expected)
    assert len(mails("reminder")) == expected


def test_no_reminder_when_the_event_asks_for_none():
    event = EventFactory(remind_hours_before=0)
    member(event)
    assert notices.send_due_reminders(event.starts_at - HOUR) == 0
    assert mails("reminder") == []


@pytest.mark.parametrize("status", [Event.Status.DRAFT, Event.Status.CANCELLED])
def test_no_reminder_for_events_that_are_not_published(status):
    event = EventFactory(status=status)
    member(event)
    assert notices.send_due_reminders(event.starts_at - HOUR) == 0


def test_only_confirmed_registrations_are_reminded():
    event = EventFactory()
    confirmed = member(event)
    member(event, Status.WAITLISTED)
    member(event, Status.CANCELLED)
    guest(event, Status.PENDING)
    confirmed_guest = guest(event)

    assert notices.send_due_reminders(event.starts_at - HOUR) == 2

    assert recipients("reminder") == {confirmed.email, confirmed_guest.email}


def test_a_reminder_says_when_and_where_and_links_the_members_registration_page():
    event = EventFactory(title="Netzwerktreffen Ehrenamt", venue="Stadthalle Musterstadt")
    registration = member(event)
    notices.send_due_reminders(event.starts_at - HOUR)

    (mail,) = mails("reminder")
    page = f"{settings.PORTAL_BASE_URL}/anmeldung/{registration.pk}/"
    assert "Netzwerktreffen Ehrenamt" in mail.subject
    assert mail.language == "de"
    for body in (mail.body_text, mail.body_html):
        assert "Stadthalle Musterstadt" in body
        assert page in body
    assert mail.related == registration


def test_a_guest_is_reminded_in_their_language_with_the_link_to_their_guest_page():
    event = EventFactory()
    registration = guest(event)
    notices.send_due_reminders(event.starts_at - HOUR)

    (mail,) = mails("reminder")
    assert mail.to == registration.guest_email
    assert mail.language == "en"
    assert "Reminder" in mail.subject
    assert registration.guest_token in mail.body_text
    assert "Gerda Gast" in mail.body_text


def test_the_reminder_carries_the_online_link_for_confirmed_registrants_of_online_events():
    event = online_event()
    member(event)
    notices.send_due_reminders(event.starts_at - HOUR)

    (mail,) = mails("reminder")
    assert LINK in mail.body_text
    assert f'href="{LINK}"' in mail.body_html


def test_the_reminder_of_an_event_in_person_never_carries_a_stored_link():
    event = EventFactory(format=Event.Format.IN_PERSON, meeting_link=LINK)
    member(event)
    notices.send_due_reminders(event.starts_at - HOUR)

    (mail,) = mails("reminder")
    assert LINK not in mail.body_text
    assert LINK not in mail.body_html


def test_each_registration_is_reminded_exactly_once():
    event = EventFactory()
    member(event)
    now = event.starts_at - 2 * HOUR

    assert notices.send_due_reminders(now) == 1
    assert notices.send_due_reminders(now + HOUR) == 0
    assert len(mails("reminder")) == 1


def test_someone_who_registers_inside_the_window_is_reminded_on_the_next_run():
    event = EventFactory()
    first = member(event)
    notices.send_due_reminders(event.starts_at - 3 * HOUR)
    late = member(event)

    assert notices.send_due_reminders(event.starts_at - 2 * HOUR) == 1

    assert [mail.to for mail in mails("reminder")] == [first.email, late.email]


def test_reminders_go_out_in_batches_until_all_are_done(monkeypatch):
    monkeypatch.setattr(notices, "BATCH_SIZE", 3)
    event = EventFactory()
    people = [member(event) for _ in range(7)]

    assert notices.send_due_reminders(event.starts_at - HOUR) == 7

    assert recipients("reminder") == {registration.email for registration in people}
    assert not Registration.objects.filter(reminded_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_the_same_moment_remind_everyone_exactly_once(monkeypatch) -> None:
    monkeypatch.setattr(notices, "BATCH_SIZE", 4)
    event = cast(Event, EventFactory(capacity=None))
    people = [member(event) for _ in range(30)]
    now = event.starts_at - HOUR
    barrier = threading.Barrier(2)
    counts: list[int] = []
    errors: list[Exception] = []

    def run():
        try:
            barrier.wait()
            counts.append(notices.send_due_reminders(now))
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum(counts) == 30
    sent = [mail.to for mail in mails("reminder")]
    assert sorted(sent) == sorted(registration.email for registration in people)


# --- Thank-you mails --------------------------------------------------------------------------


def test_only_those_who_were_checked_in_are_thanked_and_only_once():
    event = EventFactory(followup_note="Die Folien folgen in Kürze.\n\nBis zum nächsten Mal!")
    came = member(event)
    guest_who_came = guest(event)
    stayed_away = member(event)
    for registration in (came, guest_who_came):
        registration.attended_at = event.starts_at + HOUR
        registration.save()
    after = event.ends_at + HOUR

    assert notices.send_due_followups(after) == 2
    assert notices.send_due_followups(after + HOUR) == 0

    assert recipients("followup") == {came.email, guest_who_came.email}
    assert stayed_away.email not in recipients("followup")
    member_mail = next(mail for mail in mails("followup") if mail.to == came.email)
    assert "Die Folien folgen in Kürze." in member_mail.body_text
    assert "<p>Bis zum nächsten Mal!</p>" in member_mail.body_html
    assert f"{settings.PORTAL_BASE_URL}/veranstaltungen/{event.pk}/" in member_mail.body_text
    came.refresh_from_db()
    assert came.followed_up_at == after


@pytest.mark.parametrize(
    ("after_the_end", "expected"),
    [(-HOUR, 0), (datetime.timedelta(0), 1), (13 * 24 * HOUR, 1), (15 * 24 * HOUR, 0)],
)
def test_thanks_go_out_only_in_the_two_weeks_after_the_event(after_the_end, expected):
    event = EventFactory()
    member(event, attended_at=event.starts_at)
    assert notices.send_due_followups(event.ends_at + after_the_end) == expected


def test_no_thanks_for_a_cancelled_event():
    event = EventFactory(status=Event.Status.CANCELLED)
    member(event, attended_at=event.starts_at)
    assert notices.send_due_followups(event.ends_at + HOUR) == 0


# --- Cancelling an event ----------------------------------------------------------------------


def test_cancelling_an_event_tells_everyone_with_a_place_or_a_waiting_place(staff_user):
    event = online_event()
    confirmed = member(event)
    waiting = member(event, Status.WAITLISTED)
    waiting_guest = guest(event, Status.WAITLISTED)
    confirmed_guest = guest(event)
    cancelled = member(event, Status.CANCELLED)
    pending = guest(event, Status.PENDING)

    sent = notices.cancel_event(event, staff_user, "Wegen Unwetters.\nEin neuer Termin folgt.")

    assert sent == 4
    assert recipients("event_cancelled") == {
        confirmed.email,
        waiting.email,
        waiting_guest.email,
        confirmed_guest.email,
    }
    assert cancelled.email not in recipients("event_cancelled")
    assert pending.email not in recipients("event_cancelled")
    event.refresh_from_db()
    assert event.status == Event.Status.CANCELLED
    assert event.cancelled_at is not None
    statuses = dict(Registration.objects.values_list("pk", "status"))
    assert statuses[confirmed.pk] == Status.CONFIRMED
    assert statuses[waiting.pk] == Status.WAITLISTED
    for mail in mails("event_cancelled"):
        assert "Wegen Unwetters." in mail.body_text
        assert "Wegen Unwetters.<br>Ein neuer Termin folgt." in mail.body_html
        assert LINK not in mail.body_text
        assert LINK not in mail.body_html


def test_cancelling_twice_sends_nothing_the_second_time(staff_user):
    event = EventFactory()
    member(event)
    assert notices.cancel_event(event, staff_user) == 1
    first_cancelled_at = Event.objects.get(pk=event.pk).cancelled_at

    assert notices.cancel_event(event, staff_user, "Noch einmal") == 0

    assert len(mails("event_cancelled")) == 1
    assert Event.objects.get(pk=event.pk).cancelled_at == first_cancelled_at


def test_a_cancelled_event_gets_no_reminders(staff_user):
    event = EventFactory()
    member(event)
    notices.cancel_event(event, staff_user)
    assert notices.send_due_reminders(event.starts_at - HOUR) == 0


def test_only_staff_cancel_an_event():
    event = EventFactory()
    member(event)
    with pytest.raises(PermissionDenied):
        notices.cancel_event(event, UserFactory())
    event.refresh_from_db()
    assert event.status == Event.Status.PUBLISHED
    assert mails("event_cancelled") == []


# --- Messages to registrants ------------------------------------------------------------------


def test_a_message_goes_to_the_registrations_of_the_chosen_statuses(staff_user):
    event = online_event()
    confirmed = member(event)
    confirmed_guest = guest(event)
    waiting = member(event, Status.WAITLISTED)
    member(event, Status.CANCELLED)

    sent = notices.message_registrants(
        event,
        [Status.CONFIRMED, Status.WAITLISTED],
        "Anreise zum Netzwerktreffen",
        "Liebe Teilnehmende,\n\nbitte nutzen Sie den Eingang Süd.",
        staff_user,
    )

    assert sent == 3
    assert recipients("message") == {confirmed.email, confirmed_guest.email, waiting.email}
    for mail in mails("message"):
        assert mail.subject == "Anreise zum Netzwerktreffen"
        assert "bitte nutzen Sie den Eingang Süd." in mail.body_text
        assert "<p>bitte nutzen Sie den Eingang Süd.</p>" in mail.body_html
        assert LINK not in mail.body_text
        assert LINK not in mail.body_html
    guest_mail = next(mail for mail in mails("message") if mail.to == confirmed_guest.email)
    assert confirmed_guest.guest_token in guest_mail.body_text


def test_a_message_only_to_the_waiting_list_leaves_the_others_out(staff_user):
    event = EventFactory()
    confirmed = member(event)
    waiting = member(event, Status.WAITLISTED)
    sent = notices.message_registrants(
        event, [Status.WAITLISTED], "Warteliste", "Sie stehen weiter vorn.", staff_user
    )
    assert sent == 1
    assert recipients("message") == {waiting.email}
    assert confirmed.email not in recipients("message")


def test_a_message_body_is_escaped_in_html_and_kept_as_typed_in_text(staff_user):
    event = EventFactory()
    member(event)
    notices.message_registrants(
        event, [Status.CONFIRMED], "Hinweis", "<script>alert(1)</script> & mehr", staff_user
    )
    (mail,) = mails("message")
    assert "<script>" not in mail.body_html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; mehr" in mail.body_html
    assert "<script>alert(1)</script> & mehr" in mail.body_text


def test_a_line_break_in_the_subject_cannot_add_a_header(staff_user):
    event = EventFactory()
    member(event)
    notices.message_registrants(
        event, [Status.CONFIRMED], "Hinweis\r\nBcc: alle@example.org", "Text", staff_user
    )
    (mail,) = mails("message")
    assert mail.subject == "Hinweis Bcc: alle@example.org"
    assert "\n" not in mail.subject
    assert "\r" not in mail.subject


def test_a_message_that_nobody_would_get_is_refused(staff_user):
    event = EventFactory()
    member(event, Status.CANCELLED)
    with pytest.raises(ValidationError) as refused:
        notices.message_registrants(event, [Status.CONFIRMED], "Hinweis", "Text", staff_user)
    assert refused.value.code == "no_recipients"
    assert mails("message") == []


@pytest.mark.parametrize(
    ("subject", "body", "code"),
    [(" \n ", "Text", "no_subject"), ("Hinweis", "  \n\n ", "no_body")],
)
def test_a_message_needs_a_subject_and_a_text(staff_user, subject, body, code):
    event = EventFactory()
    member(event)
    with pytest.raises(ValidationError) as refused:
        notices.message_registrants(event, [Status.CONFIRMED], subject, body, staff_user)
    assert refused.value.code == code


def test_an_unknown_status_is_refused(staff_user):
    event = EventFactory()
    member(event)
    with pytest.raises(ValidationError) as refused:
        notices.message_registrants(event, ["attended"], "Hinweis", "Text", staff_user)
    assert refused.value.code == "unknown_status"


def test_only_staff_write_to_registrants(contact_a):
    event = EventFactory()
    member(event)
    with pytest.raises(PermissionDenied):
        notices.message_registrants(event, [Status.CONFIRMED], "Hinweis", "Text", contact_a)
    assert mails("message") == []


# --- Celery beat ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["meetings.events.tasks.send_event_reminders", "meetings.events.tasks.send_event_followups"],
)
def test_beat_runs_the_reminders_and_thanks_every_ten_minutes(name):
    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == name]
    assert len(entries) == 1
    schedule = entries[0]["schedule"]
    seconds = schedule if isinstance(schedule, int | float) else schedule.total_seconds()
    assert seconds == 600
    celery_app.loader.import_default_modules()
    assert name in celery_app.tasks


def test_the_tasks_send_what_is_due():
    soon = EventFactory(starts_at=timezone.now() + HOUR, ends_at=timezone.now() + 2 * HOUR)
    member(soon)
    past = EventFactory(
        starts_at=timezone.now() - 3 * HOUR,
        ends_at=timezone.now() - 2 * HOUR,
        remind_hours_before=0,
    )
    member(past, attended_at=past.starts_at)

    assert send_event_reminders.delay().get() == 1
    assert send_event_followups.delay().get() == 1


# --- Calendar files and subjects ----------------------------------------------------------------


def _attached_calendar(mail: OutboundEmail) -> bytes:
    (attachment,) = mail.attachments.all()
    assert attachment.mimetype == "text/calendar; method=PUBLISH"
    with attachment.file.open("rb") as stored:
        return stored.read()


def test_the_reminder_carries_the_calendar_file_with_the_online_link():
    event = online_event()
    member(event)
    notices.send_due_reminders(event.starts_at - HOUR)

    (vevent,) = Calendar.from_ical(_attached_calendar(mails("reminder")[0])).walk("VEVENT")
    assert str(vevent["STATUS"]) == "CONFIRMED"
    assert LINK in str(vevent["DESCRIPTION"])


def test_the_cancellation_carries_a_calendar_file_that_cancels_the_entry(staff_user):
    event = online_event()
    member(event)
    notices.cancel_event(event, staff_user)

    (vevent,) = Calendar.from_ical(_attached_calendar(mails("event_cancelled")[0])).walk("VEVENT")
    assert str(vevent["STATUS"]) == "CANCELLED"


def test_a_title_with_an_ampersand_stays_readable_in_the_subject():
    event = EventFactory(title="Ehrenamt & Klima")
    member(event)
    notices.send_due_reminders(event.starts_at - HOUR)

    (mail,) = mails("reminder")
    assert "Ehrenamt & Klima" in mail.subject
    assert "&amp;" not in mail.subject
