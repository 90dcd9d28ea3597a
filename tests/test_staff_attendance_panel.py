"""The staff overview's panel "members without attendance" (issue 21, item 2): how many current
members had nobody checked in at an event for one, two or three years, each linking to the
organisations' list with the filter "ohne Teilnahme seit", in one query however many there are."""

from __future__ import annotations

import datetime
import secrets
from typing import cast

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from meetings.events.models import Event, Registration
from members.models import Organisation
from portal.models import User
from tests.factories import EventFactory, MembershipFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_staff_mfa")]

URL = "/admin/uebersicht/"


def _member_attended(days_ago: int | None) -> Organisation:
    organisation = cast(Organisation, OrganisationFactory())
    MembershipFactory(organisation=organisation, since=datetime.date(2015, 1, 1))
    if days_ago is not None:
        when = timezone.now() - datetime.timedelta(days=days_ago)
        event = cast(Event, EventFactory(starts_at=when, ends_at=when))
        Registration.objects.create(
            event=event,
            organisation=organisation,
            guest_name="Gast",
            guest_email=f"{secrets.token_hex(4)}@kommune.example",
            guest_token=secrets.token_urlsafe(16),
            status=Registration.Status.CONFIRMED,
            attended_at=when,
        )
    return organisation


def _world(factor: int = 1) -> None:
    for _ in range(factor):
        _member_attended(30)  # attended this year
        _member_attended(500)  # more than one year ago
        _member_attended(900)  # more than two years ago
        _member_attended(None)  # never
    OrganisationFactory()  # not a member: never counted


def _figures(page: str) -> dict[str, str]:
    figures = {}
    for years in ("1", "2", "3"):
        row = page.split(f'data-years="{years}"', 1)[1].split("</tr>", 1)[0]
        figures[years] = row
    return figures


def test_the_panel_counts_members_without_attendance_and_links_the_filtered_list(admin_client):
    _world()
    page = admin_client.get(URL).content.decode()
    assert 'id="staff-attendance"' in page
    figures = _figures(page)
    assert ">3<" in figures["1"]
    assert ">2<" in figures["2"]
    assert ">1<" in figures["3"]
    assert "member=yes&amp;no_attendance_since=2" in figures["2"]


def test_the_panel_takes_one_query_with_ten_times_the_members(admin_client):
    _world(1)
    with CaptureQueriesContext(connection) as once:
        admin_client.get(URL)
    _world(9)
    with CaptureQueriesContext(connection) as tenfold:
        admin_client.get(URL)
    assert len(tenfold) == len(once)
    assert ">30<" in _figures(admin_client.get(URL).content.decode())["1"]


def test_staff_who_may_not_see_organisations_do_not_get_the_panel(client):
    user = cast(User, UserFactory(is_staff=True))
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="members", codename="view_membership")
    )
    client.force_login(user)
    assert 'id="staff-attendance"' not in client.get(URL).content.decode()


def test_the_panel_finds_attendance_through_the_index_of_checked_in_registrations(admin_client):
    # At the network's full size (432 members, 20,000 registrations) reading every registration
    # of each member for each of the three answers took 70 ms; the partial index on
    # (organisation, attended_at) answers each from the index alone. With scans of the whole
    # table switched off, as PostgreSQL chooses for a large one, the plan must name the index.
    _world(3)
    with CaptureQueriesContext(connection) as queries:
        admin_client.get(URL)
    counting = next(q["sql"] for q in queries if 'FROM "meetings_registration"' in q["sql"])
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {counting}")
        plan = "\n".join(line for (line,) in cursor.fetchall())
    assert "registration_attended" in plan
