"""The municipality's people: inviting, and accepting an invitation by its link.

German texts for these pages are still to be written, so the tests look at status codes,
the database, ids and links rather than at wording.
"""

from __future__ import annotations

import re
import time

import pytest
from django.conf import settings
from django.core import signing
from django.urls import reverse

from members.models import Affiliation, Invitation
from members.people import services
from portal.models import OutboundEmail
from tests.factories import PASSWORD, AffiliationFactory, UserFactory
from tests.support.people import INVITE, PEOPLE, levels, logged_in, remove_url

pytestmark = pytest.mark.django_db


LOGIN = reverse("account_login")


LINK = re.compile(r"/einladung/([^/\s\"<]+)/")


def accept_url(token: str) -> str:
    return reverse("members:accept_invitation", args=[token])


def invite_by_mail(client, contact, email="neu@kommune.example", role="colleague") -> str:
    """Invite through the page and return the token from the mail's link."""
    logged_in(client, contact)
    response = client.post(INVITE, {"email": email, "role": role})
    assert response.status_code == 302
    mail = OutboundEmail.objects.get(to=email, kind="members/invitation")
    match = LINK.search(mail.body_text)
    assert match, mail.body_text
    client.logout()
    return match.group(1)


# --- Inviting ---------------------------------------------------------------------------------


def test_a_contact_invites_and_the_mail_carries_the_link(client, contact_a):
    response = logged_in(client, contact_a).post(
        INVITE, {"email": " Neu@Kommune.example ", "role": "contact"}
    )
    assert response.status_code == 302
    assert response["Location"] == PEOPLE
    assert levels(response) == ["success"]
    invitation = Invitation.objects.get()
    assert invitation.email == "neu@kommune.example"
    assert invitation.role == Affiliation.Role.CONTACT
    assert invitation.invited_by == contact_a
    mail = OutboundEmail.objects.get(kind="members/invitation")
    assert mail.to == "neu@kommune.example"
    token = LINK.search(mail.body_text).group(1)
    assert f"{settings.PORTAL_BASE_URL}{accept_url(token)}" in mail.body_text
    assert f'href="{settings.PORTAL_BASE_URL}{accept_url(token)}"' in mail.body_html
    assert services.invitation_from_token(token) == invitation
    assert str(contact_a.affiliation.organisation.authority.name) in mail.subject


def test_the_invitation_names_the_inviter_by_confirmed_address_never_by_typed_name(
    client, contact_a
):
    contact_a.full_name = "Team. WICHTIG: Konto sperren https://evil.example/login"
    contact_a.save()
    logged_in(client, contact_a).post(INVITE, {"email": "neu@kommune.example", "role": "head"})

    mail = OutboundEmail.objects.get(kind="members/invitation")
    for body in (mail.body_text, mail.body_html):
        assert "evil.example" not in body
        assert "WICHTIG" not in body
        assert contact_a.email in body


@pytest.mark.parametrize("role", ["colleague", "contact", "head"])
def test_a_contact_may_invite_in_each_role(client, contact_a, role):
    logged_in(client, contact_a).post(INVITE, {"email": "x@kommune.example", "role": role})
    assert Invitation.objects.get().role == role


def test_a_colleague_may_not_invite(client, colleague_a):
    response = logged_in(client, colleague_a).post(
        INVITE, {"email": "x@kommune.example", "role": "colleague"}
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_a_bad_address_is_explained_next_to_the_field_and_kept(client, contact_a):
    response = logged_in(client, contact_a).post(
        INVITE, {"email": "<b>keine-adresse", "role": "colleague"}
    )
    assert response.status_code == 200
    assert 'id="id_email_error"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert 'value="&lt;b&gt;keine-adresse"' in response.text
    assert "<b>keine" not in response.text
    assert not Invitation.objects.exists()


def test_an_unknown_role_is_refused(client, contact_a):
    response = logged_in(client, contact_a).post(
        INVITE, {"email": "x@kommune.example", "role": "admin"}
    )
    assert response.status_code == 200
    assert 'id="id_role_error"' in response.text
    assert not Invitation.objects.exists()


def test_inviting_someone_who_already_belongs_is_refused(client, contact_a, colleague_a):
    response = logged_in(client, contact_a).post(
        INVITE, {"email": colleague_a.email.upper(), "role": "colleague"}
    )
    assert response.status_code == 200
    assert 'id="id_email_error"' in response.text
    assert not Invitation.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_inviting_by_get_is_not_allowed(client, contact_a):
    assert logged_in(client, contact_a).get(INVITE).status_code == 405


# --- Accepting --------------------------------------------------------------------------------


def test_an_invitation_is_accepted_end_to_end(client, contact_a):
    token = invite_by_mail(client, contact_a, "neu@kommune.example", "contact")
    newcomer = UserFactory(email="neu@kommune.example")
    logged_in(client, newcomer)

    page = client.get(accept_url(token))
    assert page.status_code == 200
    assert 'id="accept-form"' in page.text
    assert str(contact_a.affiliation.organisation) in page.text
    assert not Affiliation.objects.filter(user=newcomer).exists()

    response = client.post(accept_url(token))
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    assert levels(response) == ["success"]
    affiliation = Affiliation.objects.get(user=newcomer)
    assert affiliation.organisation == contact_a.affiliation.organisation
    assert affiliation.role == Affiliation.Role.CONTACT
    invitation = Invitation.objects.get()
    assert invitation.accepted_by == newcomer
    assert invitation.accepted_at is not None

    assert client.get(PEOPLE).status_code == 200


def test_an_anonymous_visitor_of_the_link_may_register_or_log_in_and_the_link_is_kept(
    client, contact_a
):
    token = invite_by_mail(client, contact_a, "neu@kommune.example")
    client.logout()
    response = client.get(accept_url(token))
    assert response.status_code == 200
    assert 'id="accept-form"' not in response.text
    assert f'href="{reverse("account_signup")}?email=neu%40kommune.example"' in response.text
    assert f'href="{reverse("account_login")}"' in response.text
    assert client.session["members.pending_invitation"] == token


def test_logging_in_after_opening_the_link_accepts_the_invitation(client, contact_a):
    token = invite_by_mail(client, contact_a, "neu@kommune.example")
    client.logout()
    newcomer = UserFactory(email="neu@kommune.example")
    client.get(accept_url(token))
    response = client.post(LOGIN, {"login": "neu@kommune.example", "password": PASSWORD})
    assert response["Location"] == reverse("dashboard")
    affiliation = Affiliation.objects.get(user=newcomer)
    assert affiliation.organisation == contact_a.affiliation.organisation
    assert "members.pending_invitation" not in client.session
    assert "Willkommen" in client.get(reverse("dashboard")).text


def test_logging_in_with_another_address_after_the_link_says_why_and_accepts_nothing(
    client, contact_a
):
    token = invite_by_mail(client, contact_a, "neu@kommune.example")
    client.logout()
    other = UserFactory(email="anders@kommune.example")
    client.get(accept_url(token))
    client.post(LOGIN, {"login": other.email, "password": PASSWORD})
    assert not Affiliation.objects.filter(user=other).exists()
    assert "neu@kommune.example" in client.get(reverse("dashboard")).text


def test_signing_up_and_confirming_after_the_link_lands_in_the_municipality(client, contact_a):
    token = invite_by_mail(client, contact_a, "chefin@kommune.example", "head")
    client.get(accept_url(token))
    signed_up = client.post(
        reverse("account_signup"),
        {
            "full_name": "Berta Bürgermeisterin",
            "email": "chefin@kommune.example",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert signed_up.status_code == 302
    confirmation = OutboundEmail.objects.get(
        to="chefin@kommune.example", kind__startswith="account/"
    )
    key_path = re.search(r"/konto/confirm-email/[^/\s]+/", confirmation.body_text)
    assert key_path, confirmation.body_text
    confirmed = client.post(key_path.group(0))
    assert confirmed["Location"] == reverse("dashboard")
    affiliation = Affiliation.objects.get(user__email="chefin@kommune.example")
    assert affiliation.role == Affiliation.Role.HEAD
    assert affiliation.organisation == contact_a.affiliation.organisation
    assert Invitation.objects.get().accepted_at is not None
    dashboard = client.get(reverse("dashboard"))
    assert dashboard.status_code == 200
    assert "Willkommen" in dashboard.text


def test_an_anonymous_visitor_of_a_broken_or_used_link_keeps_nothing(client, contact_a):
    assert client.get(accept_url("kaputt")).status_code == 400
    assert "members.pending_invitation" not in client.session


def test_someone_with_another_address_cannot_accept(client, contact_a):
    token = invite_by_mail(client, contact_a, "neu@kommune.example")
    stranger = UserFactory(email="fremd@kommune.example")
    logged_in(client, stranger)
    page = client.get(accept_url(token))
    assert page.status_code == 400
    assert 'id="invitation-problem"' in page.text
    assert 'id="accept-form"' not in page.text
    assert "neu@kommune.example" in page.text
    assert client.post(accept_url(token)).status_code == 400
    assert not Affiliation.objects.filter(user=stranger).exists()
    assert Invitation.objects.get().accepted_at is None


def test_a_used_link_cannot_be_used_again(client, contact_a):
    token = invite_by_mail(client, contact_a, "neu@kommune.example")
    newcomer = UserFactory(email="neu@kommune.example")
    logged_in(client, newcomer).post(accept_url(token))
    assert Affiliation.objects.filter(user=newcomer).exists()

    # The newcomer leaves again; the old link does not bring them back.
    client.post(remove_url(newcomer))
    assert not Affiliation.objects.filter(user=newcomer).exists()
    assert client.get(accept_url(token)).status_code == 400
    assert client.post(accept_url(token)).status_code == 400
    other = UserFactory(email="anders@kommune.example")
    logged_in(client, other)
    page = client.get(accept_url(token))
    assert page.status_code == 400
    assert 'id="invitation-problem"' in page.text
    assert client.post(accept_url(token)).status_code == 400
    assert not Affiliation.objects.filter(user__in=[newcomer, other]).exists()


def test_the_person_who_accepted_is_sent_to_the_people_page_when_reopening(client, contact_a):
    token = invite_by_mail(client, contact_a, "neu@kommune.example")
    newcomer = UserFactory(email="neu@kommune.example")
    logged_in(client, newcomer).post(accept_url(token))
    response = client.get(accept_url(token))
    assert response.status_code == 302
    assert response["Location"] == PEOPLE


def days_later(monkeypatch, days: float) -> None:
    """Let the signature check believe that the days have passed (and nothing else)."""
    later = time.time() + days * 24 * 3600
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)


def test_an_expired_link_is_refused_with_a_clear_page(client, contact_a, monkeypatch):
    token = invite_by_mail(client, contact_a, "neu@kommune.example")
    newcomer = UserFactory(email="neu@kommune.example")
    logged_in(client, newcomer)
    days_later(monkeypatch, 15)
    page = client.get(accept_url(token))
    assert page.status_code == 400
    assert 'id="invitation-problem"' in page.text
    assert client.post(accept_url(token)).status_code == 400
    assert not Affiliation.objects.filter(user=newcomer).exists()


def test_a_link_is_still_valid_after_thirteen_days(client, contact_a, monkeypatch):
    token = invite_by_mail(client, contact_a, "neu@kommune.example")
    newcomer = UserFactory(email="neu@kommune.example")
    logged_in(client, newcomer)
    days_later(monkeypatch, 13)
    response = client.post(accept_url(token))
    assert response.status_code == 302
    assert Affiliation.objects.filter(user=newcomer).exists()


def test_the_token_expires_after_fourteen_days():
    assert services.INVITATION_MAX_AGE.days == 14


@pytest.mark.parametrize(
    "token",
    [
        "abc",
        "eyJpbnZpdGF0aW9uIjoxfQ:1tXyz0:forged-signature",
        signing.dumps({"invitation": 1}, salt="other.salt"),
        signing.dumps({"invitation": "1"}, salt="members.invitation"),
        signing.dumps([1], salt="members.invitation"),
    ],
    ids=["garbage", "forged", "other-salt", "pk-as-text", "not-a-dict"],
)
def test_a_broken_or_forged_link_gives_a_clear_page_not_an_error(client, colleague_a, token):
    logged_in(client, UserFactory())
    for method in (client.get, client.post):
        response = method(accept_url(token))
        assert response.status_code == 400
        assert 'id="invitation-problem"' in response.text


def test_a_link_to_a_deleted_invitation_is_refused(client, contact_a):
    token = invite_by_mail(client, contact_a, "neu@kommune.example")
    Invitation.objects.all().delete()
    logged_in(client, UserFactory(email="neu@kommune.example"))
    assert client.get(accept_url(token)).status_code == 400


def test_someone_of_another_municipality_cannot_accept(client, contact_a, organisation_b):
    token = invite_by_mail(client, contact_a, "neu@kommune.example")
    elsewhere = AffiliationFactory(
        organisation=organisation_b,
        role=Affiliation.Role.COLLEAGUE,
        user=UserFactory(email="neu@kommune.example"),
    ).user
    logged_in(client, elsewhere)
    assert client.get(accept_url(token)).status_code == 400
    assert client.post(accept_url(token)).status_code == 400
    assert Affiliation.objects.get(user=elsewhere).organisation == organisation_b
