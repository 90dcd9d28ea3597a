"""The municipality's people page: who may open what, the list, removing and leaving.

German texts for these pages are still to be written, so the tests look at status codes,
the database, ids and links rather than at wording.
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from members.models import Affiliation, Invitation
from tests.factories import AffiliationFactory, UserFactory
from tests.support.people import INVITE, PEOPLE, levels, logged_in, remove_url

pytestmark = pytest.mark.django_db


# --- Who may open what ------------------------------------------------------------------------

ALL_VIEWS = [
    ("get", "members:people", []),
    ("post", "members:invite", []),
    ("get", "members:remove_person", [1]),
    ("post", "members:remove_person", [1]),
    # The invitation link is open to anyone who has it (see "Accepting" below).
    ("get", "members:profile_edit", []),
    ("post", "members:profile_edit", []),
    ("post", "members:public_contact", []),
    ("get", "members:practice_create", []),
    ("post", "members:practice_create", []),
    ("get", "members:practice_edit", [1]),
    ("post", "members:practice_edit", [1]),
    ("get", "members:practice_delete", [1]),
    ("post", "members:practice_delete", [1]),
]


@pytest.mark.parametrize(("method", "name", "args"), ALL_VIEWS)
def test_anonymous_visitors_are_sent_to_the_login_and_come_back(client, method, name, args):
    url = reverse(name, args=args)
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "next=" in response["Location"]


@pytest.mark.parametrize(
    ("method", "name"),
    [
        ("get", "members:people"),
        ("post", "members:invite"),
        ("get", "members:profile_edit"),
        ("post", "members:public_contact"),
        ("get", "members:practice_create"),
    ],
)
@pytest.mark.parametrize("who", ["user_without_organisation", "staff_user"])
def test_people_without_a_municipality_are_sent_to_their_area(request, client, method, name, who):
    logged_in(client, request.getfixturevalue(who))
    response = getattr(client, method)(reverse(name))
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    assert levels(response) == ["info"]


def test_staff_without_a_municipality_cannot_remove_anyone(client, staff_user, colleague_a):
    response = logged_in(client, staff_user).post(remove_url(colleague_a))
    assert response.status_code == 302
    assert Affiliation.objects.filter(user=colleague_a).exists()


# --- The people page --------------------------------------------------------------------------


def test_a_contact_sees_the_people_an_invite_form_and_remove_links(
    client, contact_a, head_a, colleague_a
):
    response = logged_in(client, contact_a).get(PEOPLE)
    assert response.status_code == 200
    text = response.text
    for user in (contact_a, head_a, colleague_a):
        assert user.email in text
        assert f'id="person-{user.affiliation.pk}"' in text
    assert 'id="invite-form"' in text
    assert f'action="{INVITE}"' in text
    assert f'href="{remove_url(colleague_a)}"' in text
    assert f'href="{remove_url(head_a)}"' in text
    assert "Bürgermeisterin" in text  # the head's office


def test_the_head_of_administration_may_invite_too(client, head_a, contact_a):
    response = logged_in(client, head_a).get(PEOPLE)
    assert 'id="invite-form"' in response.text
    assert f'href="{remove_url(contact_a)}"' in response.text


def test_a_colleague_sees_the_list_but_can_only_leave(client, contact_a, colleague_a):
    response = logged_in(client, colleague_a).get(PEOPLE)
    assert response.status_code == 200
    assert contact_a.email in response.text
    assert 'id="invite-form"' not in response.text
    assert f'href="{remove_url(contact_a)}"' not in response.text
    assert f'href="{remove_url(colleague_a)}"' in response.text


def test_the_page_shows_only_the_own_municipality(client, contact_a, contact_b):
    response = logged_in(client, contact_b).get(PEOPLE)
    assert contact_b.email in response.text
    assert contact_a.email not in response.text


def test_open_invitations_are_listed_and_old_ones_marked(client, contact_a, colleague_a):
    fresh = Invitation.objects.create(
        organisation=contact_a.affiliation.organisation, email="frisch@kommune.example"
    )
    old = Invitation.objects.create(
        organisation=contact_a.affiliation.organisation, email="alt@kommune.example"
    )
    Invitation.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=20)
    )
    text = logged_in(client, colleague_a).get(PEOPLE).text
    assert f'id="invitation-{fresh.pk}"' in text
    assert f'id="invitation-{old.pk}"' in text


def test_names_with_html_are_shown_escaped(client, contact_a, organisation_a):
    AffiliationFactory(
        organisation=organisation_a,
        role=Affiliation.Role.COLLEAGUE,
        user=UserFactory(full_name="<script>alert(1)</script>"),
    )
    text = logged_in(client, contact_a).get(PEOPLE).text
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


# --- Removing and leaving ---------------------------------------------------------------------


def test_a_contact_removes_a_colleague_after_confirming(client, contact_a, colleague_a):
    logged_in(client, contact_a)
    page = client.get(remove_url(colleague_a))
    assert page.status_code == 200
    assert f'action="{remove_url(colleague_a)}"' in page.text
    assert Affiliation.objects.filter(user=colleague_a).exists()

    response = client.post(remove_url(colleague_a))
    assert response.status_code == 302
    assert response["Location"] == PEOPLE
    assert not Affiliation.objects.filter(user=colleague_a).exists()
    assert colleague_a.__class__.objects.filter(pk=colleague_a.pk).exists()  # the account stays


def test_a_colleague_cannot_remove_others(client, contact_a, colleague_a, organisation_a):
    other = AffiliationFactory(organisation=organisation_a, role="colleague").user
    logged_in(client, colleague_a)
    for target in (contact_a, other):
        assert client.get(remove_url(target)).status_code == 403
        assert client.post(remove_url(target)).status_code == 403
        assert Affiliation.objects.filter(user=target).exists()


def test_a_colleague_can_leave(client, contact_a, colleague_a):
    logged_in(client, colleague_a)
    assert client.get(remove_url(colleague_a)).status_code == 200
    response = client.post(remove_url(colleague_a))
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    assert not Affiliation.objects.filter(user=colleague_a).exists()


def test_people_of_another_municipality_get_404(client, contact_a, colleague_a, contact_b):
    logged_in(client, contact_b)
    for target in (contact_a, colleague_a):
        assert client.get(remove_url(target)).status_code == 404
        assert client.post(remove_url(target)).status_code == 404
        assert Affiliation.objects.filter(user=target).exists()


def test_the_last_contact_person_cannot_leave(client, contact_a, colleague_a):
    logged_in(client, contact_a)
    response = client.post(remove_url(contact_a))
    assert response.status_code == 302
    assert response["Location"] == PEOPLE
    assert levels(response) == ["error"]
    assert Affiliation.objects.filter(user=contact_a).exists()


def test_the_head_cannot_remove_the_last_contact_person(client, contact_a, head_a):
    response = logged_in(client, head_a).post(remove_url(contact_a))
    assert levels(response) == ["error"]
    assert Affiliation.objects.filter(user=contact_a).exists()


def test_with_a_second_contact_person_one_may_go(client, contact_a, organisation_a):
    second = AffiliationFactory(organisation=organisation_a, role="contact").user
    response = logged_in(client, second).post(remove_url(contact_a))
    assert response.status_code == 302
    assert not Affiliation.objects.filter(user=contact_a).exists()
    response = client.post(remove_url(second))
    assert levels(response)[-1] == "error"
    assert Affiliation.objects.filter(user=second).exists()


def test_removing_an_unknown_person_gives_404(client, contact_a):
    logged_in(client, contact_a)
    url = reverse("members:remove_person", args=[999999])
    assert client.get(url).status_code == 404
