"""The unsubscribe link of the information e-mails: asking, confirming, one-click (RFC 8058),
and that nobody can unsubscribe another address or lose transactional mails by it."""

from __future__ import annotations

from email.message import Message
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from meetings.events import services as meeting_services
from portal.mailings.unsubscribe import list_unsubscribe_headers, unsubscribe_token, unsubscribe_url
from portal.mailings.views import masked
from portal.models import OutboundEmail, Topic, Unsubscribe
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db

ADDRESS = "erika.engagiert@kommune.example"
ONE_CLICK = {"List-Unsubscribe": "One-Click"}


@pytest.fixture
def topic():
    return Topic.objects.create(name="Digitale Kurzformate", slug="kurzformate")


def link(email: str = ADDRESS, topic_id: int | None = None) -> str:
    return reverse("unsubscribe", args=[unsubscribe_token(email, topic_id)])


def strict_client() -> Client:
    return Client(enforce_csrf_checks=True)


def confirm(client: Client, url: str):
    """Open the link and press the button, as a browser does (with the CSRF token)."""
    page = client.get(url)
    assert page.status_code == 200
    return client.post(url, {"csrfmiddlewaretoken": client.cookies["csrftoken"].value})


# --- Asking -----------------------------------------------------------------------------------


def test_opening_the_link_asks_and_unsubscribes_nobody(client, topic):
    response = client.get(link(topic_id=topic.pk))
    assert response.status_code == 200
    assert response.context["state"] == "confirm"
    content = response.content.decode()
    assert "Digitale Kurzformate" in content
    assert 'id="unsubscribe-form"' in content
    assert not Unsubscribe.objects.exists()


def test_the_page_shows_the_address_only_partly(client):
    content = client.get(link()).content.decode()
    assert "e…@kommune.example" in content
    assert ADDRESS not in content


def test_a_link_without_topic_names_all_information_emails(client, topic, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(link())
    assert response.context["topic"] is None
    content = response.content.decode()
    assert "no more information e-mails of the network" in content
    assert topic.name not in content


@pytest.mark.parametrize(
    ("email", "shown"),
    [("erika@kommune.example", "e…@kommune.example"), ("x@a.example", "x…@a.example")],
)
def test_masking_keeps_the_first_letter_and_the_domain(email, shown):
    assert masked(email) == shown


def test_the_page_is_not_indexed_nor_cached(client):
    response = client.get(link())
    assert '<meta name="robots" content="noindex">' in response.content.decode()
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


# --- Confirming in the browser ----------------------------------------------------------------


def test_confirming_records_the_unsubscribe_from_the_topic(topic):
    response = confirm(strict_client(), link(topic_id=topic.pk))
    assert response.status_code == 200
    assert response.context["state"] == "done"
    row = Unsubscribe.objects.get()
    assert (row.email, row.topic, row.source) == (ADDRESS, topic, Unsubscribe.Source.LINK)
    assert row.created_at is not None


def test_confirming_a_link_without_topic_unsubscribes_from_all():
    confirm(strict_client(), link())
    row = Unsubscribe.objects.get()
    assert row.topic is None
    assert row.source == Unsubscribe.Source.LINK


def test_the_success_page_leads_to_the_preferences(topic):
    response = confirm(strict_client(), link(topic_id=topic.pk))
    content = response.content.decode()
    assert reverse("email_preferences") in content
    # Whoever left one topic may want to leave all of them, with the same address.
    assert response.context["all_token"] == unsubscribe_token(ADDRESS, None)
    assert reverse("unsubscribe", args=[response.context["all_token"]]) in content


def test_a_logged_in_reader_is_told_to_use_the_preferences(client, contact_a):
    client.force_login(contact_a)
    url = link(contact_a.email)
    client.get(url)
    response = client.post(url)
    assert response.status_code == 200
    assert response.context["user"] == contact_a
    assert Unsubscribe.objects.filter(email=contact_a.email, topic=None).exists()


def test_confirming_twice_keeps_one_row_and_the_first_date(topic):
    client = strict_client()
    confirm(client, link(topic_id=topic.pk))
    first = Unsubscribe.objects.get()
    response = confirm(client, link(topic_id=topic.pk))
    assert response.status_code == 200
    assert response.context["state"] == "done"
    assert list(Unsubscribe.objects.all()) == [first]
    assert Unsubscribe.objects.get().created_at == first.created_at


def test_a_form_post_without_csrf_token_is_refused():
    response = strict_client().post(link(), {"confirm": "1"})
    assert response.status_code == 403
    assert not Unsubscribe.objects.exists()


def test_a_topic_that_is_gone_leaves_all_information_emails(topic):
    url = link(topic_id=topic.pk)
    topic.delete()
    confirm(strict_client(), url)
    assert Unsubscribe.objects.get().topic is None


def test_other_methods_are_not_allowed(client):
    assert client.put(link()).status_code == 405
    assert client.delete(link()).status_code == 405


# --- One-click (RFC 8058) ---------------------------------------------------------------------


def test_one_click_works_without_csrf_token_and_login(topic):
    response = strict_client().post(link(topic_id=topic.pk), ONE_CLICK)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    row = Unsubscribe.objects.get()
    assert (row.email, row.topic, row.source) == (ADDRESS, topic, Unsubscribe.Source.ONE_CLICK)


def plain_text(response) -> str:
    """The body decoded as a mail program does: by the charset its Content-Type names."""
    header = Message()
    header["Content-Type"] = response["Content-Type"]
    assert header.get_content_type() == "text/plain"
    charset = header.get_content_charset()
    assert charset is not None, "without a charset a client guesses, and umlauts break"
    return response.content.decode(charset)


def test_the_one_click_answers_name_their_charset_so_that_umlauts_decode(topic):
    done = strict_client().post(link(topic_id=topic.pk), ONE_CLICK, HTTP_ACCEPT_LANGUAGE="de")
    assert plain_text(done) == "Sie wurden abgemeldet."
    url = reverse("unsubscribe", args=[tampered(unsubscribe_token(ADDRESS, None))])
    refused = strict_client().post(url, ONE_CLICK, HTTP_ACCEPT_LANGUAGE="de")
    assert refused.status_code == 404
    assert plain_text(refused) == "Dieser Abmeldelink ist ungültig."


def test_one_click_accepts_a_urlencoded_body():
    response = strict_client().post(
        link(),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert Unsubscribe.objects.get().source == Unsubscribe.Source.ONE_CLICK


def test_one_click_accepts_a_multipart_body():
    # The test client encodes a dict as multipart/form-data.
    response = strict_client().post(link(), ONE_CLICK)
    assert response.status_code == 200
    assert Unsubscribe.objects.filter(topic=None, email=ADDRESS).exists()


def test_one_click_twice_is_harmless():
    client = strict_client()
    assert client.post(link(), ONE_CLICK).status_code == 200
    assert client.post(link(), ONE_CLICK).status_code == 200
    assert Unsubscribe.objects.count() == 1


@pytest.mark.parametrize(
    "body", [{"List-Unsubscribe": "Yes"}, {"Unsubscribe": "One-Click"}, {"other": "x"}]
)
def test_any_other_post_body_needs_the_csrf_token(body):
    response = strict_client().post(link(), body)
    assert response.status_code == 403
    assert not Unsubscribe.objects.exists()


def test_the_headers_of_a_mailing_lead_to_a_working_one_click_address(topic, settings):
    headers = list_unsubscribe_headers(ADDRESS, topic.pk)
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = headers["List-Unsubscribe"].strip("<>")
    assert url == unsubscribe_url(ADDRESS, topic.pk)
    assert url.startswith(settings.PORTAL_BASE_URL)
    response = strict_client().post(urlsplit(url).path, ONE_CLICK)
    assert response.status_code == 200
    assert Unsubscribe.objects.get().topic == topic


# --- Nobody unsubscribes someone else ---------------------------------------------------------


def tampered(token: str) -> str:
    """The token with one character of its signed part changed."""
    position = len(token) // 3
    replacement = "A" if token[position] != "A" else "B"
    return token[:position] + replacement + token[position + 1 :]


def forged(email: str) -> str:
    """A token in the portal's format for another address, signed with a guessed key."""
    return signing.dumps(
        {"e": email, "t": None}, key="guessed-secret", salt="portal.unsubscribe", compress=True
    )


@pytest.mark.parametrize(
    "make_token",
    [
        lambda: tampered(unsubscribe_token(ADDRESS, None)),
        lambda: forged("someone.else@kommune.example"),
        lambda: "not-a-token",
        lambda: signing.dumps({"e": ADDRESS}, salt="another.purpose"),
    ],
    ids=["tampered", "forged", "garbage", "other-salt"],
)
def test_a_token_not_made_by_the_portal_unsubscribes_nobody(client, make_token):
    url = reverse("unsubscribe", args=[make_token()])
    page = client.get(url)
    assert page.status_code == 404
    assert page.context["state"] == "invalid"
    assert "unsubscribe-form" not in page.content.decode()
    assert strict_client().post(url, ONE_CLICK).status_code == 404
    assert client.post(url).status_code == 404
    assert not Unsubscribe.objects.exists()


def test_a_token_names_exactly_its_own_address():
    confirm(strict_client(), link("anna@kommune.example"))
    assert list(Unsubscribe.objects.values_list("email", flat=True)) == ["anna@kommune.example"]


# --- Transactional mails still go out ---------------------------------------------------------


def test_a_registration_confirmation_reaches_an_address_that_left_all_mailings(contact_a, member_a):
    strict_client().post(link(contact_a.email), ONE_CLICK)
    assert Unsubscribe.objects.filter(email=contact_a.email, topic=None).exists()
    event = EventFactory()
    meeting_services.register(event, contact_a, registered_by=contact_a)
    mail = OutboundEmail.objects.get(to=contact_a.email)
    assert mail.kind == "meetings/registration_confirmed"
    assert mail.status == OutboundEmail.Status.QUEUED


def test_the_same_address_and_topic_always_get_the_same_link():
    # Mails rendered at different moments must carry one link (the tests compare them too).
    first = unsubscribe_token("Ada@Kommune.example", 7)
    assert unsubscribe_token("ada@kommune.example", 7) == first
    assert unsubscribe_token("ada@kommune.example", 8) != first
