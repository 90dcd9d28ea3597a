"""Information e-mails in Django admin: composing with an audience, preview, test, sending,
scheduling, progress; failed addresses, unsubscribes and topics."""

from __future__ import annotations

import datetime
import html
import re
from zoneinfo import ZoneInfo

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.utils import timezone

from meetings.models import Registration
from members.models import Affiliation
from portal.models import (
    FailedAddress,
    Mailing,
    MailingRecipient,
    OutboundEmail,
    Topic,
    Unsubscribe,
)
from tests.factories import (
    AffiliationFactory,
    EventFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)
from tests.helpers import texts

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
MAILINGS = "/admin/portal/mailing/"
HEADS = {"segment": "members.heads"}


def url(mailing, tool=""):
    return f"{MAILINGS}{mailing.pk}/{tool + '/' if tool else 'change/'}"


@pytest.fixture(autouse=True)
def _no_mfa(settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False


def staff_with(*codenames):
    """Staff with only the given permissions of the portal app, reading admin in English."""
    user = UserFactory(is_staff=True, language="en")
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="portal", codename__in=codenames)
    )
    return user


WRITER = ("view_mailing", "add_mailing", "change_mailing")
SENDER = (*WRITER, "send_mailing")


@pytest.fixture
def sender_client(client):
    client.force_login(staff_with(*SENDER))
    return client


@pytest.fixture
def writer_client(client):
    client.force_login(staff_with(*WRITER))
    return client


@pytest.fixture
def heads():
    """Two member municipalities with a head of administration each, and a contact."""
    people = []
    for name in ("Berta Bürgermeisterin", "Lars Landrat"):
        organisation = OrganisationFactory()
        MembershipFactory(organisation=organisation)
        people.append(
            AffiliationFactory(
                organisation=organisation, role=Affiliation.Role.HEAD, user__full_name=name
            ).user
        )
        AffiliationFactory(organisation=organisation, role=Affiliation.Role.CONTACT)
    return people


def mailing_to(include, **fields):
    return Mailing.objects.create(
        subject=fields.pop("subject", "Neuigkeiten aus dem Netzwerk"),
        body=fields.pop("body", "Liebe Engagierte,\n\n**wichtig**: das Treffen im Mai."),
        include=include,
        **fields,
    )


def form_data(include=(), exclude=(), extra_include=2, extra_exclude=1, **fields):
    """The POST data of the change page: fields and the two audience formsets."""
    data = {
        "subject": "Einladung zum Spitzentreffen",
        "body": "Sehr geehrte Damen und Herren,\n\n- Termin: 12. März\n- digital",
        "topic": "",
        "in_archive": "on",
        **fields,
    }
    for prefix, rows, extra in (
        ("include", include, extra_include),
        ("exclude", exclude, extra_exclude),
    ):
        rows = [*rows, *([{}] * extra)]
        data[f"{prefix}-TOTAL_FORMS"] = str(len(rows))
        data[f"{prefix}-INITIAL_FORMS"] = "0"
        for number, row in enumerate(rows):
            for name, value in row.items():
                data[f"{prefix}-{number}-{name}"] = value
    return data


def registrants_row(event, status="confirmed"):
    return {
        "segment": "meetings.registrants",
        "meetings_registrants__event": str(event.pk) if event else "",
        "meetings_registrants__status": status,
    }


# --- Who may do what --------------------------------------------------------------------------


@pytest.mark.parametrize("tool", ["", "preview", "send", "schedule", "cancel", "progress"])
def test_anonymous_people_and_non_staff_are_sent_to_the_login(client, tool):
    mailing = mailing_to([HEADS])
    address = url(mailing, tool)

    assert client.get(address).status_code == 302
    client.force_login(UserFactory())
    response = client.get(address)

    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_staff_without_the_send_permission_may_draft_but_see_no_sending_tools(writer_client, heads):
    response = writer_client.post(
        f"{MAILINGS}add/", form_data(include=[{"segment": "members.heads"}], _continue="1")
    )

    mailing = Mailing.objects.get()
    assert response.status_code == 302
    assert mailing.include == [HEADS]
    page = writer_client.get(url(mailing)).content.decode()
    assert url(mailing, "preview") in page
    assert url(mailing, "send") not in page
    assert url(mailing, "schedule") not in page


@pytest.mark.parametrize(
    ("tool", "method"),
    [("send", "get"), ("send", "post"), ("schedule", "post"), ("cancel", "post"), ("test", "post")],
)
def test_staff_without_the_send_permission_cannot_send_schedule_cancel_or_test(
    writer_client, heads, tool, method
):
    mailing = mailing_to([HEADS], status=Mailing.Status.SCHEDULED)
    data = {"date": "2099-01-01", "time": "10:00"} if tool == "schedule" else {}

    response = getattr(writer_client, method)(url(mailing, tool), data)

    assert response.status_code == 403
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.SCHEDULED
    assert not OutboundEmail.objects.exists()


def test_staff_with_the_send_permission_see_the_sending_tools(sender_client, heads):
    mailing = mailing_to([HEADS])

    page = sender_client.get(url(mailing)).content.decode()

    for tool in ("preview", "send", "schedule"):
        assert url(mailing, tool) in page
    assert url(mailing, "cancel") not in page, "only a scheduled mailing can be cancelled"


def test_a_mailing_that_went_out_is_read_only(sender_client, heads):
    mailing = mailing_to([HEADS], status=Mailing.Status.SENT)

    page = sender_client.get(url(mailing))
    response = sender_client.post(url(mailing), form_data(subject="Geändert"))

    assert 'name="subject"' not in page.content.decode()
    assert url(mailing, "send") not in page.content.decode()
    assert response.status_code == 403
    mailing.refresh_from_db()
    assert mailing.subject == "Neuigkeiten aus dem Netzwerk"


# --- Composing: the audience formsets --------------------------------------------------------


def test_the_audience_rows_are_stored_as_segment_choices(sender_client, heads):
    event = EventFactory()
    topic = Topic.objects.create(name="Förderung", slug="foerderung")

    response = sender_client.post(
        f"{MAILINGS}add/",
        form_data(
            include=[
                registrants_row(event, "attended"),
                {"segment": "members.heads", "meetings_registrants__status": "bogus"},
            ],
            exclude=[
                {"segment": "portal.topic_subscribers", "portal_topic_subscribers__topic": topic.pk}
            ],
            topic=topic.pk,
        ),
    )

    assert response.status_code == 302
    mailing = Mailing.objects.get()
    assert mailing.include == [
        {"segment": "meetings.registrants", "event": event.pk, "status": "attended"},
        HEADS,
    ], "a value left in another segment's field does not matter"
    assert mailing.exclude == [{"segment": "portal.topic_subscribers", "topic": topic.pk}]
    assert mailing.topic == topic


def test_the_saved_rows_come_back_into_the_form(sender_client, heads):
    event = EventFactory()
    mailing = mailing_to(
        [{"segment": "meetings.registrants", "event": event.pk, "status": "waitlisted"}],
        exclude=[HEADS],
    )

    response = sender_client.get(url(mailing))

    form = response.context["adminform"].form
    assert form.include_rows.forms[0].initial == {
        "segment": "meetings.registrants",
        "meetings_registrants__event": event.pk,
        "meetings_registrants__status": "waitlisted",
    }
    assert form.exclude_rows.forms[0].initial == {"segment": "members.heads"}
    assert len(form.include_rows.forms) == 3, "two empty rows to add segments"


@pytest.mark.parametrize(
    ("event", "status", "message"),
    [
        (None, "confirmed", "Please choose an event."),
        ("missing", "confirmed", "This event does not exist (any more)."),
        ("real", "", "Please choose which registrants."),
    ],
)
def test_a_row_with_a_missing_or_wrong_parameter_is_refused_next_to_the_field(
    sender_client, event, status, message
):
    real = EventFactory()
    row = registrants_row(real, status)
    if event is None:
        row["meetings_registrants__event"] = ""
    elif event == "missing":
        row["meetings_registrants__event"] = str(real.pk + 1000)

    response = sender_client.post(
        f"{MAILINGS}add/", form_data(include=[row], subject="Bitte nicht verlieren")
    )

    assert response.status_code == 200
    assert not Mailing.objects.exists()
    page = response.content.decode()
    assert "Please correct the audience below." in page
    row_form = response.context["adminform"].form.include_rows.forms[0]
    field = "meetings_registrants__status" if status == "" else "meetings_registrants__event"
    assert row_form.errors[field] == [message]
    assert html.escape(message) in page
    assert 'value="Bitte nicht verlieren"' in page, "nothing typed is lost"


def test_a_text_that_shows_nothing_or_is_too_long_is_refused_with_a_message(sender_client):
    empty = sender_client.post(f"{MAILINGS}add/", form_data(body="<!-- nur ein Kommentar -->"))
    long = sender_client.post(f"{MAILINGS}add/", form_data(body="x" * 100_001))

    assert "Once formatted, the text shows nothing" in empty.content.decode()
    assert "The text is too long: 100,001 characters" in long.content.decode()
    assert not Mailing.objects.exists()


def test_the_change_page_shows_the_audience_and_the_number_of_recipients_now(sender_client, heads):
    event = EventFactory(title="Netzwerktreffen in Detmold")
    Registration.objects.create(event=event, user=heads[0], status=Registration.Status.CONFIRMED)
    Unsubscribe.objects.create(email=heads[1].email.upper(), source=Unsubscribe.Source.LINK)
    mailing = mailing_to(
        [HEADS, {"segment": "members.contacts"}],
        exclude=[{"segment": "meetings.registrants", "event": event.pk, "status": "all"}],
    )

    response = sender_client.get(url(mailing))

    page = response.content.decode()
    assert "Heads of administration of member municipalities" in page
    assert "Registrants of an event: Netzwerktreffen in Detmold" in page
    # Two heads and two contacts, minus the registered head, minus the one who unsubscribed.
    assert response.context["recipients_now"] == 2
    assert 'data-recipients="2"' in page


def test_an_audience_whose_event_was_deleted_says_so_instead_of_failing(sender_client, heads):
    event = EventFactory(title="Abgesagtes Treffen")
    mailing = mailing_to([{"segment": "meetings.registrants", "event": event.pk, "status": "all"}])
    event.delete()

    response = sender_client.get(url(mailing))
    send = sender_client.get(url(mailing, "send"))

    assert response.status_code == 200
    assert "Registrants of an event: (no longer there), all" in response.content.decode()
    assert "does not exist (any more)" in response.context["audience_problem"]
    assert "The audience cannot be determined" in send.content.decode()


# --- Preview and test -------------------------------------------------------------------------


def test_the_preview_shows_the_rendered_markdown_in_a_sandbox_and_the_text(sender_client, heads):
    mailing = mailing_to([HEADS], body="Hallo,\n\n**wichtig**: [Programm](https://example.org/p)")

    response = sender_client.get(url(mailing, "preview"))

    assert response.status_code == 200
    page = response.content.decode()
    frame = re.search(r"<iframe[^>]*>", page).group(0)
    assert " sandbox " in frame
    srcdoc = html.unescape(re.search(r'srcdoc="([^"]*)"', frame).group(1))
    assert "<strong>wichtig</strong>" in srcdoc
    assert 'href="https://example.org/p"' in srcdoc
    text = html.unescape(
        re.search(r'<pre[^>]*id="mailing-text"[^>]*>(.*?)</pre>', page, re.S).group(1)
    )
    assert "wichtig: Programm (https://example.org/p)" in text
    assert "Neuigkeiten aus dem Netzwerk" in page
    assert url(mailing, "test") in page


def test_staff_who_may_not_send_see_the_preview_without_the_test_button(writer_client, heads):
    mailing = mailing_to([HEADS])

    page = writer_client.get(url(mailing, "preview")).content.decode()

    assert "<iframe" in page
    assert url(mailing, "test") not in page


def test_a_test_goes_to_the_member_of_staff_alone(
    client, heads, django_capture_on_commit_callbacks
):
    user = staff_with(*SENDER)
    client.force_login(user)
    mailing = mailing_to([HEADS])

    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(url(mailing, "test"), follow=True)

    test = OutboundEmail.objects.get()
    assert test.to == user.email
    assert test.subject.startswith("[Test]")
    assert f"A test has been sent to {user.email}." in texts(response)
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.DRAFT


def test_a_test_is_only_sent_by_post(sender_client, heads):
    mailing = mailing_to([HEADS])

    assert sender_client.get(url(mailing, "test")).status_code == 405
    assert not OutboundEmail.objects.exists()


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


# --- Failed addresses, unsubscribes, topics ---------------------------------------------------


def test_staff_mark_failed_addresses_as_fixed(client):
    client.force_login(staff_with("view_failedaddress", "change_failedaddress"))
    broken = FailedAddress.objects.create(email="alt@kommune.example", reason="550 no mailbox")
    fixed_before = FailedAddress.objects.create(
        email="frueher@kommune.example", reason="550", cleared_at=timezone.now()
    )

    listing = client.get("/admin/portal/failedaddress/")
    response = client.post(
        "/admin/portal/failedaddress/",
        {"action": "mark_fixed", ACTION_CHECKBOX_NAME: [broken.pk, fixed_before.pk]},
        follow=True,
    )

    assert "alt@kommune.example" in listing.content.decode()
    assert "550 no mailbox" in listing.content.decode()
    broken.refresh_from_db()
    assert broken.cleared_at is not None
    assert "1 address is marked as fixed and gets information e-mails again." in texts(response)


def test_staff_who_may_only_view_cannot_mark_addresses_as_fixed(client):
    client.force_login(staff_with("view_failedaddress"))
    broken = FailedAddress.objects.create(email="alt@kommune.example", reason="550")

    client.post(
        "/admin/portal/failedaddress/",
        {"action": "mark_fixed", ACTION_CHECKBOX_NAME: [broken.pk]},
    )

    broken.refresh_from_db()
    assert broken.cleared_at is None


def test_the_unsubscribes_are_a_searchable_record_nobody_edits(client):
    client.force_login(staff_with("view_unsubscribe", "change_unsubscribe", "delete_unsubscribe"))
    topic = Topic.objects.create(name="Kurzformate", slug="kurzformate")
    Unsubscribe.objects.create(email="weg@kommune.example", source=Unsubscribe.Source.ONE_CLICK)
    leaving = Unsubscribe.objects.create(
        email="thema@kommune.example", topic=topic, source=Unsubscribe.Source.LINK
    )

    found = client.get("/admin/portal/unsubscribe/", {"q": "thema"}).content.decode()
    detail = client.get(f"/admin/portal/unsubscribe/{leaving.pk}/change/").content.decode()
    delete = client.post(f"/admin/portal/unsubscribe/{leaving.pk}/delete/", {"post": "yes"})

    assert "thema@kommune.example" in found
    assert "weg@kommune.example" not in found
    assert "Kurzformate" in found
    assert "link in the e-mail" in found
    assert 'name="email"' not in detail
    assert delete.status_code == 403
    assert Unsubscribe.objects.count() == 2


def test_topics_list_their_subscribers(client):
    client.force_login(staff_with("view_topic"))
    Topic.objects.create(name="Förderprogramme", slug="foerderprogramme")

    response = client.get("/admin/portal/topic/")

    assert "Förderprogramme" in response.content.decode()
