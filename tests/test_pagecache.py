from __future__ import annotations

import re

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from meetings.models import Event
from portal import pagecache
from tests.factories import PASSWORD, EventFactory, SignatureFactory

TOKEN = re.compile(r'"X-CSRFToken": "([A-Za-z0-9]{64})"')


def _token(response) -> str:
    found = TOKEN.search(response.content.decode())
    assert found is not None
    return found.group(1)


@pytest.mark.django_db
def test_it_serves_the_second_anonymous_visit_without_the_database(
    client, django_assert_num_queries
):
    first = client.get(reverse("meetings:event_list"))
    assert first.status_code == 200
    with django_assert_num_queries(0):
        second = Client().get(reverse("meetings:event_list"))
    assert second.status_code == 200
    assert second.content.decode().count("<h1") == 1
    assert pagecache.TOKEN_PLACEHOLDER not in second.content


@pytest.mark.django_db
def test_it_shows_a_change_at_once_also_one_made_by_queryset_update(client):
    event = EventFactory(title="Netzwerktreffen Frühjahr")
    url = reverse("meetings:event_detail", args=[event.pk])
    assert "Netzwerktreffen Frühjahr" in client.get(url).content.decode()

    Event.objects.filter(pk=event.pk).update(title="Netzwerktreffen Herbst")

    page = Client().get(url).content.decode()
    assert "Netzwerktreffen Herbst" in page
    assert "Netzwerktreffen Frühjahr" not in page


@pytest.mark.django_db
def test_each_visitor_gets_their_own_token_and_it_posts(client):
    client.get(reverse("home"))
    visitor = Client(enforce_csrf_checks=True)
    page = visitor.get(reverse("home"))
    other = Client().get(reverse("home"))

    assert _token(page) != _token(other)
    assert "csrftoken" in page.cookies
    response = visitor.post(
        reverse("set_language"),
        {"language": "en", "next": "/", "csrfmiddlewaretoken": _token(page)},
    )
    assert response.status_code == 302
    assert visitor.cookies["django_language"].value == "en"


@pytest.mark.django_db
def test_it_keeps_languages_apart(client):
    client.get(reverse("join"))
    english = Client()
    english.cookies["django_language"] = "en"
    page = english.get(reverse("join"))
    assert page["Content-Language"] == "en"
    assert '<html lang="en"' in page.content.decode()


@pytest.mark.django_db
def test_it_keeps_htmx_partials_apart_from_full_pages(client):
    client.get(reverse("members:directory"))
    partial = Client().get(reverse("members:directory"), headers={"HX-Request": "true"})
    assert "<html" not in partial.content.decode()
    full = Client().get(reverse("members:directory"))
    assert "<html" in full.content.decode()
    restore = Client().get(
        reverse("members:directory"),
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in restore.content.decode()


@pytest.mark.django_db
def test_it_never_caches_for_logged_in_people(client, contact_a, django_assert_max_num_queries):
    client.force_login(contact_a)
    client.get(reverse("meetings:event_list"))
    with django_assert_max_num_queries(50) as queries:
        page = client.get(reverse("meetings:event_list"))
    assert len(queries.captured_queries) > 0
    # The logged-in header must not reach anonymous visitors either.
    logout = f'action="{reverse("account_logout")}"'
    assert logout in page.content.decode()
    assert logout not in Client().get(reverse("meetings:event_list")).content.decode()


@pytest.mark.django_db
def test_it_leaves_the_version_alone_for_sessions_and_logins(client, contact_a):
    cache.set(pagecache.VERSION_KEY, 7, None)
    SessionStore().create()
    client.force_login(contact_a)
    assert cache.get(pagecache.VERSION_KEY) == 7
    EventFactory()
    assert cache.get(pagecache.VERSION_KEY) > 7


@pytest.mark.django_db
def test_a_page_still_comes_when_the_cache_is_down(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "portal.cache.ResilientRedisCache",
            # Nothing listens on port 9 (discard) here.
            "LOCATION": "redis://127.0.0.1:9/0",
        }
    }
    response = client.get(reverse("meetings:event_list"))
    assert response.status_code == 200
    EventFactory()  # a write must not fail either


@pytest.mark.django_db
def test_a_page_that_sets_the_csrf_cookie_itself_is_cached_too(client, django_assert_num_queries):
    # The verification page protects its upload form with csrf_protect, which sets the cookie
    # under a real server.
    signature = SignatureFactory()
    url = reverse("declarations:verify_code", args=[signature.verification_code])
    assert client.get(url).status_code == 200
    with django_assert_num_queries(0):
        second = Client().get(url)
    assert second.status_code == 200
    assert signature.verification_code in second.content.decode()


@pytest.mark.django_db
def test_the_login_page_comes_from_the_cache_and_its_form_still_logs_in(contact_a):
    Client().get(reverse("account_login"))
    visitor = Client(enforce_csrf_checks=True)
    page = visitor.get(reverse("account_login"))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert token is not None
    assert pagecache.TOKEN_PLACEHOLDER not in page.content
    response = visitor.post(
        reverse("account_login"),
        {"login": contact_a.email, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)},
    )
    assert response.status_code == 302
    assert visitor.get(reverse("dashboard")).status_code == 200
