"""Information e-mails in Django admin: who may do what, composing with an audience, the
preview and the test mail."""

from __future__ import annotations

import html
import re

import pytest

from meetings.models import Registration
from portal.models import Mailing, OutboundEmail, Topic, Unsubscribe
from tests.factories import EventFactory, UserFactory
from tests.helpers import texts
from tests.support import mailing_admin as support
from tests.support.mailing_admin import HEADS, MAILINGS, SENDER, WRITER, mailing_to, staff_with, url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_staff_mfa")]


# Fixtures of tests/support/mailing_admin.py that these tests ask for by name.
heads = support.heads
sender_client = support.sender_client


@pytest.fixture
def writer_client(client):
    client.force_login(staff_with(*WRITER))
    return client


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
