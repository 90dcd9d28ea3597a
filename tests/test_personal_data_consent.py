"""A person's own data: the records of their public contact consent.

German texts for these pages are still to be written, so the tests look at status codes, the
database, ids and links, and compare wording through gettext.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from members.directory import services as directory_services
from members.models import ConsentRecord
from tests.factories import AffiliationFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


# --- Consent records --------------------------------------------------------------------------


def test_giving_and_withdrawing_consent_each_add_a_record(colleague_a):
    affiliation = colleague_a.affiliation

    directory_services.set_public_contact(affiliation, colleague_a, consent=True, office="Leitung")
    directory_services.set_public_contact(affiliation, colleague_a, consent=False)

    withdrawn, given = ConsentRecord.objects.filter(user=colleague_a)  # newest first
    assert given.given
    assert not withdrawn.given
    assert given.kind == withdrawn.kind == ConsentRecord.Kind.PUBLIC_CONTACT
    expected = {"name": colleague_a.full_name, "office": "Leitung", "email": colleague_a.email}
    assert given.details == expected
    assert withdrawn.details == expected
    assert given.organisation == affiliation.organisation


def test_saving_the_same_choice_again_adds_no_record_but_a_new_office_does(colleague_a):
    affiliation = colleague_a.affiliation
    directory_services.set_public_contact(affiliation, colleague_a, consent=False)
    directory_services.set_public_contact(affiliation, colleague_a, consent=True, office="A")
    directory_services.set_public_contact(affiliation, colleague_a, consent=True, office="A")
    assert ConsentRecord.objects.count() == 1

    directory_services.set_public_contact(affiliation, colleague_a, consent=True, office="B")

    assert ConsentRecord.objects.count() == 2
    assert ConsentRecord.objects.first().details["office"] == "B"


def test_the_profile_page_shows_the_persons_own_consent_history(client, colleague_a, contact_a):
    directory_services.set_public_contact(contact_a.affiliation, contact_a, consent=True)
    directory_services.set_public_contact(colleague_a.affiliation, colleague_a, consent=True)
    directory_services.set_public_contact(colleague_a.affiliation, colleague_a, consent=False)
    client.force_login(colleague_a)

    html = client.get(reverse("members:profile_edit")).content.decode()

    assert html.count('data-consent-record="given"') == 1
    assert html.count('data-consent-record="withdrawn"') == 1


def test_consent_records_are_read_only_in_admin_even_for_superusers(
    client, staff_user, colleague_a, settings
):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    directory_services.set_public_contact(colleague_a.affiliation, colleague_a, consent=True)
    record = ConsentRecord.objects.get()
    client.force_login(staff_user)
    change = reverse("admin:members_consentrecord_change", args=[record.pk])

    listing = client.get(reverse("admin:members_consentrecord_changelist"))
    detail = client.get(change)
    add = client.get(reverse("admin:members_consentrecord_add"))
    post = client.post(change, {"given": ""})
    delete = client.post(
        reverse("admin:members_consentrecord_delete", args=[record.pk]), {"post": "yes"}
    )

    assert listing.status_code == 200
    assert detail.status_code == 200
    assert b'name="_save"' not in detail.content
    assert add.status_code == 403
    assert post.status_code == 403
    assert delete.status_code == 403
    record.refresh_from_db()
    assert record.given is True


def test_the_admin_list_filters_and_searches_consent_records(client, staff_user, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    given = AffiliationFactory(organisation=OrganisationFactory())
    withdrawn = AffiliationFactory(organisation=OrganisationFactory())
    directory_services.set_public_contact(given, given.user, consent=True)
    directory_services.set_public_contact(withdrawn, withdrawn.user, consent=True)
    directory_services.set_public_contact(withdrawn, withdrawn.user, consent=False)
    client.force_login(staff_user)
    url = reverse("admin:members_consentrecord_changelist")

    only_withdrawn = client.get(url, {"given__exact": "0"})
    by_name = client.get(url, {"q": given.organisation.authority.name})

    assert only_withdrawn.context["cl"].result_count == 1
    assert by_name.context["cl"].result_count == 1
