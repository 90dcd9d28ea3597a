"""The page "Netzwerk importieren" in admin, who may use it, and "Zugang einrichten"."""

from __future__ import annotations

import datetime
import io
import os

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from members.models import Affiliation, ImportedPerson, ImportLog, Invitation, Membership
from members.network_import import previews
from members.network_import.demo import SAMPLE
from members.network_import.services import run_import
from members.network_import.tasks import delete_stale_previews
from members.people.services import accept_invitation_token, invitation_token
from portal.outbox.models import OutboundEmail
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

IMPORT = "/admin/members/importlog/import/"
TEMPLATE = "/admin/members/importlog/template/"
EXPORT = "/admin/members/importlog/export/"
PEOPLE = "/admin/members/importedperson/"


def upload(client, content=None, **data):
    file = SimpleUploadedFile("netzwerk.xlsx", content or SAMPLE.read_bytes())
    return client.post(IMPORT, {"file": file, **data})


@pytest.mark.parametrize("page", [IMPORT, TEMPLATE, EXPORT])
def test_anonymous_visitors_and_member_officers_are_sent_to_the_login(client, contact_a, page):
    assert client.get(page).status_code == 302
    client.force_login(contact_a)
    response = client.get(page)
    assert response.status_code == 302
    assert "/login" in response["Location"]


@pytest.mark.parametrize("page", [IMPORT, TEMPLATE, EXPORT])
def test_staff_without_the_import_permission_may_not_import(client, settings, page):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    staff = StaffFactory(is_superuser=False)
    staff.user_permissions.add(Permission.objects.get(codename="view_importlog"))
    client.force_login(staff)

    assert client.get(page).status_code == 403


def test_staff_with_the_permission_see_the_upload_page(client, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    staff = StaffFactory(is_superuser=False)
    staff.user_permissions.add(Permission.objects.get(codename="add_importlog"))
    client.force_login(staff)

    response = client.get(IMPORT)

    assert response.status_code == 200
    assert b'id="import-upload"' in response.content


def test_upload_shows_every_row_and_writes_nothing_until_confirmed(staff_client):
    response = upload(staff_client, create_versions="on")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-status="new"') == 11 + 11 + 8
    assert not Membership.objects.exists()

    confirm = staff_client.post(
        IMPORT,
        {
            "sha256": response.context["report"].sha256,
            "file_name": "netzwerk.xlsx",
            "create_versions": "True",
            "confirm": "1",
        },
    )

    log = ImportLog.objects.get()
    assert confirm.status_code == 302
    assert confirm["Location"].endswith(f"/admin/members/importlog/{log.pk}/change/")
    assert Membership.objects.count() == 11
    assert log.file_name == "netzwerk.xlsx"


def test_a_file_with_errors_shows_the_reason_next_to_its_row_and_offers_no_confirmation(
    staff_client,
):
    response = upload(staff_client)  # versions 2012 and 2017 are unknown yet

    html = response.content.decode()
    assert 'data-status="error"' in html
    assert "als historische Fassung angelegt werden" in html or "historical version" in html
    assert 'name="confirm"' not in html
    assert 'name="again"' in html


def test_a_wrong_file_is_refused_on_the_upload_form(staff_client):
    response = upload(staff_client, content=b"%PDF-1.7\n")

    assert response.status_code == 200
    assert b'id="import-upload"' in response.content
    assert not Membership.objects.exists()


def test_a_confirmation_without_its_stored_file_asks_for_the_upload_again(staff_client):
    response = staff_client.post(
        IMPORT, {"sha256": "0" * 64, "file_name": "x.xlsx", "confirm": "1"}
    )

    assert response.status_code == 302
    assert not ImportLog.objects.exists()


def test_the_preview_file_goes_with_the_confirmation(staff_client):
    response = upload(staff_client, create_versions="on")
    sha256 = response.context["report"].sha256
    assert previews.read(sha256) is not None

    staff_client.post(
        IMPORT,
        {"sha256": sha256, "file_name": "n.xlsx", "create_versions": "True", "confirm": "1"},
    )

    assert previews.read(sha256) is None


def test_a_preview_nobody_confirms_is_deleted_after_a_day(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    old = previews.keep(b"Mitglieder;AGS\nBonn;05314000\n")
    fresh = previews.keep(b"Mitglieder;AGS\nHagen;05914000\n")
    two_days_ago = (timezone.now() - datetime.timedelta(days=2)).timestamp()
    os.utime(tmp_path / previews.FOLDER / old, (two_days_ago, two_days_ago))

    assert delete_stale_previews() == 1

    assert previews.read(old) is None
    assert previews.read(fresh) is not None


def test_a_file_altered_while_it_waits_is_not_confirmed(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    sha256 = previews.keep(b"Mitglieder;AGS\n")
    (tmp_path / previews.FOLDER / sha256).write_bytes(b"Mitglieder;AGS\nEssen;05113000\n")

    assert previews.read(sha256) is None


def test_the_template_download_is_a_workbook_with_the_three_sheets(staff_client):
    response = staff_client.get(TEMPLATE)

    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Mitglieder", "Unterzeichnungen", "Partner"]


def test_setting_up_access_invites_each_person_once_into_their_municipality_and_role(
    staff_client, staff_user
):
    run_import(SAMPLE.read_bytes(), "a.xlsx", staff_user, confirm=True, create_versions=True)
    head = ImportedPerson.objects.get(email="oberbuergermeister@bonn.example")
    contact = ImportedPerson.objects.get(email="engagement@bonn.example")
    action = {"action": "set_up_access", "_selected_action": [head.pk, contact.pk]}

    staff_client.post(PEOPLE, action)
    staff_client.post(PEOPLE, action)  # the second time nobody is written to again

    mails = OutboundEmail.objects.filter(kind="members/invitation")
    assert sorted(mails.values_list("to", flat=True)) == sorted([head.email, contact.email])
    assert mails.filter(language="de").count() == 2
    head.refresh_from_db()
    assert head.invited_at is not None
    invitation = Invitation.objects.get(email=head.email)
    assert invitation.role == Affiliation.Role.HEAD
    person = UserFactory(email=head.email)
    affiliation = accept_invitation_token(invitation_token(invitation), person)
    assert affiliation.organisation.authority.ags == "05314000"
    assert affiliation.role == Affiliation.Role.HEAD


def test_invitations_are_limited_per_hour(staff_client, staff_user, monkeypatch):
    monkeypatch.setattr("members.network_import.services.INVITATIONS_PER_HOUR", 3)
    run_import(SAMPLE.read_bytes(), "a.xlsx", staff_user, confirm=True, create_versions=True)
    people = list(ImportedPerson.objects.values_list("pk", flat=True)[:5])

    staff_client.post(PEOPLE, {"action": "set_up_access", "_selected_action": people})

    assert OutboundEmail.objects.filter(kind="members/invitation").count() == 3
    assert ImportedPerson.objects.filter(invited_at__isnull=True).count() == 22 - 3
