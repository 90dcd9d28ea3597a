"""The portal's security posture: state-changing requests need the CSRF token."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from meetings.models import Event, Registration
from members.models import Application
from tests.factories import PASSWORD, EventFactory, UserFactory
from tests.support.security import LOGIN, logged_in

# --- CSRF -------------------------------------------------------------------------------------


@dataclass
class StateChange:
    """A POST that changes something, who sends it, and how to tell that it took effect."""

    path: str
    data: dict
    took_effect: Callable[[Client], bool]
    user: Any = None


def _login(request):
    UserFactory(email="ada@kommune.example")
    return StateChange(
        LOGIN, {"login": "ada@kommune.example", "password": PASSWORD}, took_effect=logged_in
    )


def _logout(request):
    user = UserFactory()
    return StateChange(
        "/konto/logout/", {}, took_effect=lambda client: not logged_in(client), user=user
    )


def _self_check(request):
    return StateChange(
        "/mitmachen/selbstcheck/",
        # All five criteria met: only then does the portal keep the answers in the session.
        {
            "contact_person": "yes",
            "cross_cutting_task": "yes",
            "declaration": "yes",
            "ehrenamtskarte": "participating",
            "participation": "yes",
        },
        took_effect=lambda client: "self_check" in client.session,
    )


def _event_registration(request):
    request.getfixturevalue("member_a")
    contact = request.getfixturevalue("contact_a")
    event = EventFactory()
    return StateChange(
        f"/veranstaltungen/{event.pk}/anmelden/",
        {},
        took_effect=lambda client: Registration.objects.filter(user=contact, event=event).exists(),
        user=contact,
    )


def _application_start(request):
    user = request.getfixturevalue("user_without_organisation")
    return StateChange(
        "/antrag/neu/",
        {"authority": "05515000"},
        took_effect=lambda client: Application.objects.filter(created_by=user).exists(),
        user=user,
    )


def _admin_delete(request):
    request.getfixturevalue("settings").PORTAL_STAFF_MFA_REQUIRED = False
    event = EventFactory()
    return StateChange(
        f"/admin/meetings/event/{event.pk}/delete/",
        {"post": "yes"},
        took_effect=lambda client: not Event.objects.filter(pk=event.pk).exists(),
        user=request.getfixturevalue("staff_user"),
    )


STATE_CHANGES = {
    "login": _login,
    "logout": _logout,
    "self-check": _self_check,
    "event registration": _event_registration,
    "application start": _application_start,
    "admin delete": _admin_delete,
}


def strict_client(change: StateChange) -> tuple[Client, str]:
    """A client that checks CSRF like a browser's requests are checked, with its token."""
    client = Client(enforce_csrf_checks=True)
    if change.user is not None:
        client.force_login(change.user)
    # A page with a form for everyone hands out the CSRF cookie (pages kept for anonymous
    # visitors carry no token: portal/caching.py).
    client.get("/mitmachen/selbstcheck/")
    return client, client.cookies[django_settings.CSRF_COOKIE_NAME].value


@pytest.mark.django_db
@pytest.mark.parametrize("name", STATE_CHANGES)
def test_a_state_changing_post_without_csrf_token_is_refused(request, name):
    change = STATE_CHANGES[name](request)
    client, _token = strict_client(change)

    response = client.post(change.path, change.data)

    assert response.status_code == 403
    assert "403_csrf.html" in [template.name for template in response.templates]
    assert not change.took_effect(client)


@pytest.mark.django_db
@pytest.mark.parametrize("name", STATE_CHANGES)
def test_the_same_post_with_the_token_goes_through(request, name):
    change = STATE_CHANGES[name](request)
    client, token = strict_client(change)

    response = client.post(change.path, {**change.data, "csrfmiddlewaretoken": token})

    assert response.status_code in {200, 302}
    assert change.took_effect(client)


@pytest.mark.django_db
def test_htmx_posts_pass_with_the_token_in_the_header_and_fail_without(request):
    change = _self_check(request)
    client, token = strict_client(change)

    refused = client.post(change.path, change.data, HTTP_HX_REQUEST="true")
    accepted = client.post(change.path, change.data, HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token)

    assert refused.status_code == 403
    assert accepted.status_code == 200
    assert 'id="self-check-results"' in accepted.text or "data-verdict" in accepted.text


@pytest.mark.django_db
def test_a_token_from_another_session_is_refused():
    change = StateChange("/mitmachen/selbstcheck/", {}, took_effect=lambda client: False)
    _other, foreign_token = strict_client(change)
    client, _own = strict_client(change)
    client.cookies[django_settings.CSRF_COOKIE_NAME] = "x" * 32

    response = client.post(change.path, {"csrfmiddlewaretoken": foreign_token})

    assert response.status_code == 403
