"""The network team's side in Django admin: memberships and their export, organisations,
people, invitations and profiles."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from members.models import Affiliation, Authority, Invitation, Membership, PracticeExample, Profile
from tests.factories import AffiliationFactory, MembershipFactory, OrganisationFactory, UserFactory
from tests.helpers import authority, read_csv, run_action, texts

pytestmark = pytest.mark.django_db


MEMBERSHIPS = "/admin/members/membership/"
ORGANISATIONS = "/admin/members/organisation/"


# --- Memberships ------------------------------------------------------------------------------


def test_the_membership_list_filters_current_and_ended_members_and_regions(staff_client):
    current = MembershipFactory(
        organisation=OrganisationFactory(authority=authority(Authority.Kind.TOWN, "Köln"))
    )
    ended = MembershipFactory(
        organisation=OrganisationFactory(authority=authority(Authority.Kind.TOWN, "Münster")),
        until=datetime.date(2025, 1, 31),
        exit_reason="Auflösung der Koordinierungsstelle",
    )

    def listed(query):
        response = staff_client.get(MEMBERSHIPS + query)
        assert response.status_code == 200
        return set(response.context["cl"].result_list)

    assert listed("") == {current, ended}
    assert listed("?membership=current") == {current}
    assert listed("?membership=ended") == {ended}
    assert listed("?region=Köln") == {current}
    assert "Auflösung der Koordinierungsstelle" in staff_client.get(MEMBERSHIPS).content.decode()


def test_the_membership_list_needs_as_many_queries_for_30_members_as_for_3(
    staff_client, django_assert_max_num_queries
):
    for _n in range(3):
        MembershipFactory()
    with django_assert_max_num_queries(6):
        assert staff_client.get(MEMBERSHIPS).status_code == 200
    for _n in range(27):
        MembershipFactory()
    with django_assert_max_num_queries(6):
        response = staff_client.get(MEMBERSHIPS)
    assert len(response.context["cl"].result_list) == 30


def test_ending_a_membership_needs_a_reason(staff_client):
    membership = MembershipFactory()
    response = run_action(
        staff_client,
        MEMBERSHIPS,
        "end_memberships",
        [membership],
        apply="1",
        until="2025-06-30",
        reason="",
    )
    assert response.status_code == 200
    assert "Please give the reason for leaving." in response.content.decode()
    membership.refresh_from_db()
    assert membership.until is None

    response = staff_client.post(f"{MEMBERSHIPS}{membership.pk}/end/", {"until": "2025-06-30"})
    assert response.status_code == 200
    assert "Please give the reason for leaving." in response.content.decode()
    membership.refresh_from_db()
    assert membership.until is None


def test_staff_can_end_memberships_from_the_list(staff_client):
    first, second = MembershipFactory(), MembershipFactory()
    response = run_action(
        staff_client,
        MEMBERSHIPS,
        "end_memberships",
        [first, second],
        apply="1",
        until="2025-06-30",
        reason="Austritt per Ratsbeschluss",
    )
    assert texts(response) == ["2 memberships have ended."]
    for membership in (first, second):
        membership.refresh_from_db()
        assert membership.until == datetime.date(2025, 6, 30)
        assert membership.exit_reason == "Austritt per Ratsbeschluss"


def test_staff_can_end_a_membership_from_its_page(staff_client):
    membership = MembershipFactory()
    page = staff_client.get(f"{MEMBERSHIPS}{membership.pk}/change/")
    assert f"{MEMBERSHIPS}{membership.pk}/end/" in page.content.decode()
    form = staff_client.get(f"{MEMBERSHIPS}{membership.pk}/end/")
    assert form.status_code == 200
    response = staff_client.post(
        f"{MEMBERSHIPS}{membership.pk}/end/",
        {"until": "2025-06-30", "reason": "Austritt per Ratsbeschluss"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == f"{MEMBERSHIPS}{membership.pk}/change/"
    membership.refresh_from_db()
    assert membership.until == datetime.date(2025, 6, 30)
    assert not membership.organisation.current_membership


def test_an_ended_membership_cannot_be_ended_again_nor_ends_the_new_one(staff_client):
    organisation = OrganisationFactory()
    old = MembershipFactory(
        organisation=organisation, since=datetime.date(2015, 1, 1), until=datetime.date(2019, 1, 1)
    )
    new = MembershipFactory(organisation=organisation, since=datetime.date(2024, 1, 1))
    response = run_action(
        staff_client,
        MEMBERSHIPS,
        "end_memberships",
        [old],
        apply="1",
        until="2025-06-30",
        reason="Versehen",
    )
    assert response.status_code == 200
    assert "has already ended" in texts(response)[0]
    new.refresh_from_db()
    assert new.until is None


def test_the_exit_date_cannot_be_in_the_future(staff_client):
    membership = MembershipFactory()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = staff_client.post(
        f"{MEMBERSHIPS}{membership.pk}/end/", {"until": tomorrow.isoformat(), "reason": "Plan"}
    )
    assert "The exit date cannot be in the future." in response.content.decode()
    membership.refresh_from_db()
    assert membership.until is None


def test_a_second_current_membership_cannot_be_added(staff_client):
    membership = MembershipFactory()
    response = staff_client.post(
        f"{MEMBERSHIPS}add/", {"organisation": membership.organisation.pk, "since": "2025-01-01"}
    )
    assert response.status_code == 200
    assert "already a member of the network" in response.content.decode()
    assert Membership.objects.count() == 1


def test_the_csv_export_of_members(staff_client):
    membership = MembershipFactory(
        organisation=OrganisationFactory(authority=Authority.objects.get(ags="05900000")),
        since=datetime.date(2017, 11, 6),
        until=datetime.date(2024, 12, 31),
        exit_reason="-Umstrukturierung",
    )
    response = run_action(staff_client, MEMBERSHIPS, "export_csv", [membership])
    header, row = read_csv(response)
    assert header[0] == "Organisation"
    assert row == [
        "Arnsberg",
        "05900000",
        "government region",
        "Arnsberg",
        "06.11.2017",
        "31.12.2024",
        "'-Umstrukturierung",
    ]


def test_only_staff_reach_memberships_and_a_reader_cannot_end_one(client, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    membership = MembershipFactory()
    response = client.post(f"{MEMBERSHIPS}{membership.pk}/end/", {"reason": "x"})
    assert response.status_code == 302
    assert "/login/" in response.url
    reader = UserFactory(is_staff=True, language="en")
    reader.user_permissions.add(Permission.objects.get(codename="view_membership"))
    client.force_login(reader)
    response = client.post(
        f"{MEMBERSHIPS}{membership.pk}/end/", {"until": "2025-06-30", "reason": "x"}
    )
    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.until is None


# --- Organisations, people, invitations, profiles ---------------------------------------------


def test_the_organisation_list_shows_membership_and_region(staff_client):
    member = MembershipFactory(
        organisation=OrganisationFactory(authority=authority(Authority.Kind.TOWN, "Detmold")),
        since=datetime.date(2018, 3, 1),
    ).organisation
    other = OrganisationFactory(authority=authority(Authority.Kind.TOWN, "Köln"))
    response = staff_client.get(ORGANISATIONS)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Detmold" in page
    assert "2018-03-01" in page  # member since, in the short date format of the language
    assert "not a member" in page
    assert set(staff_client.get(ORGANISATIONS + "?member=yes").context["cl"].result_list) == {
        member
    }
    assert set(staff_client.get(ORGANISATIONS + "?member=no").context["cl"].result_list) == {other}
    assert set(staff_client.get(ORGANISATIONS + "?region=Köln").context["cl"].result_list) == {
        other
    }


def test_the_organisation_list_needs_as_many_queries_for_30_as_for_3(
    staff_client, django_assert_max_num_queries
):
    for _n in range(3):
        MembershipFactory()
    with django_assert_max_num_queries(6):
        assert staff_client.get(ORGANISATIONS).status_code == 200
    for _n in range(27):
        MembershipFactory()
    with django_assert_max_num_queries(6):
        assert staff_client.get(ORGANISATIONS).status_code == 200


def test_the_organisation_page_shows_people_invitations_and_the_profile_link(staff_client):
    contact = AffiliationFactory(role=Affiliation.Role.CONTACT)
    organisation = contact.organisation
    Invitation.objects.create(
        organisation=organisation, email="kollegin@kommune.example", invited_by=contact.user
    )
    page = staff_client.get(f"{ORGANISATIONS}{organisation.pk}/change/").content.decode()
    assert str(contact.user) in page
    assert "kollegin@kommune.example" in page
    assert f"/admin/members/profile/add/?organisation={organisation.pk}" in page

    profile = Profile.objects.create(organisation=organisation)
    page = staff_client.get(f"{ORGANISATIONS}{organisation.pk}/change/").content.decode()
    assert f"/admin/members/profile/{profile.pk}/change/" in page


def test_invitations_are_read_only_for_staff(staff_client):
    invitation = Invitation.objects.create(
        organisation=OrganisationFactory(), email="neu@kommune.example"
    )
    assert "neu@kommune.example" in staff_client.get("/admin/members/invitation/").content.decode()
    assert staff_client.get("/admin/members/invitation/add/").status_code == 403
    page = staff_client.get(f"/admin/members/invitation/{invitation.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()


def test_staff_can_moderate_practice_examples_on_the_profile(staff_client):
    profile = Profile.objects.create(organisation=OrganisationFactory())
    example = PracticeExample.objects.create(profile=profile, title="Ehrenamtsbörse", text="…")
    url = f"/admin/members/profile/{profile.pk}/change/"
    page = staff_client.get(url)
    assert page.status_code == 200
    assert "Ehrenamtsbörse" in page.content.decode()
    data = {
        "organisation": profile.organisation.pk,
        "ehrenamtskarte": "participating",
        "practice_examples-TOTAL_FORMS": "1",
        "practice_examples-INITIAL_FORMS": "1",
        "practice_examples-0-id": example.pk,
        "practice_examples-0-profile": profile.pk,
        "practice_examples-0-title": "Ehrenamtsbörse",
        "practice_examples-0-text": "…",
        "practice_examples-0-DELETE": "on",
    }
    response = staff_client.post(url, data)
    assert response.status_code == 302
    assert not PracticeExample.objects.exists()


def test_the_public_contact_consent_is_read_only_for_staff(staff_client):
    affiliation = AffiliationFactory(public_contact_since=timezone.now())
    response = staff_client.get(f"/admin/members/affiliation/{affiliation.pk}/change/")
    assert response.status_code == 200
    assert "public_contact_since" not in response.context["adminform"].form.fields
