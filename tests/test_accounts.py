from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core import mail

from portal.models import OutboundEmail, User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SIGNUP = "/konto/signup/"
LOGIN = "/konto/login/"


def signup(client, **overrides):
    data = {
        "full_name": "Erika Engagiert",
        "email": "erika@kommune.example",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **overrides,
    }
    return client.post(SIGNUP, data)


def test_signup_needs_a_name_and_keeps_what_was_typed(client):
    response = signup(client, full_name="   ")
    assert response.status_code == 200
    assert "Bitte geben Sie Ihren Namen ein." in response.text
    assert 'value="erika@kommune.example"' in response.text
    assert not User.objects.exists()


def test_signup_asks_to_verify_the_address_through_the_outbox(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = signup(client)
    assert response.status_code == 302
    user = User.objects.get(email="erika@kommune.example")
    assert user.full_name == "Erika Engagiert"
    stored = OutboundEmail.objects.get(to="erika@kommune.example")
    assert stored.kind == "account/email_confirmation_signup"
    assert stored.status == OutboundEmail.Status.SENT
    assert "/konto/confirm-email/" in stored.body_text
    assert stored.body_text.startswith("Hallo von Kommunen-Netzwerk: engagiert in NRW!")
    assert "<html" in stored.body_html
    assert len(mail.outbox) == 1


def test_login_is_refused_until_the_address_is_verified(client):
    UserFactory(email="unverified@kommune.example", verified=False)
    response = client.post(LOGIN, {"login": "unverified@kommune.example", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/konto/confirm-email/"
    assert "_auth_user_id" not in client.session


def test_login_with_email_and_password_lands_on_the_dashboard(client):
    UserFactory(email="ada@kommune.example")
    response = client.post(LOGIN, {"login": "ADA@kommune.example", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/mein-bereich/"


def test_a_wrong_password_gets_a_german_message_and_keeps_the_address(client):
    UserFactory(email="ada@kommune.example")
    response = client.post(LOGIN, {"login": "ada@kommune.example", "password": "falsch"})
    assert response.status_code == 200
    assert "E-Mail-Adresse und/oder das Passwort sind leider falsch" in response.text
    assert 'value="ada@kommune.example"' in response.text


def test_repeated_failed_logins_are_rate_limited(client):
    UserFactory(email="ada@kommune.example")
    statuses = [
        client.post(LOGIN, {"login": "ada@kommune.example", "password": "falsch"}).status_code
        for _ in range(7)
    ]
    last = client.post(LOGIN, {"login": "ada@kommune.example", "password": "falsch"})
    assert statuses[0] == 200
    assert "zu viele" in last.text.lower() or last.status_code == 429


def test_password_reset_mail_goes_through_the_outbox(client, django_capture_on_commit_callbacks):
    UserFactory(email="ada@kommune.example", language="en")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/konto/password/reset/", {"email": "ada@kommune.example"})
    stored = OutboundEmail.objects.get(to="ada@kommune.example")
    assert stored.kind == "account/password_reset_key"
    assert stored.language == "en"
    assert re.search(r"/konto/password/reset/key/\S+/", stored.body_text)


def test_a_user_can_add_another_email_address(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        "/konto/email/", {"action_add": "", "email": "neu@kommune.example"}, follow=True
    )
    assert response.status_code == 200
    assert EmailAddress.objects.filter(user=user, email="neu@kommune.example").exists()


def test_staff_without_two_factor_cannot_open_admin(client, staff_user, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = True
    client.force_login(staff_user)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/konto/2fa/totp/activate/"


def test_staff_with_two_factor_can_open_admin(client, staff_user, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = True
    TOTP.activate(staff_user, generate_totp_secret())
    client.force_login(staff_user)
    assert client.get("/admin/").status_code == 200


def test_the_demo_setting_can_switch_the_staff_rule_off(client, staff_user, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    client.force_login(staff_user)
    assert client.get("/admin/").status_code == 200


def test_staff_with_two_factor_must_enter_a_code_when_logging_in(client, staff_user):
    secret = generate_totp_secret()
    TOTP.activate(staff_user, secret)
    response = client.post(LOGIN, {"login": staff_user.email, "password": PASSWORD})
    assert response["Location"] == "/konto/2fa/authenticate/"
    assert "_auth_user_id" not in client.session
    counter = next(yield_hotp_counters_from_time())
    code = format_hotp_value(hotp_value(secret, counter))
    response = client.post("/konto/2fa/authenticate/", {"code": code})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(staff_user.pk)


def test_admin_login_goes_through_the_portal_login(client):
    response = client.get("/admin/login/?next=/admin/members/authority/")
    assert response.status_code == 302
    assert response["Location"] == "/konto/login/?next=%2Fadmin%2Fmembers%2Fauthority%2F"


def test_admin_login_ignores_a_foreign_next_url(client):
    response = client.get("/admin/login/?next=https://evil.example/")
    assert response["Location"] == "/konto/login/?next=%2Fadmin%2F"


def test_a_colleague_who_is_not_staff_cannot_open_admin(client, contact_a):
    client.force_login(contact_a)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
