from __future__ import annotations

import gzip
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory
from django.urls import reverse

from meetings.models import Event
from members.models import Membership
from portal import pagecache
from portal.models import OutboundEmail
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


# --- Pages of logged-in people (personal_page) -------------------------------------------------


def _personal_request(client: Client, **session_values) -> HttpRequest:
    """A GET with the logged-in session of `client`, as personal_page sees it after the
    session middleware."""
    session = client.session
    for name, value in session_values.items():
        session[name] = value
    session.save()
    request = RequestFactory().get("/mein-bereich/probe/")
    request.COOKIES[settings.SESSION_COOKIE_NAME] = str(session.session_key)
    request.session = session
    return request


@pytest.mark.django_db
def test_a_members_dashboard_comes_from_the_cache_the_second_time(
    client, member_a, contact_a, django_assert_max_num_queries
):
    client.force_login(contact_a)
    # The first visit makes the calendar feed (a write), so its own copy is stale at once.
    for _ in range(2):
        assert client.get(reverse("dashboard")).status_code == 200
    # Not even the user: the account's language is remembered in the session.
    with django_assert_max_num_queries(0):
        second = client.get(reverse("dashboard"))
    assert second.status_code == 200
    assert str(member_a) in second.content.decode()
    assert pagecache.TOKEN_PLACEHOLDER not in second.content


@pytest.mark.django_db
def test_it_keeps_each_persons_copy_apart(client, member_a, contact_a, organisation_b, contact_b):
    client.force_login(contact_a)
    client.get(reverse("dashboard"))
    other = Client()
    other.force_login(contact_b)
    page = other.get(reverse("dashboard")).content.decode()
    assert str(organisation_b) in page
    assert str(member_a) not in page


@pytest.mark.django_db
def test_a_logged_out_sessions_cookie_gets_no_cached_page(client, member_a, contact_a):
    client.force_login(contact_a)
    client.get(reverse("members:archive"))
    assert client.get(reverse("members:archive")).status_code == 200
    stolen = client.cookies[settings.SESSION_COOKIE_NAME].value

    client.post(reverse("account_logout"))

    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = stolen
    response = replay.get(reverse("members:archive"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
def test_an_ended_membership_closes_the_cached_archive_at_once(client, member_a, contact_a):
    client.force_login(contact_a)
    assert client.get(reverse("members:archive")).status_code == 200
    assert client.get(reverse("members:archive")).status_code == 200

    Membership.objects.filter(organisation=member_a).delete()

    assert client.get(reverse("members:archive")).status_code == 404


def _probe_page(made: list[str], label: str, *, reads_outbox: bool = False):
    """A personal page that notes each time it is really made."""

    @pagecache.personal_page
    def page(request):
        if reads_outbox:
            OutboundEmail.objects.count()
        made.append(label)
        return HttpResponse(label)

    return page


@pytest.mark.django_db
def test_a_page_that_read_an_untracked_table_is_made_afresh_each_time(client, contact_a):
    client.force_login(contact_a)
    made: list[str] = []
    outbox_page = _probe_page(made, "outbox", reads_outbox=True)
    plain_page = _probe_page(made, "plain")

    for _ in range(2):
        assert outbox_page(_personal_request(client)).content == b"outbox"
    assert made == ["outbox", "outbox"]
    for _ in range(2):
        assert plain_page(_personal_request(client)).content == b"plain"
    assert made == ["outbox", "outbox", "plain"]


@pytest.mark.django_db
def test_a_message_waiting_in_the_session_is_not_hidden_by_a_cached_copy(client, contact_a):
    client.force_login(contact_a)
    made: list[str] = []
    page = _probe_page(made, "page")

    page(_personal_request(client))
    page(_personal_request(client, _messages="[stored message]"))
    assert made == ["page", "page"]


def test_every_token_of_a_page_made_of_parts_is_replaced():
    # Each part rendered on its own masks the visitor's secret differently.
    request = RequestFactory().get("/")
    first, second = get_token(request), get_token(request)
    assert first != second
    page = (
        f'<body hx-headers=\'{{"X-CSRFToken": "{first}"}}\'>'
        f'<form><input type="hidden" name="csrfmiddlewaretoken" value="{second}"></form>'
    ).encode()
    stored = pagecache._without_token(request, page)
    assert stored is not None
    assert stored.count(pagecache.TOKEN_PLACEHOLDER) == 2
    assert first.encode() not in stored
    assert second.encode() not in stored


@pytest.mark.django_db
def test_a_cached_page_speaks_the_accounts_language_and_follows_a_switch(
    client, member_a, contact_a
):
    contact_a.language = "en"
    contact_a.save()
    client.force_login(contact_a)
    for _ in range(2):
        page = client.get(reverse("dashboard"))
        assert page["Content-Language"] == "en"

    client.post(reverse("set_language"), {"language": "de", "next": "/mein-bereich/"})
    del client.cookies["django_language"]  # the session alone must carry the choice

    assert client.get(reverse("dashboard"))["Content-Language"] == "de"
    contact_a.refresh_from_db()
    assert contact_a.language == "de"


@pytest.mark.django_db
def test_a_browser_accepting_gzip_gets_the_cached_page_compressed_with_its_own_token(client):
    browser_headers = {"Accept-Encoding": "gzip, deflate, br, zstd"}
    client.get(reverse("members:directory"), headers=browser_headers)
    visitor = Client(enforce_csrf_checks=True)
    page = visitor.get(reverse("members:directory"), headers=browser_headers)

    assert page["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in page["Vary"]
    html = gzip.decompress(page.content).decode()
    assert html.count("<h1") == 1
    found = TOKEN.search(html)
    assert found is not None
    response = visitor.post(
        reverse("set_language"),
        {"language": "en", "next": "/", "csrfmiddlewaretoken": found.group(1)},
    )
    assert response.status_code == 302

    plain = Client().get(reverse("members:directory"))
    assert not plain.has_header("Content-Encoding")
    assert plain.content.decode().count("<h1") == 1


@pytest.mark.django_db
def test_personal_pages_are_never_compressed(client, member_a, contact_a):
    client.force_login(contact_a)
    for _ in range(3):
        page = client.get(reverse("dashboard"), headers={"Accept-Encoding": "gzip"})
    assert not page.has_header("Content-Encoding")
    assert str(member_a) in page.content.decode()


# --- The process's own copies -------------------------------------------------------------------


def keys_fetched(monkeypatch) -> list[str]:
    """The keys cache.get is asked for from now on, in order."""
    fetched: list[str] = []
    real_get = cache.get

    def noting_get(key, *args, **kwargs):
        fetched.append(key)
        return real_get(key, *args, **kwargs)

    monkeypatch.setattr(cache, "get", noting_get)
    return fetched


@pytest.mark.django_db
def test_a_hit_fetches_only_the_version_when_the_process_has_the_page(client, monkeypatch):
    EventFactory()  # a write: the version exists from here on
    client.get(reverse("meetings:event_list"))
    fetched = keys_fetched(monkeypatch)
    monkeypatch.setattr(cache, "get_many", pytest.fail)
    page = Client().get(reverse("meetings:event_list"))
    assert page.status_code == 200
    # The version read a moment ago is still trusted: no round trip at all.
    assert fetched == []

    later = time.monotonic() + pagecache.VERSION_TRUST_SECONDS + 1
    monkeypatch.setattr(pagecache.time, "monotonic", lambda: later)
    assert Client().get(reverse("meetings:event_list")).status_code == 200
    assert fetched == [pagecache.VERSION_KEY]


@contextmanager
def pagecache_unwatched() -> Iterator[None]:
    """Writes as another process makes them: this process's watch does not see them."""
    saved = list(connection.execute_wrappers)
    connection.execute_wrappers[:] = [w for w in saved if w is not pagecache._watch_writes]
    try:
        yield
    finally:
        connection.execute_wrappers[:] = saved


@pytest.mark.django_db
def test_another_processs_change_reaches_anonymous_visitors_within_the_trust_window(
    client, monkeypatch
):
    event = EventFactory(title="Netzwerktreffen Frühjahr")
    url = reverse("meetings:event_detail", args=[event.pk])
    assert "Frühjahr" in client.get(url).content.decode()
    # Another process changes the event: the row and the version, not this process's memory.
    with pagecache_unwatched():
        Event.objects.filter(pk=event.pk).update(title="Netzwerktreffen Herbst")
    cache.incr(pagecache.VERSION_KEY)

    assert "Frühjahr" in Client().get(url).content.decode(), "still within the window"
    later = time.monotonic() + pagecache.VERSION_TRUST_SECONDS + 0.1
    monkeypatch.setattr(pagecache.time, "monotonic", lambda: later)
    assert "Herbst" in Client().get(url).content.decode()


@pytest.mark.django_db
def test_logged_in_pages_do_not_trust_an_old_version(client, contact_a, monkeypatch):
    client.force_login(contact_a)
    client.get(reverse("dashboard"))
    fetched = keys_fetched(monkeypatch)
    client.get(reverse("dashboard"))
    assert pagecache.VERSION_KEY in fetched


@pytest.mark.django_db
def test_a_flushed_cache_never_brings_back_an_old_copy_of_the_process(client):
    event = EventFactory(title="Netzwerktreffen Frühjahr")
    url = reverse("meetings:event_detail", args=[event.pk])
    assert "Frühjahr" in client.get(url).content.decode()

    cache.clear()  # Redis restarted or flushed: the version is gone
    Event.objects.filter(pk=event.pk).update(title="Netzwerktreffen Herbst")

    page = Client().get(url).content.decode()
    assert "Herbst" in page
    assert "Frühjahr" not in page


@pytest.mark.django_db
def test_a_personal_copy_in_the_process_lives_no_longer_than_its_timeout(
    client, contact_a, monkeypatch
):
    EventFactory()
    client.force_login(contact_a)
    made: list[str] = []
    page = _probe_page(made, "page")
    page(_personal_request(client))
    page(_personal_request(client))
    assert made == ["page"]

    later = time.time() + pagecache.PERSONAL_TIMEOUT_SECONDS + 1
    monkeypatch.setattr(pagecache.time, "time", lambda: later)
    cache.delete_many([key for key in pagecache._local if ":personal:" in key])
    page(_personal_request(client))
    assert made == ["page", "page"]
