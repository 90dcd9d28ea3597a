from __future__ import annotations

import email
import re
from email.message import EmailMessage

import mailparser
import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.conf import settings
from django.core import mail

from portal.models import OutboundEmail, User
from portal.outbox.tasks import build_message
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
    assert stored.subject == "Bitte bestätigen Sie Ihre E-Mail-Adresse"
    assert stored.body_text.startswith("Guten Tag,")
    assert "Hallo von" not in stored.body_text
    assert "<html" in stored.body_html
    assert len(mail.outbox) == 1


PHISHING_NAME = "Team. WICHTIG: Ihr Konto wird gesperrt, https://evil.example/login bestätigen"


def _parsed(stored: OutboundEmail) -> tuple[str, str]:
    """Text and HTML of the mail as sent, read back by two independent parsers."""
    raw = build_message(stored).message().as_bytes()
    strict = email.policy.default.clone(raise_on_defect=True)
    message = email.message_from_bytes(raw, policy=strict)
    assert isinstance(message, EmailMessage)
    plain, rich = message.get_body(("plain",)), message.get_body(("html",))
    assert plain is not None
    assert rich is not None
    text, html = plain.get_content(), rich.get_content()
    other = mailparser.parse_from_bytes(raw)
    assert other.defects == []
    assert [" ".join(t.split()) for t in other.text_plain] == [" ".join(text.split())]
    return text, html


@pytest.mark.parametrize("registered_before", [False, True])
def test_a_name_typed_at_sign_up_never_reaches_the_mail_to_the_address(
    client, django_capture_on_commit_callbacks, registered_before
):
    """Anyone may sign up with somebody else's address; the mail that address gets must not
    carry the stranger's text, least of all as a link (issue 17, item 7)."""
    if registered_before:
        UserFactory(email="erika@kommune.example", full_name="Erika Engagiert")
    with django_capture_on_commit_callbacks(execute=True):
        response = signup(client, full_name=PHISHING_NAME)
    assert response.status_code == 302
    (stored,) = OutboundEmail.objects.filter(to="erika@kommune.example")
    text, html = _parsed(stored)
    for body in (stored.subject, text, html):
        assert "evil.example" not in body
        assert "WICHTIG" not in body
    links = re.findall(r'href="([^"]+)"', html)
    assert links
    assert all(link.startswith(settings.PORTAL_BASE_URL) for link in links)


def test_the_confirmation_page_speaks_formally_and_names_no_typed_name(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        signup(client, full_name=PHISHING_NAME)
    stored = OutboundEmail.objects.get(to="erika@kommune.example")
    path = re.search(r"/konto/confirm-email/[^/\s]+/", stored.body_text).group(0)
    page = client.get(path)
    assert page.status_code == 200
    assert "Bitte bestätigen Sie" in page.text
    assert "bestätige," not in page.text
    assert "evil.example" not in page.text


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
