"""The portal's security posture: headers, cookies, login rate limits, staff MFA and CSRF.

Covered elsewhere and not repeated here (docs/security.md lists them all):
- `check --deploy --fail-level WARNING` with production variables is clean:
  tests/test_settings.py::test_deploy_check_is_clean_with_production_variables
- staff without TOTP are sent from /admin/ to the set-up page, with TOTP they get in, and at
  login they are asked for the code: tests/test_accounts.py
- a POST to the login without a token gets the portal's 403 page: tests/test_pages.py
- no CSP violation in Chromium on the main pages and admin: tests/test_browser_csp.py
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from allauth.account.adapter import get_adapter
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from meetings.models import Event, Registration
from members.models import Application
from tests.factories import PASSWORD, EventFactory, UserFactory

PROJECT_DIR = Path(__file__).resolve().parent.parent
LOGIN = "/konto/login/"
MFA_SETUP = "/konto/2fa/totp/activate/"

EXPECTED_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'none'"],
    "object-src": ["'none'"],
}
SWITCHED_OFF = {"camera", "microphone", "geolocation", "payment", "usb", "browsing-topics"}


def parse_csp(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        assert name not in directives, f"{name} twice in {header!r}"
        directives[name] = values
    return directives


def rate_of(action: str, per: str) -> int:
    """How many requests the configured allauth rate allows for `action` per ip/key/user."""
    for rate in django_settings.ACCOUNT_RATE_LIMITS[action].split(","):
        amount, _period, rate_per = rate.strip().split("/")
        if rate_per == per:
            return int(amount)
    raise AssertionError(f"no {per} rate for {action}")


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# --- Settings a deployment gets from its variables --------------------------------------------

PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "Xq7-vB2nR9tL4wZ8kP1sD6fH3jM0cY5gA_eU-iO7nT2bV9xC4mK8lQ1zW6rS3hJ",
    "DJANGO_ALLOWED_HOSTS": "portal.kommunen-netzwerk.example",
    "DATABASE_URL": "postgres://portal:secret@db.internal:5432/portal",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "PORTAL_BASE_URL": "https://portal.kommunen-netzwerk.example",
    "PATH": os.environ["PATH"],
    "DJANGO_SETTINGS_MODULE": "portal.settings",
}
READ_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
names = [
    "DEBUG", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE", "CSRF_COOKIE_SAMESITE", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "PORTAL_STAFF_MFA_REQUIRED",
    "MIDDLEWARE", "SILENCED_SYSTEM_CHECKS", "SECURE_PROXY_SSL_HEADER",
    "ALLAUTH_TRUSTED_PROXY_COUNT", "LANGUAGE_COOKIE_SECURE", "LANGUAGE_COOKIE_HTTPONLY",
    "LANGUAGE_COOKIE_SAMESITE",
]
print(json.dumps({name: getattr(s, name, None) for name in names}))
"""


def production_settings(**extra: str) -> dict:
    result = subprocess.run(  # noqa: S603 - our own interpreter with a fixed script
        [sys.executable, "-c", READ_SETTINGS],
        cwd=PROJECT_DIR,
        env={**PRODUCTION, **extra},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


def test_production_variables_give_secure_cookies_https_hsts_and_staff_mfa():
    values = production_settings()
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SAMESITE"] == "Lax"
    assert values["LANGUAGE_COOKIE_SECURE"] is True
    assert values["LANGUAGE_COOKIE_HTTPONLY"] is True
    assert values["LANGUAGE_COOKIE_SAMESITE"] == "Lax"
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_HSTS_PRELOAD"] is True
    assert values["PORTAL_STAFF_MFA_REQUIRED"] is True
    # Nothing is hidden from `check --deploy`.
    assert values["SILENCED_SYSTEM_CHECKS"] == []


def test_behind_the_tls_proxy_https_and_the_client_address_come_from_its_headers():
    direct = production_settings()
    proxied = production_settings(DJANGO_BEHIND_TLS_PROXY="true")
    assert direct["SECURE_PROXY_SSL_HEADER"] is None
    assert direct["ALLAUTH_TRUSTED_PROXY_COUNT"] is None
    assert proxied["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert proxied["ALLAUTH_TRUSTED_PROXY_COUNT"] == 1


def test_the_policy_headers_come_before_sessions_and_views():
    """The CSP and Permissions-Policy middleware sit right after WhiteNoise: every page and
    error page of Django gets them, and static files (which need none) are answered earlier."""
    middleware = production_settings()["MIDDLEWARE"]
    assert middleware[:4] == [
        "django.middleware.security.SecurityMiddleware",
        "whitenoise.middleware.WhiteNoiseMiddleware",
        "csp.middleware.CSPMiddleware",
        "portal.middleware.PermissionsPolicyMiddleware",
    ]


# --- Response headers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "path", "status"),
    [
        ("anonymous", "/", 200),
        ("member", "/mein-bereich/", 200),
        ("staff", "/admin/", 200),
        ("anonymous", "/gibt-es-nicht/", 404),
    ],
)
def test_every_kind_of_page_carries_the_security_headers(
    db, client, request, settings, who, path, status
):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    if who == "member":
        client.force_login(request.getfixturevalue("contact_a"))
    elif who == "staff":
        client.force_login(request.getfixturevalue("staff_user"))

    response = client.get(path, secure=True)

    assert response.status_code == status
    assert parse_csp(response["Content-Security-Policy"]) == EXPECTED_CSP
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    features = dict(
        item.strip().split("=", 1) for item in response["Permissions-Policy"].split(",")
    )
    assert set(features) >= SWITCHED_OFF
    assert set(features.values()) == {"()"}


def test_a_page_without_https_gets_no_hsts_header(client):
    # Browsers ignore HSTS over plain HTTP; Django sends it only on secure requests.
    response = client.get("/")
    assert "Strict-Transport-Security" not in response
    assert "Content-Security-Policy" in response


def test_an_admin_style_block_is_allowed_by_its_own_nonce_only(client, staff_user, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    event = EventFactory()
    client.force_login(staff_user)
    url = f"/admin/meetings/event/{event.pk}/change/"

    first, second = client.get(url), client.get(url)

    nonces = []
    for response in (first, second):
        policy = parse_csp(response["Content-Security-Policy"])
        assert policy["script-src"] == ["'self'"]
        own, nonce = policy["style-src"]
        assert own == "'self'"
        value = re.fullmatch(r"'nonce-([A-Za-z0-9+/=]{20,})'", nonce)
        assert value is not None
        assert f'<style nonce="{value[1]}">' in response.text
        nonces.append(value[1])
    assert nonces[0] != nonces[1]


def test_only_the_mailing_preview_lets_the_mails_style_attributes_apply(
    client, staff_user, settings
):
    from portal.models import Mailing

    settings.PORTAL_STAFF_MFA_REQUIRED = False
    mailing = Mailing.objects.create(subject="Einladung", body="Hallo")
    client.force_login(staff_user)

    preview = client.get(f"/admin/portal/mailing/{mailing.pk}/preview/")
    change = client.get(f"/admin/portal/mailing/{mailing.pk}/change/")

    assert parse_csp(preview["Content-Security-Policy"])["style-src-attr"] == ["'unsafe-inline'"]
    assert parse_csp(preview["Content-Security-Policy"])["script-src"] == ["'self'"]
    assert "style-src-attr" not in parse_csp(change["Content-Security-Policy"])


# --- No inline script in what the portal serves -----------------------------------------------

TEMPLATES_DIR = PROJECT_DIR / "templates"
SERVED_TEMPLATES = [
    path
    for path in sorted(TEMPLATES_DIR.rglob("*.html"))
    # Mails are read in mail programs; the PDF templates only ever reach WeasyPrint.
    if path.relative_to(TEMPLATES_DIR).parts[0] != "emails"
    and "pdf" not in path.relative_to(TEMPLATES_DIR).parts
]
TAG = re.compile(r"<[a-zA-Z][^<>]*>")
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


def inline_code_in(text: str) -> list[str]:
    problems = []
    for tag in TAG.findall(text):
        name = tag[1:].split(None, 1)[0].rstrip(">").lower()
        if name == "script" and "src=" not in tag and 'type="application/json"' not in tag:
            problems.append(f"inline script {tag}")
        if name == "style" and "nonce=" not in tag:
            problems.append(f"<style> without the nonce {tag}")
        if EVENT_HANDLER.search(tag):
            problems.append(f"event handler attribute {tag}")
        if re.search(r"\sstyle\s*=", tag):
            problems.append(f"style attribute {tag}")
    if re.search(r"javascript:", text, re.IGNORECASE):
        problems.append("javascript: URL")
    return problems


def test_the_served_templates_have_no_inline_script_handlers_or_styles():
    assert len(SERVED_TEMPLATES) > 50
    found = {
        str(path.relative_to(PROJECT_DIR)): problems
        for path in SERVED_TEMPLATES
        if (problems := inline_code_in(path.read_text(encoding="utf-8")))
    }
    assert found == {}


@pytest.mark.parametrize(
    "snippet",
    [
        "<script>alert(1)</script>",
        '<button onclick="go()">',
        '<a href="javascript:void(0)">',
        '<p style="color: red">',
        "<style>p { color: red; }</style>",
    ],
)
def test_the_template_scan_finds_inline_code(snippet):
    assert inline_code_in(f"<div>{snippet}</div>") != []


# --- Cookies ----------------------------------------------------------------------------------


def test_login_sets_secure_httponly_lax_session_and_secure_csrf_cookies(db, client, settings):
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    UserFactory(email="ada@kommune.example")

    page = client.get(LOGIN, secure=True)
    csrf = page.cookies[settings.CSRF_COOKIE_NAME]
    response = client.post(
        LOGIN, {"login": "ada@kommune.example", "password": PASSWORD}, secure=True
    )

    assert response.status_code == 302
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["secure"] is True
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"
    assert csrf["secure"] is True
    assert csrf["samesite"] == "Lax"


def test_the_language_cookie_is_secure_httponly_and_lax_like_the_session_cookie(
    db, client, settings
):
    settings.LANGUAGE_COOKIE_SECURE = True
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"}, secure=True)

    assert response.status_code == 302
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en"
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


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
