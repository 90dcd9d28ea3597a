"""A person's own data: the download, and the page that explains it and the deletion.

German texts for these pages are still to be written, so the tests look at status codes, the
database, ids and links, and compare wording through gettext.
"""

from __future__ import annotations

import json
from typing import cast

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings.events import services
from meetings.models import Event, Session, SessionChoice
from members.models import Affiliation, Application, ApplicationTransition
from portal.models import OutboundEmail
from portal.personal_data.registry import export_user_data
from tests.factories import (
    PASSWORD,
    ApplicationFactory,
    EventFactory,
    OrganisationFactory,
    SessionFactory,
)
from tests.support import personal_data as support
from tests.support.personal_data import DELETE, PAGE, RECOVERY_SEED, TOTP_SECRET, deleted

pytestmark = pytest.mark.django_db


# Fixtures of tests/support/personal_data.py that these tests ask for by name.
full_data = support.full_data
person = support.person


EXPORT = reverse("personal_data_export")


# --- The download -----------------------------------------------------------------------------


def test_the_export_holds_the_persons_data_from_every_app(person, full_data):
    data = export_user_data(person)

    assert data["account"]["email"] == person.email
    assert data["account"]["full_name"] == person.full_name
    assert [a["email"] for a in data["email_addresses"]] == [person.email]
    assert data["two_factor_authentication"] == {"authenticator_app": True, "recovery_codes": True}
    assert [s["topic"] for s in data["subscriptions"]] == ["Kurzformate"]
    assert data["unsubscribes"][0]["topic"] is None
    assert any(e["kind"] == "meetings/registration_confirmed" for e in data["emails"])
    members = data["members"]
    assert members["affiliation"]["role"] == Affiliation.Role.COLLEAGUE
    assert members["affiliation"]["office"] == "Büro"
    assert members["applications_started"][0]["id"] == full_data["application"].pk
    assert members["application_steps"][0]["note"] == "Los geht's"
    assert members["consent_records"][0]["given"] is True
    assert members["consent_records"][0]["published_data"]["office"] == "Büro"
    (registration,) = data["meetings"]["registrations"]
    assert registration["event"] == "Netzwerktreffen Münster"
    assert registration["needs"] == "Rollstuhlplatz bitte"
    assert registration["answers"] == [{"question": "Abendessen?", "answer": "ja"}]
    assert registration["sessions"][0]["session"] == "Workshop Ehrenamtskarte"
    assert data["meetings"]["calendar_feed"]["exists"] is True
    (signature,) = data["declarations"]["signatures_entered"]
    assert signature["verification_code"] == full_data["signature"].verification_code


def test_the_export_holds_nothing_of_colleagues(person, contact_a, full_data):
    text = json.dumps(export_user_data(person), ensure_ascii=False)

    assert "Glutenfrei für die Kollegin" not in text
    assert contact_a.email not in text
    assert contact_a.full_name not in text
    assert len(export_user_data(person)["meetings"]["registrations"]) == 1


def test_the_export_holds_no_secrets(person, full_data):
    text = json.dumps(export_user_data(person), ensure_ascii=False)

    assert person.password not in text  # the hash
    assert "pbkdf2" not in text
    assert "argon2" not in text
    assert TOTP_SECRET not in text
    assert RECOVERY_SEED not in text
    assert person.calendar_feed.token not in text
    for email in OutboundEmail.objects.filter(to=person.email):
        assert email.body_text not in text


def test_the_download_is_a_json_attachment_that_is_not_cached(client, person, full_data):
    client.force_login(person)

    response = client.get(EXPORT)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"{timezone.localdate().isoformat()}.json" in disposition
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["account"]["email"] == person.email


def test_the_download_takes_the_same_number_of_queries_for_more_data(
    person, member_a, django_assert_max_num_queries
):
    def register_for(count: int) -> None:
        for _ in range(count):
            registration = services.register(cast(Event, EventFactory()), person, person)
            session = cast(Session, SessionFactory(slot__event=registration.event))
            SessionChoice.objects.create(
                registration=registration, slot=session.slot, session=session, status="confirmed"
            )
            application = cast(
                Application,
                ApplicationFactory(
                    organisation=OrganisationFactory(), created_by=person, status="rejected"
                ),
            )
            ApplicationTransition.objects.create(
                application=application, to_status="draft", actor=person
            )

    register_for(1)
    with django_assert_max_num_queries(30):
        small = export_user_data(person)
    register_for(9)
    with django_assert_max_num_queries(30):
        large = export_user_data(person)
    assert len(small["meetings"]["registrations"]) == 1
    assert len(large["meetings"]["registrations"]) == 10


def test_the_page_explains_and_links_the_download_and_the_deletion(client, person):
    client.force_login(person)

    response = client.get(PAGE)

    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="{EXPORT}"' in html
    assert f'href="{DELETE}"' in html
    assert html.count("<h1") == 1


def test_the_dashboard_and_the_privacy_policy_link_both_pages(client, person):
    client.force_login(person)

    dashboard = client.get(reverse("dashboard")).content.decode()
    privacy = client.get(reverse("privacy")).content.decode()

    for html in (dashboard, privacy):
        assert f'href="{PAGE}"' in html
        assert f'href="{DELETE}"' in html


@pytest.mark.parametrize("url", [PAGE, EXPORT, DELETE])
def test_anonymous_people_are_sent_to_the_login(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_anonymous_posts_delete_nothing(client, person):
    response = client.post(DELETE, {"password": PASSWORD, "understood": "on"})

    assert response.status_code == 302
    assert not deleted(person)
