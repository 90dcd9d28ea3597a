"""A municipality's history at a glance on its admin page, and the list filter "ohne Teilnahme
seit …" (issue 21, item 2): the right figures, flat query counts, only for who may see them."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from meetings.models import Registration
from members.models import Affiliation, SurveyResponse
from portal.models import Mailing, MailingRecipient
from tests.factories import (
    AffiliationFactory,
    DeclarationVersionFactory,
    EventFactory,
    OrganisationFactory,
    SignatureFactory,
    SurveyFactory,
    UserFactory,
)
from tests.support.staff import staff_with_permissions as staff_with

pytestmark = pytest.mark.django_db
# The member's page with its inlines and all four parts of the history, whatever their size.
QUERY_BUDGET = 30
ALL_PARTS = [
    "members.view_organisation",
    "meetings.view_registration",
    "declarations.view_signature",
    "members.view_surveyresponse",
    "portal.view_mailing",
]


@pytest.fixture
def staff_login(client, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False

    def login(user):
        client.force_login(user)
        return client

    return login


def years_ago(years, days=0):
    return timezone.now() - datetime.timedelta(days=365 * years + days)


def attended(organisation, when, person=None):
    event = EventFactory(starts_at=when, ends_at=when + datetime.timedelta(hours=3))
    return Registration.objects.create(
        event=event,
        user=person or UserFactory(),
        organisation=organisation,
        status=Registration.Status.CONFIRMED,
        attended_at=when,
    )


def history_world(organisation, scale):
    """`scale` times: two events attended this year and one last year (plus one only registered
    for), a signature of a version, a submitted and a draft survey response, and a mailing
    received this year."""
    person = AffiliationFactory(organisation=organisation, role=Affiliation.Role.CONTACT).user
    for n in range(scale):
        attended(organisation, timezone.now() - datetime.timedelta(days=1 + n % 3))
        attended(organisation, timezone.now() - datetime.timedelta(days=2 + n % 3))
        attended(organisation, years_ago(1, 10))
        Registration.objects.create(
            event=EventFactory(),
            user=UserFactory(),
            organisation=organisation,
            status=Registration.Status.CONFIRMED,
        )
        SignatureFactory(organisation=organisation, version=DeclarationVersionFactory())
        for status in (SurveyResponse.Status.SUBMITTED, SurveyResponse.Status.DRAFT):
            SurveyResponse.objects.create(
                survey=SurveyFactory(title=f"Befragung {n} {status}"),
                respondent_key=f"organisation:{organisation.pk}",
                organisation=organisation,
                status=status,
                submitted_at=timezone.now() if status == "submitted" else None,
            )
        mailing = Mailing.objects.create(
            subject=f"Rundschreiben {n}",
            body="Text",
            status=Mailing.Status.SENT,
            started_at=timezone.now(),
        )
        MailingRecipient.objects.create(
            mailing=mailing, email=person.email, user=person, language="de"
        )


def test_the_history_shows_attendance_per_year_signatures_responses_and_mailings(staff_login):
    organisation = OrganisationFactory()
    history_world(organisation, 2)
    history_world(OrganisationFactory(), 1)  # another municipality's history stays out
    client = staff_login(staff_with(*ALL_PARTS))

    page = client.get(f"/admin/members/organisation/{organisation.pk}/change/")

    history = page.context["history"]
    this_year = timezone.localtime().year
    # The events of the last days may lie in last year on New Year's Day: count them by year.
    assert sum(row["events"] for row in history.attended) == 6
    assert history.attended[-1]["year"] <= this_year - 1
    assert len(history.signatures) == 2
    assert all(row["count"] == 1 for row in history.signatures)
    assert sorted(row["survey__title"] for row in history.responses) == [
        "Befragung 0 submitted",
        "Befragung 1 submitted",
    ]
    assert history.mailings == [{"year": this_year, "mailings": 2}]
    html = page.content.decode()
    assert "History at a glance" in html
    for part in ("attended", "signatures", "responses", "mailings"):
        assert f'data-history="{part}"' in html


def test_staff_see_only_the_parts_of_the_history_they_may_view(staff_login):
    organisation = OrganisationFactory()
    history_world(organisation, 1)
    client = staff_login(staff_with("members.view_organisation", "meetings.view_registration"))

    html = client.get(f"/admin/members/organisation/{organisation.pk}/change/").content.decode()

    assert 'data-history="attended"' in html
    for hidden in ("signatures", "responses", "mailings"):
        assert f'data-history="{hidden}"' not in html


@pytest.mark.parametrize("scale", [1, 10])
def test_the_member_page_takes_the_same_queries_with_ten_times_the_history(
    staff_login, django_assert_max_num_queries, scale
):
    organisation = OrganisationFactory()
    history_world(organisation, scale)
    client = staff_login(staff_with(*ALL_PARTS))
    url = f"/admin/members/organisation/{organisation.pk}/change/"
    client.get(url)  # sessions, permissions and content types are cached from here on

    with django_assert_max_num_queries(QUERY_BUDGET):
        assert client.get(url).status_code == 200


def test_the_filter_lists_municipalities_nobody_of_which_attended_for_two_years(staff_login):
    lapsed = OrganisationFactory()
    attended(lapsed, years_ago(3))
    active = OrganisationFactory()
    attended(active, years_ago(0, 30))
    attended(active, years_ago(4))
    never = OrganisationFactory()
    Registration.objects.create(
        event=EventFactory(starts_at=years_ago(0, 20), ends_at=years_ago(0, 20)),
        user=UserFactory(),
        organisation=never,
        status=Registration.Status.CONFIRMED,
    )
    client = staff_login(staff_with("members.view_organisation"))

    page = client.get("/admin/members/organisation/", {"no_attendance_since": "2"})

    shown = set(page.context["cl"].result_list)
    assert {lapsed, never} <= shown
    assert active not in shown
    assert "without attendance since" in page.content.decode()


def test_the_filter_with_an_unknown_value_lists_everyone(staff_login):
    organisation = OrganisationFactory()
    attended(organisation, years_ago(0, 5))
    client = staff_login(staff_with("members.view_organisation"))

    page = client.get("/admin/members/organisation/", {"no_attendance_since": "x"})

    assert page.status_code == 200
    assert organisation in page.context["cl"].result_list


def test_the_member_page_takes_exactly_as_many_queries_for_a_long_history_as_for_a_short(
    staff_login,
):
    short, long = OrganisationFactory(), OrganisationFactory()
    history_world(short, 1)
    history_world(long, 10)
    client = staff_login(staff_with(*ALL_PARTS))
    counts = []
    for organisation in (short, long, short):
        url = f"/admin/members/organisation/{organisation.pk}/change/"
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))

    assert counts[1] == counts[2], counts
