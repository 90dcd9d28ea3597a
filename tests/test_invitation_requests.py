"""A stranger who picks a municipality that is already in the portal learns nobody's name or
address; the portal asks its contact persons to invite the stranger, at most once a day."""

from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage

import mailparser
import pytest
from django.urls import reverse

from members.models import Affiliation, Application
from members.people.services import INVITATION_REQUESTS_PER_ORGANISATION
from portal.models import OutboundEmail
from portal.outbox.tasks import build_message
from tests.factories import AffiliationFactory, UserFactory

pytestmark = pytest.mark.django_db

START = "/antrag/neu/"
REQUEST = "/antrag/einladung-erbitten/"
KIND = "members/invitation_request"


@pytest.fixture
def stranger(db):
    return UserFactory(full_name="Mallory <b>Klick hier</b>", email="neu@stadt.example")


def ask(client, organisation):
    return client.post(REQUEST, {"authority": organisation.authority.ags})


def requests_sent():
    return OutboundEmail.objects.filter(kind=KIND)


# --- Nothing disclosed ------------------------------------------------------------------------


def test_a_stranger_starting_an_application_for_a_municipality_in_the_portal_sees_no_people(
    client, stranger, organisation_a, contact_a, head_a, colleague_a
):
    client.force_login(stranger)
    response = client.post(START, {"authority": organisation_a.authority.ags})
    assert response.status_code == 200
    for person in (contact_a, head_a, colleague_a):
        assert person.email not in response.text
        assert person.get_full_name() not in response.text
    assert 'id="invitation-request-form"' in response.text
    assert "bereits im Portal" in response.text
    assert not Application.objects.exists()
    assert not Affiliation.objects.filter(user=stranger).exists()


def test_a_stranger_choosing_a_member_sees_no_people_either(client, stranger, member_a, contact_a):
    client.force_login(stranger)
    response = client.post(START, {"authority": member_a.authority.ags})
    assert contact_a.email not in response.text
    assert 'id="invitation-request-form"' in response.text


def test_a_member_without_people_points_to_the_network_team(client, stranger, member_a, settings):
    client.force_login(stranger)
    response = client.post(START, {"authority": member_a.authority.ags})
    assert settings.PORTAL_TEAM_EMAIL in response.text
    assert 'id="invitation-request-form"' not in response.text


def test_the_search_says_which_municipalities_are_members_or_in_the_portal(
    client, stranger, member_a, organisation_b, contact_b
):
    client.force_login(stranger)
    member = client.get(START, {"q": member_a.authority.ags})
    assert 'data-portal-state="member"' in member.text
    assert "bereits Mitglied" in member.text
    in_portal = client.get(START, {"q": organisation_b.authority.ags})
    assert 'data-portal-state="in_portal"' in in_portal.text
    assert contact_b.email not in in_portal.text
    free = client.get(START, {"q": "05754008"})
    assert "data-portal-state" not in free.text


# --- The request ------------------------------------------------------------------------------


def test_the_request_goes_to_the_contacts_and_the_head_but_not_to_colleagues(
    client, stranger, organisation_a, contact_a, head_a, colleague_a
):
    client.force_login(stranger)
    response = ask(client, organisation_a)
    assert response["Location"] == reverse("dashboard")
    assert sorted(requests_sent().values_list("to", flat=True)) == sorted(
        [contact_a.email, head_a.email]
    )
    page = client.get(reverse("dashboard"))
    assert contact_a.email not in page.text
    assert stranger.email in page.text


def test_the_request_mail_names_only_the_confirmed_address_and_reads_back(
    client, stranger, organisation_a, contact_a
):
    client.force_login(stranger)
    ask(client, organisation_a)
    stored = requests_sent().get()
    raw = build_message(stored).message().as_bytes()

    strict = policy.default.clone(raise_on_defect=True)
    message = email.message_from_bytes(raw, policy=strict)
    assert isinstance(message, EmailMessage)
    assert message["To"].addresses[0].addr_spec == contact_a.email
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for body in (text, html):
        assert stranger.email in body
        assert "/kommune/personen/?email=neu%40stadt.example#invite-form" in body
        # The name is typed by the stranger: it never reaches someone else's mailbox.
        assert "Mallory" not in body
        assert "Klick hier" not in body

    parsed = mailparser.parse_from_bytes(raw)
    assert parsed.to == [("", contact_a.email)]
    assert organisation_a.authority.name in parsed.subject
    assert stranger.email in parsed.text_plain[0]
    assert "Mallory" not in parsed.text_plain[0]
    assert parsed.defects == []


def test_a_second_request_on_the_same_day_sends_nothing(
    client, stranger, organisation_a, contact_a
):
    client.force_login(stranger)
    ask(client, organisation_a)
    again = client.post(REQUEST, {"authority": organisation_a.authority.ags}, follow=True)
    assert "bereits" in again.text
    assert requests_sent().count() == 1


def test_a_municipality_gets_only_a_few_requests_a_day(client, organisation_a, contact_a):
    for _ in range(INVITATION_REQUESTS_PER_ORGANISATION + 2):
        client.force_login(UserFactory())
        ask(client, organisation_a)
    assert requests_sent().count() == INVITATION_REQUESTS_PER_ORGANISATION


def test_one_person_may_ask_two_municipalities(
    client, stranger, organisation_a, contact_a, organisation_b, contact_b
):
    client.force_login(stranger)
    ask(client, organisation_a)
    ask(client, organisation_b)
    assert sorted(requests_sent().values_list("to", flat=True)) == sorted(
        [contact_a.email, contact_b.email]
    )


# --- Who may not ------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login(client, organisation_a, contact_a):
    response = ask(client, organisation_a)
    assert response["Location"].startswith("/konto/login/")
    assert not requests_sent().exists()


def test_someone_of_another_municipality_cannot_ask(client, organisation_a, contact_a, contact_b):
    client.force_login(contact_b)
    response = client.post(REQUEST, {"authority": organisation_a.authority.ags}, follow=True)
    assert "gehört bereits zu" in response.text
    assert not requests_sent().exists()


def test_a_colleague_cannot_ask_for_their_own_municipality(client, organisation_a, contact_a):
    colleague = AffiliationFactory(
        organisation=organisation_a, role=Affiliation.Role.COLLEAGUE
    ).user
    client.force_login(colleague)
    ask(client, organisation_a)
    assert not requests_sent().exists()


def test_an_account_with_an_unconfirmed_address_cannot_ask(client, organisation_a, contact_a):
    client.force_login(UserFactory(verified=False))
    response = client.post(REQUEST, {"authority": organisation_a.authority.ags}, follow=True)
    assert "bestätigen Sie" in response.text
    assert not requests_sent().exists()


# --- Bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize("ags", ["", "09162000", "0551\x005000", "x" * 500])
def test_a_bad_choice_gets_a_message_and_no_mail(client, stranger, organisation_a, contact_a, ags):
    client.force_login(stranger)
    response = client.post(REQUEST, {"authority": ags}, follow=True)
    assert response.status_code == 200
    assert "kern-alert--danger" in response.text or "wählen Sie" in response.text
    assert not requests_sent().exists()


def test_a_municipality_not_in_the_portal_sends_nothing(client, stranger):
    client.force_login(stranger)
    response = client.post(REQUEST, {"authority": "05754008"})
    assert response.status_code == 302
    assert not requests_sent().exists()


def test_the_request_cannot_be_made_with_get(client, stranger):
    client.force_login(stranger)
    assert client.get(REQUEST).status_code == 405


# --- The link in the mail ---------------------------------------------------------------------


def test_the_link_fills_in_the_invitation_form(client, contact_a):
    client.force_login(contact_a)
    response = client.get("/kommune/personen/", {"email": "neu@stadt.example"})
    assert 'value="neu@stadt.example"' in response.text


def test_a_bad_address_in_the_link_is_left_out(client, contact_a):
    client.force_login(contact_a)
    response = client.get("/kommune/personen/", {"email": '"><script>x</script>'})
    assert response.status_code == 200
    assert "<script>x" not in response.text
    assert 'name="email" value' not in response.text
