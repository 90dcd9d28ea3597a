"""Admin's long lists: quick selection boxes, 50 rows a page, made afresh for every request."""

from __future__ import annotations

import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from members.models import Application
from tests.factories import ApplicationFactory, StaffFactory

pytestmark = pytest.mark.django_db
APPLICATIONS = "/admin/members/application/"
REGISTRATIONS = "/admin/meetings/registration/"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def staff_client(client, staff_user, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    client.force_login(staff_user)
    return client


def submitted(**fields) -> Application:
    return ApplicationFactory.create(
        status=Application.Status.SUBMITTED, submitted_at=timezone.now(), **fields
    )


def test_a_list_shows_a_change_at_once_and_is_marked_private(staff_client):
    application = submitted()
    first = staff_client.get(APPLICATIONS)
    assert "eingereicht" in first.content.decode()
    assert "private" in first["Cache-Control"]

    Application.objects.filter(pk=application.pk).update(status=Application.Status.IN_REVIEW)

    rows = staff_client.get(APPLICATIONS).content.decode().split('id="result_list"')[1]
    rows = rows.split("</table>")[0]
    assert "in Prüfung" in rows
    assert "eingereicht" not in rows


def test_the_selection_boxes_are_djangos_and_a_cached_list_still_runs_actions(settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    application = submitted()
    staff = Client(enforce_csrf_checks=True)
    staff.force_login(StaffFactory())
    page = staff.get(APPLICATIONS)
    html = page.content.decode()
    assert (
        f'<input type="checkbox" name="{ACTION_CHECKBOX_NAME}" value="{application.pk}" '
        f'class="action-select" aria-label="Dieses Objekt für eine Aktion auswählen - '
    ) in html

    token = TOKEN.search(html)
    assert token is not None
    response = staff.post(
        APPLICATIONS,
        {
            "action": "export_csv",
            ACTION_CHECKBOX_NAME: [application.pk],
            "csrfmiddlewaretoken": token.group(1),
        },
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")


def test_a_list_shows_fifty_rows_a_page(staff_client):
    for _ in range(51):
        submitted()
    first = staff_client.get(APPLICATIONS).content.decode()
    assert first.count('class="action-select"') == 50
    second = staff_client.get(APPLICATIONS, {"p": 2}).content.decode()
    assert second.count('class="action-select"') == 1


def test_another_person_never_gets_a_staff_members_copy(staff_client, contact_a):
    submitted()
    staff_client.get(REGISTRATIONS)
    staff_client.get(REGISTRATIONS)
    member = Client()
    member.force_login(contact_a)
    response = member.get(REGISTRATIONS)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert Client().get(REGISTRATIONS).status_code == 302


def test_the_overview_is_made_afresh_and_marked_private(staff_client):
    for _ in range(2):
        again = staff_client.get(reverse("admin:staff_dashboard"))
        assert again.status_code == 200
        assert again.content.decode().count("<h1") == 1
        assert "private" in again["Cache-Control"]


def test_a_staff_member_who_loses_the_staff_flag_gets_no_list(staff_client, staff_user):
    submitted()
    for _ in range(2):
        assert staff_client.get(APPLICATIONS).status_code == 200

    type(staff_user).objects.filter(pk=staff_user.pk).update(is_staff=False)

    response = staff_client.get(APPLICATIONS)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
