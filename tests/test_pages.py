from __future__ import annotations

import re

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = [
    "/",
    "/mitmachen/",
    "/impressum/",
    "/datenschutz/",
    "/barrierefreiheit/",
    "/datenquellen/",
    "/konto/login/",
    "/konto/signup/",
    "/konto/password/reset/",
]


def h1_count(html: str) -> int:
    return len(re.findall(r"<h1[\s>]", html))


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_pages_have_a_title_one_heading_and_german_language(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert h1_count(response.text) == 1
    assert '<html lang="de">' in response.text
    title = re.search(r"<title>(.*?)</title>", response.text, re.S)
    assert title
    assert "Kommunen-Netzwerk" in title.group(1)
    assert 'href="#main"' in response.text


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_pages_need_few_queries(client, url, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        client.get(url)


def test_the_data_sources_page_credits_every_licence(client):
    text = client.get("/datenquellen/").text
    assert "© Statistisches Bundesamt (Destatis), 2020" in text
    assert "Zensus 2022, © Statistische Ämter des Bundes und der Länder" in text
    assert "dl-de/zero-2-0" in text


def test_the_join_page_lists_the_five_criteria(client):
    text = client.get("/mitmachen/").text
    assert "Ehrenamtskarte" in text
    assert "Gemeinsame Erklärung" in text


def test_the_dashboard_sends_anonymous_visitors_to_the_login(client):
    response = client.get("/mein-bereich/")
    assert response.status_code == 302
    assert response["Location"] == "/konto/login/?next=/mein-bereich/"


def test_the_dashboard_shows_the_users_municipality_and_role(client, head_a, organisation_a):
    client.force_login(head_a)
    text = client.get("/mein-bereich/").text
    assert organisation_a.authority.name in text
    assert "Verwaltungsspitze" in text
    assert h1_count(text) == 1


def test_the_dashboard_tells_a_user_without_organisation_how_to_join(
    client, user_without_organisation
):
    client.force_login(user_without_organisation)
    text = client.get("/mein-bereich/").text
    assert "gehört noch zu keiner Kommune" in text
    assert 'href="/mitmachen/"' in text


def test_the_dashboard_of_another_municipality_shows_only_its_own(
    client, contact_b, organisation_a, organisation_b
):
    client.force_login(contact_b)
    text = client.get("/mein-bereich/").text
    assert organisation_b.authority.name in text
    assert organisation_a.authority.name not in text


def test_logging_out_is_a_post_button_dressed_as_the_header_links(client):
    client.force_login(UserFactory())
    html = client.get("/").content.decode()
    form = re.search(r'<form method="post" action="/konto/logout/".*?</form>', html, re.S)
    assert form
    assert re.search(
        r'<button type="submit" class="kern-link link-button"[^>]*>Abmelden</button>', form[0]
    )
    assert "kern-btn" not in form[0]


def test_switching_to_english_translates_the_page_and_remembers_it(client):
    user = UserFactory(language="de")
    client.force_login(user)
    response = client.post("/sprache/", {"language": "en", "next": "/mitmachen/"})
    assert response.status_code == 302
    assert response["Location"] == "/mitmachen/"
    user.refresh_from_db()
    assert user.language == "en"
    assert '<html lang="en">' in client.get("/").text


def test_the_browsers_language_does_not_override_german(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="de">' in response.text
    assert response["Content-Language"] == "de"


def test_a_user_who_chose_english_gets_english_on_a_new_device(client):
    client.force_login(UserFactory(language="en"))
    assert '<html lang="en">' in client.get("/mein-bereich/").text


def test_a_bad_language_is_ignored(client):
    response = client.post("/sprache/", {"language": "xx", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert '<html lang="de">' in client.get("/").text


def test_an_unknown_page_shows_the_portals_404(client):
    response = client.get("/gibt-es-nicht/")
    assert response.status_code == 404
    assert h1_count(response.text) == 1
    assert "Seite nicht gefunden" in response.text
    assert 'href="/"' in response.text


def test_a_post_without_csrf_token_is_refused_in_the_portals_look():
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/konto/login/", {"login": "a@b.example", "password": "x"})
    assert response.status_code == 403
    assert h1_count(response.text) == 1


def test_health_reports_database_cache_and_broker(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "broker": "ok"},
    }
    assert "no-cache" in response["Cache-Control"]


def test_health_says_503_when_the_broker_is_unreachable(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "error"


def test_health_says_503_when_the_database_fails(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OSError("database is gone")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "error"


def test_the_500_page_renders_without_request_or_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        html = render_to_string("500.html")
    assert h1_count(html) == 1
    assert "kern" in html
