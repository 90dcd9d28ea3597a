"""A person's own data: who may delete their account, and bad input when deleting.

German texts for these pages are still to be written, so the tests look at status codes, the
database, ids and links, and compare wording through gettext.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils.translation import gettext

from members.models import Affiliation
from portal.personal_data.registry import DeletionRefused, delete_account
from tests.factories import AffiliationFactory, ApplicationFactory
from tests.support import personal_data as support
from tests.support.personal_data import DELETE, PAGE, confirm, deleted

pytestmark = pytest.mark.django_db


# Fixtures of tests/support/personal_data.py that these tests ask for by name.
person = support.person


# --- Who may delete ---------------------------------------------------------------------------


def test_the_only_contact_of_a_member_is_asked_to_name_a_successor_first(
    client, contact_a, member_a
):
    client.force_login(contact_a)

    page = client.get(DELETE)
    response = confirm(client)

    assert b"data-refusal" in page.content
    assert b"delete-account-form" not in page.content
    assert response.status_code == 403
    assert not deleted(contact_a)
    with pytest.raises(DeletionRefused):
        delete_account(contact_a)
    assert b"data-refusal" in client.get(PAGE).content


def test_the_only_contact_with_an_open_application_is_refused_too(contact_a, organisation_a):
    ApplicationFactory(organisation=organisation_a, created_by=contact_a)

    with pytest.raises(DeletionRefused):
        delete_account(contact_a)


def test_a_contact_with_a_second_contact_may_delete(contact_a, member_a):
    AffiliationFactory(organisation=member_a, role=Affiliation.Role.CONTACT)

    delete_account(contact_a)

    assert deleted(contact_a)


def test_the_only_contact_of_a_municipality_without_membership_or_application_may_delete(
    contact_a, organisation_a
):
    ApplicationFactory(organisation=organisation_a, created_by=contact_a, status="rejected")

    delete_account(contact_a)

    assert deleted(contact_a)
    assert not organisation_a.affiliations.exists()


def test_a_head_of_administration_may_delete_while_a_contact_remains(head_a, contact_a, member_a):
    delete_account(head_a)

    assert deleted(head_a)


def test_staff_accounts_are_not_deleted_here(client, staff_user):
    client.force_login(staff_user)

    page = client.get(DELETE)
    response = confirm(client)

    assert page.status_code == 200
    assert b"data-refusal" in page.content
    assert response.status_code == 403
    assert not deleted(staff_user)
    with pytest.raises(DeletionRefused):
        delete_account(staff_user)


def test_a_person_without_a_municipality_may_delete(client, user_without_organisation):
    client.force_login(user_without_organisation)

    response = confirm(client)

    assert response.status_code == 302
    assert deleted(user_without_organisation)


# --- Bad input --------------------------------------------------------------------------------


def test_a_wrong_password_keeps_the_form_and_shows_the_error(client, person):
    client.force_login(person)

    response = confirm(client, password="falsch")

    assert response.status_code == 200
    assert not deleted(person)
    form = response.context["form"]
    assert form.errors["password"] == [gettext("The password is not correct.")]
    html = response.content.decode()
    assert 'id="id_password_error"' in html
    assert re.search(r'<input[^>]*name="understood"[^>]*checked', html)


def test_the_confirmation_box_must_be_ticked(client, person):
    client.force_login(person)

    response = confirm(client, understood=False)

    assert response.status_code == 200
    assert "understood" in response.context["form"].errors
    assert not deleted(person)


def test_too_many_wrong_passwords_are_stopped(client, person):
    client.force_login(person)
    for _ in range(10):
        confirm(client, password="falsch")

    response = confirm(client)

    assert response.status_code == 200
    assert not deleted(person)
    assert response.context["form"].errors["password"][0] != gettext("The password is not correct.")


def test_deleting_needs_the_csrf_token(person):
    client = Client(enforce_csrf_checks=True)
    client.force_login(person)

    response = confirm(client)

    assert response.status_code == 403
    assert not deleted(person)
