"""The staff's overview in admin (/admin/uebersicht/): the figures of each panel and their
links to filtered lists (members, applications, events, information e-mails, the declaration,
surveys)."""

from __future__ import annotations

import datetime
import html
import re
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone

from declarations.models import DeclarationVersion
from meetings.models import Event, Registration
from members.models import Application, SurveyResponse
from members.staff_panels import quarter_ends
from portal.models import Mailing, OutboundEmail
from tests.factories import (
    ApplicationFactory,
    DeclarationVersionFactory,
    EventFactory,
    MembershipFactory,
    OrganisationFactory,
    SignatureFactory,
    SurveyFactory,
)
from tests.support import staff_dashboard as support
from tests.support.staff import staff_with_permissions as staff_with
from tests.support.staff_dashboard import page_of, register, sent_mailing

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_staff_mfa")]


# Fixtures of tests/support/staff_dashboard.py that these tests ask for by name.
staff_client = support.staff_client


SVG = "{http://www.w3.org/2000/svg}"


def section(page, panel):
    match = re.search(rf'<section [^>]*id="{panel}".*?</section>', page, re.S)
    assert match, f"panel {panel} is missing"
    return match.group(0)


def row(page, attribute, value):
    match = re.search(rf'<tr {attribute}="{value}">(.*?)</tr>', page, re.S)
    assert match, f"no row {attribute}={value}"
    return match.group(1)


def figure(markup, name=None):
    """(text, link) of a figure cell: by data-figure, else the first number cell."""
    start = rf'data-figure="{name}">' if name else r'<td class="number">'
    match = re.search(start + r'(?:<a href="([^"]*)">)?([^<]*)', markup)
    assert match, f"no figure {name}"
    link = html.unescape(match.group(1)) if match.group(1) else None
    return match.group(2).strip(), link


def listed(client, link):
    """Follow a figure's link into admin: the list opens and says how many rows it shows."""
    response = client.get(link)
    assert response.status_code == 200, link  # an unknown filter would redirect to ?e=1
    return response.context["cl"]


# --- Members over time ------------------------------------------------------------------------


def test_members_over_time_count_each_quarter_end_and_today(staff_client):
    today = timezone.localdate()
    days = quarter_ends(today)
    MembershipFactory(since=days[0])
    MembershipFactory(since=days[5] + datetime.timedelta(days=1))
    # Left on the last day of the fourth quarter shown: counted on that day, not after.
    MembershipFactory(since=days[0] - datetime.timedelta(days=400), until=days[3])
    MembershipFactory(since=today)

    panel = section(page_of(staff_client), "staff-members")

    counts = [int(n) for n in re.findall(r'<td class="number">(\d+)</td>', panel)]
    expected = [1 + (index >= 6) + (index <= 3) for index in range(12)] + [3]
    assert counts == expected
    labels = re.findall(r'<th scope="row">([^<]*)</th>', panel)
    assert labels[0] == f"Q{(days[0].month - 1) // 3 + 1} {days[0].year}"
    assert labels[-1] == "today"
    assert panel.count('<th scope="col"') == 3
    assert "<caption>Members at the end of each quarter</caption>" in panel


def test_the_members_chart_is_an_svg_image_with_a_name_and_a_point_for_each_row(staff_client):
    MembershipFactory(since=timezone.localdate() - datetime.timedelta(days=30))

    panel = section(page_of(staff_client), "staff-members")

    markup = re.search(r"<svg .*?</svg>", panel, re.S).group(0)
    svg = ET.fromstring(markup)  # noqa: S314 - the portal's own markup
    assert svg.get("role") == "img"
    assert svg.find(f"{SVG}title").text == "Members over time"
    assert "1 today" in svg.find(f"{SVG}desc").text
    labelled_by = svg.get("aria-labelledby").split()
    assert labelled_by == [svg.find(f"{SVG}title").get("id"), svg.find(f"{SVG}desc").get("id")]
    assert len(list(svg.iter(f"{SVG}circle"))) == 13


def test_the_number_of_members_today_links_to_the_current_memberships(staff_client):
    MembershipFactory.create_batch(2)
    MembershipFactory(since=datetime.date(2020, 1, 1), until=datetime.date(2021, 1, 1))

    panel = section(page_of(staff_client), "staff-members")

    link = html.unescape(re.search(r'<a href="([^"]*)">2 members</a>', panel).group(1))
    assert link == "/admin/members/membership/?membership=current"
    assert listed(staff_client, link).result_count == 2


# --- Applications -----------------------------------------------------------------------------


def test_applications_are_counted_by_status_and_link_to_the_filtered_list(staff_client):
    for status, count in (("submitted", 2), ("in_review", 1), ("draft", 3)):
        ApplicationFactory.create_batch(count, status=status)

    panel = section(page_of(staff_client), "staff-applications")

    for status, expected in (("submitted", 2), ("in_review", 1), ("draft", 3)):
        number, link = figure(row(panel, "data-status", status))
        assert number == str(expected)
        assert link == f"/admin/members/application/?status__exact={status}"
        changelist = listed(staff_client, link)
        assert changelist.result_count == expected
        assert {a.status for a in changelist.result_list} == {status}
    assert figure(row(panel, "data-status", "approved")) == ("0", None)
    assert len(re.findall(r"<tr data-status=", panel)) == len(Application.Status.choices)


# --- Events -----------------------------------------------------------------------------------


def test_next_events_show_fill_rate_and_waiting_list_with_links(staff_client):
    soon = EventFactory(title="Netzwerktreffen Hamm", capacity=4)
    register(soon, Registration.Status.CONFIRMED, 3)
    register(soon, Registration.Status.WAITLISTED, 2)
    register(soon, Registration.Status.CANCELLED, 1)
    open_ended = EventFactory(
        title="Kurzformat", capacity=None, starts_at=timezone.now() + datetime.timedelta(days=60)
    )
    register(open_ended, Registration.Status.CONFIRMED, 1)
    past = EventFactory(title="Vergangen", starts_at=timezone.now() - datetime.timedelta(days=9))
    draft = EventFactory(title="Entwurf", status=Event.Status.DRAFT)
    cancelled = EventFactory(title="Abgesagt", status=Event.Status.CANCELLED)

    panel = section(page_of(staff_client), "staff-events")

    soon_row = row(panel, "data-event", soon.pk)
    confirmed, confirmed_link = figure(soon_row, "confirmed")
    waiting, waiting_link = figure(soon_row, "waitlisted")
    assert (confirmed, waiting) == ("3", "2")
    assert figure(soon_row, "capacity") == ("4", None)
    assert figure(soon_row, "fill-rate") == ("75 %", None)
    assert confirmed_link == (
        f"/admin/meetings/registration/?event__id__exact={soon.pk}&status__exact=confirmed"
    )
    for link, expected, status in (
        (confirmed_link, 3, "confirmed"),
        (waiting_link, 2, "waitlisted"),
    ):
        changelist = listed(staff_client, link)
        assert changelist.result_count == expected
        assert {(r.event_id, r.status) for r in changelist.result_list} == {(soon.pk, status)}
    other_row = row(panel, "data-event", open_ended.pk)
    assert figure(other_row, "capacity") == ("no limit", None)
    assert figure(other_row, "fill-rate") == ("–", None)
    assert figure(other_row, "waitlisted") == ("0", None)
    for hidden in (past, draft, cancelled):
        assert f'data-event="{hidden.pk}"' not in panel
    assert panel.index(f'data-event="{soon.pk}"') < panel.index(f'data-event="{open_ended.pk}"')


def test_without_coming_events_the_panel_says_so(staff_client):
    assert "No published event lies ahead." in section(page_of(staff_client), "staff-events")


# --- Information e-mails ----------------------------------------------------------------------


def test_the_last_mailings_show_their_delivery_with_links_to_the_outbox(staff_client):
    mailing = sent_mailing("Neuigkeiten", sent=3, failed=1, queued=2, status="sending")
    sent_mailing("Andere", sent=5)  # mails of another mailing are not counted
    OutboundEmail.objects.create(kind="account/welcome", to="x@y.example", subject="s")
    Mailing.objects.create(subject="Entwurf", body="Text")
    Mailing.objects.create(
        subject="Geplant",
        body="Text",
        status=Mailing.Status.SCHEDULED,
        scheduled_at=timezone.now() + datetime.timedelta(days=1),
    )

    panel = section(page_of(staff_client), "staff-mailings")

    mailing_row = row(panel, "data-mailing", mailing.pk)
    assert f'href="/admin/portal/mailing/{mailing.pk}/change/"' in mailing_row
    for name, expected, status in (
        ("total", 6, None),
        ("sent", 3, "sent"),
        ("failed", 1, "failed"),
        ("remaining", 2, "queued"),
    ):
        number, link = figure(mailing_row, name)
        assert number == str(expected), name
        changelist = listed(staff_client, link)
        assert changelist.result_count == expected, name
        assert {e.related_id for e in changelist.result_list} == {str(mailing.pk)}
        if status:
            assert {e.status for e in changelist.result_list} == {status}
    assert "Entwurf" not in panel
    assert "1 information e-mail</a> is scheduled" in panel
    link = html.unescape(re.search(r'<a href="([^"]*)">1 information e-mail</a>', panel).group(1))
    assert listed(staff_client, link).result_count == 1


def test_only_the_last_five_mailings_are_shown_newest_first(staff_client):
    now = timezone.now()
    for day in range(7):
        sent_mailing(f"Ausgabe {day}", sent=1, started=now - datetime.timedelta(days=day))

    panel = section(page_of(staff_client), "staff-mailings")

    subjects = re.findall(r">Ausgabe (\d)</a>", panel)
    assert subjects == ["0", "1", "2", "3", "4"]


def test_staff_who_may_not_see_the_outbox_get_the_figures_without_links(client):
    mailing = sent_mailing("Neuigkeiten", sent=2, failed=1)
    client.force_login(staff_with("portal.view_mailing"))

    mailing_row = row(section(page_of(client), "staff-mailings"), "data-mailing", mailing.pk)

    assert figure(mailing_row, "sent") == ("2", None)
    assert figure(mailing_row, "failed") == ("1", None)


# --- The declaration --------------------------------------------------------------------------


def test_members_without_a_valid_signature_of_the_current_version_are_counted(staff_client):
    current = DeclarationVersion.objects.get(is_current=True)
    old = DeclarationVersionFactory(published_on=datetime.date(2020, 1, 1))
    signed, superseded, signed_old, unsigned = (MembershipFactory() for _ in range(4))
    SignatureFactory(organisation=signed.organisation, version=current)
    SignatureFactory(
        organisation=superseded.organisation, version=current, superseded_at=timezone.now()
    )
    SignatureFactory(organisation=signed_old.organisation, version=old)
    SignatureFactory(organisation=OrganisationFactory(), version=current)  # not a member
    MembershipFactory(since=datetime.date(2020, 1, 1), until=datetime.date(2021, 1, 1))

    panel = section(page_of(staff_client), "staff-declaration")

    assert current.label in panel
    match = re.search(r'<a href="([^"]*)">(\d+) of (\d+) members</a>', panel)
    assert match.group(2, 3) == ("3", "4")
    missing = staff_client.get(html.unescape(match.group(1)))
    assert missing.status_code == 200
    assert len(missing.context["rows"]) == 3
    assert {r.ags for r in missing.context["rows"]} == {
        m.organisation.authority.ags for m in (superseded, signed_old, unsigned)
    }


def test_when_every_member_signed_the_panel_says_so(staff_client):
    SignatureFactory(organisation=MembershipFactory().organisation)

    panel = section(page_of(staff_client), "staff-declaration")

    assert "Every member has signed it." in panel
    assert "/missing/" not in panel


def test_without_a_published_version_the_panel_says_so(staff_client):
    DeclarationVersion.objects.update(is_current=False)

    panel = section(page_of(staff_client), "staff-declaration")

    assert "No version of the declaration has been published yet." in panel


# --- Surveys ----------------------------------------------------------------------------------


def test_open_surveys_show_submitted_and_begun_responses(staff_client):
    survey = SurveyFactory()
    closed = SurveyFactory(
        title="Alt",
        opens_at=timezone.now() - datetime.timedelta(days=30),
        closes_at=timezone.now() - datetime.timedelta(days=1),
    )
    for n, status in enumerate(["submitted", "submitted", "draft"]):
        SurveyResponse.objects.create(survey=survey, respondent_key=f"user:{n}", status=status)
    SurveyResponse.objects.create(survey=closed, respondent_key="user:9", status="submitted")

    panel = section(page_of(staff_client), "staff-surveys")

    survey_row = row(panel, "data-survey", survey.pk)
    assert figure(survey_row, "submitted")[0] == "2"
    assert figure(survey_row, "drafts")[0] == "1"
    assert f'data-survey="{closed.pk}"' not in panel


def test_the_survey_panel_heads_its_counts_as_counts_in_german(client, staff_user, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    SurveyResponse.objects.create(
        survey=SurveyFactory(), respondent_key="user:1", status="submitted"
    )
    client.force_login(staff_user)  # the factory's language: German

    panel = section(page_of(client), "staff-surveys")

    assert '<th scope="col" class="number">Abgesendet</th>' in panel
    assert "am</th>" not in panel


def test_without_open_surveys_there_is_no_survey_panel(staff_client):
    assert "staff-surveys" not in page_of(staff_client)
