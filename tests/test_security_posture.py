"""The portal's security posture: settings, headers, no inline script, cookies. Login rate
limits and staff MFA: tests/test_security_posture_logins.py; CSRF:
tests/test_security_posture_csrf.py.

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
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, EventFactory, UserFactory
from tests.support.security import LOGIN

PROJECT_DIR = Path(__file__).resolve().parent.parent


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
