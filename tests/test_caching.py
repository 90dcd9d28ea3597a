"""The page cache's rule (portal/caching.py): anonymous visitors may get a public page up to a
minute old; logged-in people always get it fresh and private; no copy holds a visitor's token."""

from __future__ import annotations

import gzip
import hashlib
import re

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views.decorators.csrf import csrf_protect

from meetings.models import Event
from portal.caching import cached_for_anonymous
from tests.factories import EventFactory, SignatureFactory

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"


def gzip_text(response) -> str:
    return gzip.decompress(response.content).decode()


def tokens_in(response) -> list[str]:
    return TOKEN.findall(response.content.decode())


@pytest.fixture
def timeouts(monkeypatch) -> list[int]:
    """The timeouts of the copies stored from now on."""
    noted: list[int] = []
    real_set = cache.set

    def noting_set(key, value, timeout=None, *args, **kwargs):
        if key.startswith("page:"):
            noted.append(timeout)
        return real_set(key, value, timeout, *args, **kwargs)

    monkeypatch.setattr(cache, "set", noting_set)
    return noted


# --- Anonymous visitors ----------------------------------------------------------------------


def test_the_second_anonymous_visit_needs_no_database_and_carries_no_token(
    django_assert_num_queries, timeouts
):
    first = Client().get(reverse("meetings:event_list"))
    with django_assert_num_queries(0):
        second = Client().get(reverse("meetings:event_list"))
    assert second.status_code == 200
    assert second.content == first.content
    assert timeouts == [60]
    for response in (first, second):
        html = response.content.decode()
        assert "csrfmiddlewaretoken" not in html
        assert "X-CSRFToken" not in html
        assert "csrftoken" not in response.cookies
        assert "private" not in response.get("Cache-Control", "")


def test_an_anonymous_visitor_sees_a_change_once_the_copy_expires():
    event = EventFactory(title="Netzwerktreffen Frühjahr")
    url = reverse("meetings:event_detail", args=[event.pk])
    assert "Frühjahr" in Client().get(url).text

    Event.objects.filter(pk=event.pk).update(title="Netzwerktreffen Herbst")
    assert "Frühjahr" in Client().get(url).text, "within the minute the copy may be served"

    cache.clear()  # as when the minute is over
    assert "Herbst" in Client().get(url).text


def test_a_query_parameter_the_view_does_not_read_finds_the_same_copy(django_assert_num_queries):
    Client().get(reverse("meetings:event_list"))
    with django_assert_num_queries(0):
        tracked = Client().get(reverse("meetings:event_list") + "?utm=1&utm_source=mail")
    assert tracked.status_code == 200
    assert "utm" not in tracked.text
    # What the view reads keeps a copy of its own, in whatever order it comes.
    first = Client().get(reverse("meetings:event_list") + "?format=online&kind=workshop")
    assert first.wsgi_request.GET.dict() == {"format": "online", "kind": "workshop"}
    with django_assert_num_queries(0):
        Client().get(reverse("meetings:event_list") + "?kind=workshop&utm=2&format=online")


def test_languages_and_htmx_requests_have_copies_of_their_own():
    url = reverse("members:directory")
    assert '<html lang="de"' in Client().get(url).text
    english = Client()
    english.cookies["django_language"] = "en"
    page = english.get(url)
    assert page["Content-Language"] == "en"
    assert '<html lang="en"' in page.text
    assert "<html" not in Client().get(url, headers={"HX-Request": "true"}).text
    assert "<html" in Client().get(url).text
    restore = Client().get(
        url, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in restore.text
    assert "HX-Request" in restore["Vary"]


def test_a_browser_taking_gzip_gets_the_stored_compressed_copy_and_others_a_plain_one(
    django_assert_num_queries, monkeypatch
):
    url = reverse("meetings:event_list")
    gzip_first = Client().get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    plain = Client().get(url)
    # Compressed once, when stored: the second browser's copy is not compressed again.
    monkeypatch.setattr("django.middleware.gzip.compress_string", None)
    with django_assert_num_queries(0):
        gzip_second = Client().get(url, headers={"Accept-Encoding": "gzip"})
    assert gzip_second["Content-Encoding"] == "gzip"
    assert gzip_second.content == gzip_first.content
    assert "Accept-Encoding" in gzip_second["Vary"]
    assert gzip.decompress(gzip_second.content).decode() == plain.text
    assert not plain.has_header("Content-Encoding")
    assert "<h1" in plain.text


def test_a_browser_that_has_the_copy_gets_304_and_after_a_change_the_new_page(
    django_assert_num_queries,
):
    event = EventFactory(title="Netzwerktreffen Frühjahr")
    url = reverse("meetings:event_detail", args=[event.pk])
    takes_gzip = {"Accept-Encoding": "gzip"}
    Client().get(url, headers=takes_gzip)  # the copy into the cache
    first = Client().get(url, headers=takes_gzip)
    tag = first["ETag"]

    with django_assert_num_queries(0):
        again = Client().get(url, headers={**takes_gzip, "If-None-Match": tag})

    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == tag
    assert "Accept-Encoding" in again["Vary"]
    cache.clear()  # the copy expired; meanwhile the title changed
    Event.objects.filter(pk=event.pk).update(title="Netzwerktreffen Herbst")
    changed = Client().get(url, headers={**takes_gzip, "If-None-Match": tag})
    assert changed.status_code == 200
    assert "Herbst" in gzip_text(changed)
    assert changed["ETag"] != tag


def test_private_answers_and_pages_with_a_token_carry_no_etag(client, contact_a):
    url = reverse("meetings:event_list")
    client.force_login(contact_a)
    assert not client.get(url).has_header("ETag")
    assert not Client().get(reverse("account_login")).has_header("ETag")


def test_a_page_with_a_message_for_the_visitor_is_not_kept(timeouts):
    warned = Client().get(reverse("meetings:event_list") + "?kind=no-such-kind")
    assert warned.status_code == 200
    assert 'class="messages"' in warned.text
    assert timeouts == []


def test_no_page_is_kept_when_the_setting_is_zero(settings, django_assert_max_num_queries):
    settings.PORTAL_PAGE_CACHE_SECONDS = 0
    Client().get(reverse("meetings:event_list"))
    with django_assert_max_num_queries(50) as queries:
        Client().get(reverse("meetings:event_list"))
    assert len(queries.captured_queries) > 0


# --- Logged-in people --------------------------------------------------------------------------


def test_logged_in_people_always_get_a_fresh_private_page(
    client, contact_a, django_assert_max_num_queries
):
    event = EventFactory(title="Netzwerktreffen Frühjahr")
    url = reverse("meetings:event_detail", args=[event.pk])
    Client().get(url)  # an anonymous copy exists
    client.force_login(contact_a)
    assert "Frühjahr" in client.get(url).text

    Event.objects.filter(pk=event.pk).update(title="Netzwerktreffen Herbst")

    with django_assert_max_num_queries(50) as queries:
        page = client.get(url)
    assert len(queries.captured_queries) > 0
    assert "Herbst" in page.text
    assert "private" in page["Cache-Control"]
    # The logged-in header does not reach anonymous visitors either.
    logout = f'action="{reverse("account_logout")}"'
    assert logout in page.text
    assert logout not in Client().get(url).text


@pytest.mark.parametrize(
    "name",
    ["dashboard", "members:archive", "personal_data", "admin:members_application_changelist"],
)
def test_pages_behind_the_login_are_private(
    client, member_a, contact_a, staff_user, settings, name
):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    client.force_login(staff_user if name.startswith("admin:") else contact_a)
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert {"private", "no-store"} <= {
        part.strip() for part in response["Cache-Control"].split(",")
    }


# --- The CSRF token ----------------------------------------------------------------------------


def _verification_url() -> str:
    signature = SignatureFactory.create()
    signature.pdf.save(f"{signature.verification_code}.pdf", ContentFile(PDF), save=False)
    signature.pdf_sha256 = hashlib.sha256(PDF).hexdigest()
    signature.save()
    return reverse("declarations:verify_code", args=[signature.verification_code])


def test_each_visitor_of_the_verification_page_gets_a_token_of_their_own_and_it_posts(
    settings, tmp_path, timeouts
):
    # The old cache handed every visitor the first one's token: the page's csrf_protect sets
    # the cookie itself, which hid that the page had asked for one.
    settings.MEDIA_ROOT = tmp_path
    url = _verification_url()
    first = Client(enforce_csrf_checks=True)
    second = Client(enforce_csrf_checks=True)
    first_page, second_page = first.get(url), second.get(url)

    assert tokens_in(first_page)
    assert tokens_in(second_page)
    assert tokens_in(first_page) != tokens_in(second_page)
    assert first.cookies["csrftoken"].value != second.cookies["csrftoken"].value
    assert timeouts == []

    upload = SimpleUploadedFile("erklaerung.pdf", PDF, content_type="application/pdf")
    response = second.post(
        url, {"document": upload, "csrfmiddlewaretoken": tokens_in(second_page)[0]}
    )
    assert response.status_code == 200
    assert 'data-verdict="identical"' in response.text


def test_each_visitor_of_an_open_event_gets_their_own_token_for_the_guest_form():
    event = EventFactory(audience=Event.Audience.OPEN)
    url = reverse("meetings:event_detail", args=[event.pk])
    first, second = Client().get(url), Client().get(url)
    assert 'id="guest-form"' in second.text
    assert tokens_in(first) != tokens_in(second)
    assert second.cookies["csrftoken"].value


def test_a_page_that_asked_for_a_token_is_never_kept():
    made: list[str] = []

    def plain(request):
        made.append("plain")
        return HttpResponse("the same for everyone")

    def with_form(request):
        made.append("form")
        return HttpResponse(get_token(request))

    # csrf_protect sends the cookie itself and lowers the flag get_token raised.
    pages = [cached_for_anonymous(view) for view in (plain, with_form, csrf_protect(with_form))]
    for _ in range(2):
        for number, page in enumerate(pages):
            page(RequestFactory().get(f"/probe/{number}/"))
    assert made == ["plain", "form", "form", "form", "form"]


def test_anonymous_visitors_switch_the_language_without_a_token():
    visitor = Client(enforce_csrf_checks=True)
    response = visitor.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert visitor.cookies["django_language"].value == "en"


def test_a_logged_in_persons_language_switch_needs_the_token(contact_a):
    person = Client(enforce_csrf_checks=True)
    person.force_login(contact_a)
    refused = person.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert refused.status_code == 403
    contact_a.refresh_from_db()
    assert contact_a.language == "de"

    page = person.get(reverse("home"))
    token = tokens_in(page)[0]
    response = person.post(
        reverse("set_language"), {"language": "en", "next": "/", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    contact_a.refresh_from_db()
    assert contact_a.language == "en"
