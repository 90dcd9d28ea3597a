"""The personal dashboard (/mein-bereich/) at the network's size (issue 19): what it shows, who
sees what, and the same few queries however large the network and however many surveys.

The surveys panel takes the user's municipality from the look-up the other panels share, and
reads responses only for the surveys that ask the user (through the index on their keys).
"""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from benchmarks.volume import grow
from meetings.models import Registration
from members.models import Affiliation, Application, Organisation, Survey, SurveyResponse
from members.surveys.services import organisation_key
from tests.factories import (
    ApplicationFactory,
    EventFactory,
    MembershipFactory,
    SignatureFactory,
    SurveyFactory,
)
from tests.test_query_budget import SMALL
from tests.test_surveys import OFFICERS

pytestmark = pytest.mark.django_db
DASHBOARD = reverse("dashboard")
# A member's contact person: the session's user, the affiliation with its municipality and the
# membership, the current declaration and the signature, the calendar feed, the registrations,
# and for the surveys the audience check and the responses.
CONTACTS_QUERIES = 9


def _short_date(value: datetime.datetime | datetime.date) -> str:
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
    with translation.override("de"):
        return date_format(value, "SHORT_DATE_FORMAT")


def _response(survey: Survey, organisation: Organisation, status: str) -> SurveyResponse:
    return SurveyResponse.objects.create(
        survey=survey,
        respondent_key=organisation_key(organisation.pk),
        organisation=organisation,
        status=status,
        submitted_at=timezone.now() if status == SurveyResponse.Status.SUBMITTED else None,
    )


@pytest.fixture
def signed_member_a(member_a):
    SignatureFactory(organisation=member_a, signed_on=datetime.date(2026, 6, 1))
    return member_a


@pytest.fixture
def three_surveys(member_a):
    """Submitted, saved as a draft and not answered yet by organisation_a, in that order of
    closing."""
    now = timezone.now()
    surveys = [
        SurveyFactory(audience=OFFICERS, title=title, closes_at=now + datetime.timedelta(days=days))
        for title, days in (("Umfrage Alpha", 5), ("Umfrage Beta", 6), ("Umfrage Gamma", 9))
    ]
    _response(surveys[0], member_a, SurveyResponse.Status.SUBMITTED)
    _response(surveys[1], member_a, SurveyResponse.Status.DRAFT)
    return surveys


def _panel(html: str, marker: str) -> str:
    start = html.index(marker)
    return html[start : html.index("</section>", start)]


def test_the_dashboard_shows_the_figures_of_the_users_municipality(
    client, signed_member_a, contact_a, three_surveys
):
    event = EventFactory(title="Netzwerktreffen Herbst")
    registration = Registration.objects.create(
        event=event,
        user=contact_a,
        organisation=signed_member_a,
        registered_by=contact_a,
        status=Registration.Status.CONFIRMED,
    )
    client.force_login(contact_a)

    html = client.get(DASHBOARD).content.decode()

    name = signed_member_a.authority.name
    assert f"Mitglied im Netzwerk seit {_short_date(datetime.date(2024, 5, 1))}." in html
    assert (
        f"{name} hat Fassung 2026 am {_short_date(datetime.date(2026, 6, 1))} unterzeichnet."
        in (" ".join(_panel(html, 'data-declaration="signed"').split()))
    )
    events = _panel(html, "data-my-events")
    assert f'data-registration="{registration.pk}"' in events
    assert "Netzwerktreffen Herbst" in events
    assert _short_date(event.starts_at) in events
    items = [" ".join(item.split()) for item in _panel(html, "data-surveys-panel").split("<li>")]
    line = {
        survey.title: next(i for i in items if f"{survey.title}</a>" in i)
        for survey in three_surveys
    }
    alpha, _beta, gamma = three_surveys
    assert f'href="{reverse("members:survey", args=[alpha.pk])}"' in line["Umfrage Alpha"]
    assert "Umfrage Alpha</a> – abgesendet" in line["Umfrage Alpha"]
    assert "Umfrage Beta</a> – Entwurf gespeichert" in line["Umfrage Beta"]
    assert (
        f"Umfrage Gamma</a> – Antwort bis {_short_date(gamma.closes_at)}" in line["Umfrage Gamma"]
    )


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("owner", {"organisation_a", "surveys", "Entwurf gespeichert"}),
        ("colleague", {"organisation_a", "surveys", "Entwurf gespeichert"}),
        ("other municipality", {"organisation_b", "surveys"}),
    ],
)
def test_each_person_sees_only_their_own_municipalitys_answers(
    client, who, sees, three_surveys, organisation_a, contact_a, colleague_a, contact_b
):
    organisation_b = contact_b.affiliation.organisation
    MembershipFactory(organisation=organisation_b)
    people = {"owner": contact_a, "colleague": colleague_a, "other municipality": contact_b}
    client.force_login(people[who])

    html = client.get(DASHBOARD).content.decode()

    assert (organisation_a.authority.name in html) == ("organisation_a" in sees)
    assert (organisation_b.authority.name in html) == ("organisation_b" in sees)
    assert ("data-surveys-panel" in html) == ("surveys" in sees)
    assert ("Entwurf gespeichert" in html) == ("Entwurf gespeichert" in sees)
    assert ("abgesendet" in html) == ("Entwurf gespeichert" in sees)


def test_anonymous_visitors_are_sent_to_the_login(client, three_surveys):
    response = client.get(DASHBOARD)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={DASHBOARD}"


def _queries(client: Client) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(DASHBOARD)
    assert response.status_code == 200
    return [query["sql"] for query in queries.captured_queries]


def _contact_of_a_member_with_answers() -> Affiliation:
    answered = SurveyResponse.objects.filter(
        organisation__in=Organisation.objects.members()
    ).order_by("pk")[0]
    return Affiliation.objects.filter(
        organisation=answered.organisation, role=Affiliation.Role.CONTACT
    ).order_by("pk")[0]


def test_a_contact_persons_dashboard_makes_the_same_nine_queries_at_five_times_the_data(
    client, settings
):
    settings.PORTAL_PAGE_CACHE_SECONDS = 0
    grow(SMALL, seed=1)
    contact = _contact_of_a_member_with_answers()
    client.force_login(contact.user)
    client.get(DASHBOARD)  # the current surveys into the cache, as on every later visit
    small = _queries(client)
    grow(SMALL.times(4), seed=2)
    cache.clear()  # bulk inserts send no signals: the new surveys into the cache
    client.get(DASHBOARD)

    large = _queries(client)

    assert "data-surveys-panel" in client.get(DASHBOARD).content.decode()
    assert len(small) == len(large) == CONTACTS_QUERIES, "\n".join(large)


def test_the_dashboard_looks_up_the_users_municipality_once(client, contact_a, three_surveys):
    client.force_login(contact_a)

    queries = _queries(client)

    assert len([sql for sql in queries if sql.startswith('SELECT "members_affiliation"."id"')]) == 1


def test_a_person_no_open_survey_asks_costs_no_query_for_responses(client, head_a, three_surveys):
    # The three surveys ask the engagement officers, not the head of administration.
    client.force_login(head_a)

    queries = _queries(client)

    assert "data-surveys-panel" not in client.get(DASHBOARD).content.decode()
    assert not [sql for sql in queries if "members_surveyresponse" in sql]


@pytest.mark.parametrize(
    ("status", "declaration"),
    [(Application.Status.SUBMITTED, None), (Application.Status.APPROVED, "may_sign")],
)
def test_an_applicants_dashboard_stays_within_ten_queries(
    client, contact_a, organisation_a, status, declaration
):
    # An approved municipality may sign before its membership begins; one still applying not.
    ApplicationFactory(organisation=organisation_a, created_by=contact_a, status=status)
    client.force_login(contact_a)
    client.get(DASHBOARD)  # the current declaration and the surveys into the cache

    queries = _queries(client)
    page = client.get(DASHBOARD).content.decode()

    assert len(queries) <= 10, "\n".join(queries)
    # The membership panel shows an application while it is open; an approved one has ended.
    assert ('data-application="submitted"' in page) is (status == Application.Status.SUBMITTED)
    assert (f'data-declaration="{declaration}"' in page) is (declaration is not None)
