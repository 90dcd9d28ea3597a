"""The municipality's profile and each person's public contact consent.

German texts for these pages are still to be written, so the tests look at status codes,
the database, ids and links rather than at wording.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from members.directory import services as directory_services
from members.models import Affiliation, Profile
from tests.support.people import PRACTICE_CREATE, PROFILE, logged_in

pytestmark = pytest.mark.django_db


PUBLIC_CONTACT = reverse("members:public_contact")


# --- The profile ------------------------------------------------------------------------------

PROFILE_DATA = {
    "introduction": "Wir fördern das Ehrenamt.",
    "coordination_office": "Ehrenamtsbüro im Rathaus",
    "engagement_alliance": "Bündnis für Engagement seit 2019",
    "guidelines": "Leitlinien vom Rat beschlossen 2021",
    "ehrenamtskarte": "participating",
    "website": "https://www.kommune.example/ehrenamt",
}


@pytest.mark.parametrize("who", ["contact_a", "head_a"])
def test_contacts_and_the_head_create_the_profile_on_first_save(request, client, who):
    user = request.getfixturevalue(who)
    logged_in(client, user)
    page = client.get(PROFILE)
    assert page.status_code == 200
    assert 'id="profile-form"' in page.text
    assert not Profile.objects.exists()

    response = client.post(PROFILE, PROFILE_DATA)
    assert response.status_code == 302
    assert response["Location"] == PROFILE
    profile = Profile.objects.get(organisation=user.affiliation.organisation)
    for field, value in PROFILE_DATA.items():
        assert getattr(profile, field) == value

    client.post(PROFILE, {**PROFILE_DATA, "introduction": "Neu."})
    assert Profile.objects.get().introduction == "Neu."


def test_a_website_without_scheme_gets_https(client, contact_a):
    logged_in(client, contact_a).post(PROFILE, {**PROFILE_DATA, "website": "www.ehrenamt.example"})
    assert Profile.objects.get().website == "https://www.ehrenamt.example"


@pytest.mark.parametrize(
    "website", ["kein link", "javascript:alert(1)", "ftp://files.example/x", "http://"]
)
def test_a_bad_website_is_explained_and_the_entries_are_kept(client, contact_a, website):
    response = logged_in(client, contact_a).post(PROFILE, {**PROFILE_DATA, "website": website})
    assert response.status_code == 200
    assert 'id="id_website_error"' in response.text
    assert "Ehrenamtsbüro im Rathaus" in response.text
    assert not Profile.objects.exists()


def test_an_unknown_ehrenamtskarte_choice_is_refused(client, contact_a):
    response = logged_in(client, contact_a).post(
        PROFILE, {**PROFILE_DATA, "ehrenamtskarte": "maybe"}
    )
    assert response.status_code == 200
    assert 'id="id_ehrenamtskarte_error"' in response.text


def test_html_in_the_profile_is_stored_as_text_and_shown_escaped(client, contact_a, colleague_a):
    evil = '<script>alert("x")</script><b>fett</b>'
    logged_in(client, contact_a).post(PROFILE, {**PROFILE_DATA, "introduction": evil})
    assert Profile.objects.get().introduction == evil
    for user in (contact_a, colleague_a):
        text = logged_in(client, user).get(PROFILE).text
        assert "<script>alert" not in text
        assert "<b>fett</b>" not in text
        assert "&lt;script&gt;" in text


def test_a_colleague_reads_the_profile_but_cannot_change_it(client, contact_a, colleague_a):
    logged_in(client, contact_a).post(PROFILE, PROFILE_DATA)
    logged_in(client, colleague_a)
    page = client.get(PROFILE)
    assert page.status_code == 200
    assert 'id="profile-form"' not in page.text
    assert 'id="profile-details"' in page.text
    assert "Ehrenamtsbüro im Rathaus" in page.text
    assert f'href="{PRACTICE_CREATE}"' not in page.text
    response = client.post(PROFILE, {**PROFILE_DATA, "introduction": "Gehackt"})
    assert response.status_code == 403
    assert Profile.objects.get().introduction == PROFILE_DATA["introduction"]


def test_a_colleague_sees_a_note_when_there_is_no_profile_yet(client, colleague_a):
    page = logged_in(client, colleague_a).get(PROFILE)
    assert page.status_code == 200
    assert 'id="profile-details"' not in page.text
    assert not Profile.objects.exists()


def test_each_municipality_edits_only_its_own_profile(client, contact_a, contact_b):
    logged_in(client, contact_a).post(PROFILE, PROFILE_DATA)
    logged_in(client, contact_b).post(PROFILE, {**PROFILE_DATA, "introduction": "B"})
    assert (
        Profile.objects.get(organisation=contact_a.affiliation.organisation).introduction
        == (PROFILE_DATA["introduction"])
    )
    assert Profile.objects.get(organisation=contact_b.affiliation.organisation).introduction == "B"
    assert "Wir fördern" not in client.get(PROFILE).text


# --- Public contact consent -------------------------------------------------------------------


@pytest.mark.parametrize("who", ["contact_a", "head_a", "colleague_a"])
def test_everyone_gives_and_withdraws_their_own_consent(request, client, who):
    user = request.getfixturevalue(who)
    logged_in(client, user)
    before = timezone.now()
    response = client.post(PUBLIC_CONTACT, {"consent": "on", "office": "Ehrenamtsbüro"})
    assert response.status_code == 302
    assert response["Location"] == PROFILE + "#public-contact"
    affiliation = Affiliation.objects.get(user=user)
    assert affiliation.public_contact_since is not None
    assert before <= affiliation.public_contact_since <= timezone.now()
    assert affiliation.office == "Ehrenamtsbüro"
    assert 'id="public-contact-list"' in client.get(PROFILE).text

    client.post(PUBLIC_CONTACT, {"office": "Ehrenamtsbüro"})
    assert Affiliation.objects.get(user=user).public_contact_since is None


def test_giving_consent_again_keeps_the_original_date(client, colleague_a):
    logged_in(client, colleague_a)
    client.post(PUBLIC_CONTACT, {"consent": "on"})
    first = Affiliation.objects.get(user=colleague_a).public_contact_since
    client.post(PUBLIC_CONTACT, {"consent": "on", "office": "Neu"})
    assert Affiliation.objects.get(user=colleague_a).public_contact_since == first


def test_nobody_can_give_consent_for_someone_else(client, contact_a, colleague_a):
    logged_in(client, contact_a)
    target = colleague_a.affiliation.pk
    client.post(
        PUBLIC_CONTACT,
        {"consent": "on", "affiliation": target, "user": colleague_a.pk, "pk": target},
    )
    assert Affiliation.objects.get(user=colleague_a).public_contact_since is None
    assert Affiliation.objects.get(user=contact_a).public_contact_since is not None
    with pytest.raises(PermissionDenied):
        directory_services.set_public_contact(colleague_a.affiliation, contact_a, consent=True)


def test_withdrawing_consent_for_someone_else_is_impossible(client, contact_a, colleague_a):
    Affiliation.objects.filter(user=colleague_a).update(public_contact_since=timezone.now())
    logged_in(client, contact_a).post(PUBLIC_CONTACT, {"user": colleague_a.pk})
    assert Affiliation.objects.get(user=colleague_a).public_contact_since is not None


def test_a_too_long_office_is_explained_and_nothing_changes(client, colleague_a):
    response = logged_in(client, colleague_a).post(
        PUBLIC_CONTACT, {"consent": "on", "office": "x" * 151}
    )
    assert response.status_code == 200
    assert 'id="id_office_error"' in response.text
    assert Affiliation.objects.get(user=colleague_a).public_contact_since is None


def test_consent_is_only_given_by_post(client, colleague_a):
    assert logged_in(client, colleague_a).get(PUBLIC_CONTACT).status_code == 405
