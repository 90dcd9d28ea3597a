"""The portal's security posture: login rate limits, and staff MFA beyond the admin index."""

from __future__ import annotations

import re

from allauth.account.adapter import get_adapter
from django.conf import settings as django_settings
from django.utils import translation

from meetings.models import Event
from tests.factories import PASSWORD, EventFactory, UserFactory
from tests.support.security import LOGIN, logged_in

MFA_SETUP = "/konto/2fa/totp/activate/"


def rate_of(action: str, per: str) -> int:
    """How many requests the configured allauth rate allows for `action` per ip/key/user."""
    for rate in django_settings.ACCOUNT_RATE_LIMITS[action].split(","):
        amount, _period, rate_per = rate.strip().split("/")
        if rate_per == per:
            return int(amount)
    raise AssertionError(f"no {per} rate for {action}")


# --- Login rate limits ------------------------------------------------------------------------


def test_after_the_allowed_failures_even_the_right_password_is_refused(db, client):
    UserFactory(email="ada@kommune.example")
    allowed = rate_of("login_failed", "key")
    wrong = {"login": "ada@kommune.example", "password": "falsch-geraten"}
    for _ in range(allowed):
        assert client.post(LOGIN, wrong).status_code == 200

    response = client.post(LOGIN, {"login": "ada@kommune.example", "password": PASSWORD})

    with translation.override("de"):
        refusal = str(get_adapter().error_messages["too_many_login_attempts"])
    assert response.status_code == 200
    assert refusal in response.text
    assert not logged_in(client)


def test_failures_for_one_address_do_not_lock_out_another(db, client):
    UserFactory(email="ada@kommune.example")
    UserFactory(email="bea@kommune.example")
    for _ in range(rate_of("login_failed", "key")):
        client.post(LOGIN, {"login": "ada@kommune.example", "password": "falsch-geraten"})

    response = client.post(LOGIN, {"login": "bea@kommune.example", "password": PASSWORD})

    assert response.status_code == 302
    assert logged_in(client)


def test_behind_the_proxy_one_clients_failures_do_not_block_the_others(db, client, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    UserFactory(email="bea@kommune.example")
    attacker = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "203.0.113.5"}
    colleague = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    for number in range(rate_of("login_failed", "ip")):
        client.post(LOGIN, {"login": f"x{number}@kommune.example", "password": "x"}, **attacker)
    with translation.override("de"):
        refusal = str(get_adapter().error_messages["too_many_login_attempts"])

    blocked = client.post(LOGIN, {"login": "bea@kommune.example", "password": PASSWORD}, **attacker)
    allowed = client.post(
        LOGIN, {"login": "bea@kommune.example", "password": PASSWORD}, **colleague
    )

    assert refusal in blocked.text
    assert allowed.status_code == 302


def test_more_login_attempts_than_the_rate_per_address_get_429(db, client):
    allowed = rate_of("login", "ip")
    for _ in range(allowed):
        # An empty form is refused at once, but still counts against the rate.
        assert client.post(LOGIN, {}).status_code == 200

    response = client.post(LOGIN, {"login": "ada@kommune.example", "password": PASSWORD})

    assert response.status_code == 429
    assert "429.html" in [template.name for template in response.templates]
    assert len(re.findall(r"<h1\b", response.text)) == 1
    assert not logged_in(client)
    # Reading the page is not limited: the person sees where to try again later.
    assert client.get(LOGIN).status_code == 200


# --- Staff MFA beyond the admin index ---------------------------------------------------------


def test_staff_without_totp_can_neither_read_nor_change_anything_in_admin(
    client, staff_user, settings
):
    settings.PORTAL_STAFF_MFA_REQUIRED = True
    event = EventFactory()
    client.force_login(staff_user)

    listing = client.get("/admin/meetings/event/")
    deletion = client.post(f"/admin/meetings/event/{event.pk}/delete/", {"post": "yes"})

    assert listing.status_code == 302
    assert listing["Location"] == MFA_SETUP
    assert deletion.status_code == 302
    assert deletion["Location"] == MFA_SETUP
    assert Event.objects.filter(pk=event.pk).exists()


def test_staff_logging_in_without_totp_reach_the_set_up_page_and_not_admin(
    client, staff_user, settings
):
    settings.PORTAL_STAFF_MFA_REQUIRED = True
    client.post(LOGIN, {"login": staff_user.email, "password": PASSWORD})

    response = client.get("/admin/", follow=True)

    # allauth asks for the password once more before a second factor is set up.
    assert response.redirect_chain[0] == (MFA_SETUP, 302)
    assert response.redirect_chain[-1][0].startswith("/konto/reauthenticate/")
    assert response.status_code == 200
    confirmed = client.post(response.redirect_chain[-1][0], {"password": PASSWORD}, follow=True)
    assert confirmed.redirect_chain[-1][0] == MFA_SETUP
    assert 'name="code"' in confirmed.text
    assert client.get("/admin/")["Location"] == MFA_SETUP
