"""The admin actions that copy last year's events, surveys and information e-mails (issue 21):
the offset page, the copy opened for editing, refusals and permissions."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from meetings.models import (
    Event,
)
from members.models import Survey
from portal.copying import offset
from portal.models import Mailing
from tests.factories import (
    EventFactory,
    SurveyFactory,
    SurveyQuestionFactory,
)
from tests.support.staff import staff_with
from tests.test_copying import last_years_summit

BERLIN = ZoneInfo("Europe/Berlin")
A_YEAR = offset(years=1)
ACTION = "copy_as_template"
pytestmark = pytest.mark.django_db

# --- Admin ------------------------------------------------------------------------------------


@pytest.fixture
def staff_login(client, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False

    def login(user):
        client.force_login(user)
        return client

    return login


def test_the_event_action_asks_for_the_offset_and_opens_the_copy_for_editing(staff_login):
    event = last_years_summit()
    client = staff_login(staff_with("meetings", "view_event", "add_event", "change_event"))
    url = "/admin/meetings/event/"

    page = client.post(url, {"action": ACTION, "_selected_action": [event.pk]})
    assert page.status_code == 200
    assert "Copy as template for new events" in page.content.decode()
    assert 'name="years"' in page.content.decode()

    done = client.post(
        url,
        {
            "action": ACTION,
            "_selected_action": [event.pk],
            "apply": "1",
            "years": "1",
            "months": "0",
            "days": "0",
        },
    )

    copy = Event.objects.get(copied_from=event)
    assert done.status_code == 302
    assert done["Location"] == f"/admin/meetings/event/{copy.pk}/change/"
    change_page = client.get(done["Location"]).content.decode()
    assert f'href="/admin/meetings/event/{event.pk}/change/"' in change_page
    assert copy.slots.count() == 2


def test_copying_several_events_stays_on_the_list_with_a_message(staff_login):
    events = [EventFactory(), EventFactory()]
    client = staff_login(staff_with("meetings", "view_event", "add_event"))

    done = client.post(
        "/admin/meetings/event/",
        {
            "action": ACTION,
            "_selected_action": [e.pk for e in events],
            "apply": "1",
            "years": "0",
            "months": "1",
            "days": "0",
        },
        follow=True,
    )

    assert done.redirect_chain[-1][0] == "/admin/meetings/event/"
    assert "2 copies were made" in done.content.decode()
    assert Event.objects.filter(copied_from__in=events).count() == 2


def test_a_refused_offset_shows_a_german_message_next_to_the_offset_and_copies_nothing(
    staff_login,
):
    event = last_years_summit()
    user = staff_with("meetings", "view_event", "add_event")
    user.language = "de"
    user.save()
    client = staff_login(user)

    page = client.post(
        "/admin/meetings/event/",
        {
            "action": ACTION,
            "_selected_action": [event.pk],
            "apply": "1",
            "years": "0",
            "months": "1",
            "days": "0",
        },
        HTTP_ACCEPT_LANGUAGE="de",
    )

    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="id_years_error"' in html
    assert "Mit diesem Versatz würde die Anmeldung zu „Kommunales Spitzentreffen“" in html
    assert "in der Vergangenheit" in html
    assert 'value="1"' in html  # the months typed are still there
    assert not Event.objects.filter(copied_from=event).exists()


@pytest.mark.parametrize(
    ("url", "app_label", "codenames", "make"),
    [
        ("/admin/meetings/event/", "meetings", ("view_event", "change_event"), EventFactory),
        ("/admin/members/survey/", "members", ("view_survey", "change_survey"), SurveyFactory),
        (
            "/admin/portal/mailing/",
            "portal",
            ("view_mailing", "change_mailing"),
            lambda: Mailing.objects.create(subject="Alt", body="Text"),
        ),
    ],
)
def test_staff_without_the_add_permission_are_not_offered_the_copy_and_cannot_post_it(
    staff_login, url, app_label, codenames, make
):
    record = make()
    client = staff_login(staff_with(app_label, *codenames))

    listing = client.get(url)
    assert listing.status_code == 200
    assert f'value="{ACTION}"' not in listing.content.decode()
    client.post(
        url,
        {
            "action": ACTION,
            "_selected_action": [record.pk],
            "apply": "1",
            "years": "1",
            "months": "0",
            "days": "0",
        },
    )
    assert not type(record).objects.filter(copied_from=record).exists()


def test_the_survey_action_copies_with_the_offset_and_opens_the_copy(staff_login):
    survey = SurveyFactory()
    SurveyQuestionFactory(survey=survey)
    client = staff_login(staff_with("members", "view_survey", "add_survey", "change_survey"))

    done = client.post(
        "/admin/members/survey/",
        {
            "action": ACTION,
            "_selected_action": [survey.pk],
            "apply": "1",
            "years": "0",
            "months": "6",
            "days": "0",
        },
    )

    copy = Survey.objects.get(copied_from=survey)
    assert done["Location"] == f"/admin/members/survey/{copy.pk}/change/"
    assert copy.questions.count() == 1
    assert client.get(done["Location"]).status_code == 200


def test_the_mailing_action_copies_at_once_and_opens_the_draft(staff_login):
    mailing = Mailing.objects.create(
        subject="Einladung", body="Text", status=Mailing.Status.SENT, recipient_count=3
    )
    client = staff_login(staff_with("portal", "view_mailing", "add_mailing", "change_mailing"))

    done = client.post(
        "/admin/portal/mailing/", {"action": ACTION, "_selected_action": [mailing.pk]}
    )

    copy = Mailing.objects.get(copied_from=mailing)
    assert done["Location"] == f"/admin/portal/mailing/{copy.pk}/change/"
    page = client.get(done["Location"]).content.decode()
    assert f'href="/admin/portal/mailing/{mailing.pk}/change/"' in page
