"""The staff's overview in admin (/admin/uebersicht/): who may see what, the registry of
panels, and a flat number of queries. Each panel's figures and links:
tests/test_staff_dashboard_panels.py."""

from __future__ import annotations

import datetime

import pytest
from allauth.mfa.models import Authenticator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.safestring import mark_safe

from meetings.models import Registration
from members.models import SurveyResponse
from portal.staff_dashboard import views as staff_dashboard
from tests.factories import (
    ApplicationFactory,
    EventFactory,
    MembershipFactory,
    SignatureFactory,
    SurveyFactory,
    UserFactory,
)
from tests.support import staff_dashboard as support
from tests.support.staff import staff_with_permissions as staff_with
from tests.support.staff_dashboard import URL, page_of, register, sent_mailing

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_staff_mfa")]


# Fixtures of tests/support/staff_dashboard.py that these tests ask for by name.
staff_client = support.staff_client


PANELS = {
    "staff-members",
    "staff-applications",
    "staff-declaration",
    "staff-events",
    "staff-mailings",
    "staff-surveys",
}


def shown_panels(page):
    return {name for name in PANELS if f'id="{name}"' in page}


# --- Who may see the page ---------------------------------------------------------------------


def test_anonymous_people_are_sent_to_the_login(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert "uebersicht" in response["Location"]


def test_people_who_are_not_staff_are_sent_to_the_login(client):
    client.force_login(UserFactory())

    response = client.get(URL)

    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_staff_without_a_second_factor_are_sent_to_set_it_up(client, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = True
    client.force_login(staff_with())

    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"] == "/konto/2fa/totp/activate/"


def test_staff_with_a_second_factor_get_in(client, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = True
    user = staff_with()
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={})
    client.force_login(user)

    assert client.get(URL).status_code == 200


def test_the_page_only_answers_reading_requests(staff_client):
    assert staff_client.post(URL).status_code == 405


def test_staff_see_the_page_in_admin_with_one_heading_and_every_panel(staff_client):
    SurveyFactory()

    page = page_of(staff_client)

    assert page.count("<h1") == 1
    assert "<h1>Overview of the network</h1>" in page
    assert "<title>Overview of the network |" in page
    assert shown_panels(page) == PANELS
    assert 'href="/admin/"' in page  # breadcrumbs back to admin's start page


def test_the_admin_start_page_links_to_the_overview(staff_client):
    response = staff_client.get("/admin/")

    assert response.status_code == 200
    assert 'href="/admin/uebersicht/"' in response.content.decode()


def test_staff_without_any_permission_see_no_figures_and_are_told_why(client):
    client.force_login(staff_with())

    page = page_of(client)

    assert shown_panels(page) == set()
    assert "may not see any of the lists" in page


@pytest.mark.parametrize(
    ("permissions", "panels"),
    [
        (["members.view_membership"], {"staff-members"}),
        (["members.view_application"], {"staff-applications"}),
        (["members.change_application"], {"staff-applications"}),
        (["declarations.view_signature"], {"staff-declaration"}),
        (["meetings.view_event"], set()),  # the figures are registrations
        (["meetings.view_event", "meetings.view_registration"], {"staff-events"}),
        (["portal.view_mailing"], {"staff-mailings"}),
        (["members.view_survey"], {"staff-surveys"}),
    ],
)
def test_staff_see_only_the_panels_of_the_lists_they_may_see(client, permissions, panels):
    SurveyFactory()
    client.force_login(staff_with(*permissions))

    assert shown_panels(page_of(client)) == panels


# --- The registry -----------------------------------------------------------------------------


def test_panels_appear_in_their_order_and_a_panel_may_stay_away(monkeypatch, rf):
    monkeypatch.setattr(staff_dashboard._panels, "registered", [])
    register = staff_dashboard.register_staff_panel
    register(order=20)(lambda request: mark_safe("<p>second</p>"))
    register(order=10)(lambda request: mark_safe("<p>first</p>"))
    register(order=15)(lambda request: None)

    assert staff_dashboard.render_staff_panels(rf.get("/")) == ["<p>first</p>", "<p>second</p>"]


# --- Queries ----------------------------------------------------------------------------------


def build(size):
    """`size` of everything the overview counts."""
    today = timezone.localdate()
    for n in range(size):
        membership = MembershipFactory(since=today - datetime.timedelta(days=90 * n))
        if n % 2:
            SignatureFactory(organisation=membership.organisation, submitted_by=None)
    for status in ("submitted", "in_review", "approved"):
        ApplicationFactory.create_batch(size, status=status, created_by=None)
    for n in range(size):
        event = EventFactory(starts_at=timezone.now() + datetime.timedelta(days=n + 1))
        register(event, Registration.Status.CONFIRMED, 2)
        register(event, Registration.Status.WAITLISTED, 1)
    for n in range(size):
        sent_mailing(f"Ausgabe {n}", sent=size, failed=1, queued=1)
    survey = SurveyFactory()
    SurveyResponse.objects.bulk_create(
        SurveyResponse(survey=survey, respondent_key=f"user:{n}", status="submitted")
        for n in range(size)
    )


def _queries(client):
    with CaptureQueriesContext(connection) as queries:
        page = page_of(client)
    return len(queries), page


def test_the_page_needs_as_many_queries_with_ten_times_the_data(staff_client):
    build(2)
    page_of(staff_client)  # what a process reads once (content types) is not counted
    small, page = _queries(staff_client)
    assert shown_panels(page) == PANELS
    build(18)
    large, _ = _queries(staff_client)

    # Session and user, then one query a panel (the mailings' delivery of all five shown in one,
    # portal.mailings.services.progress_of_many), whatever the data.
    assert large == small
    assert large <= 15
