"""What the fuzzing found, pinned down, and markup typed into a form that must come back as
text. How the input is drawn: tests/test_fuzz_forms_public.py."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from meetings.models import RegistrationQuestion
from members.models import Application
from tests.support import fuzz as support
from tests.support.fuzz import check, example, get, post

pytestmark = pytest.mark.django_db


# Fixtures of tests/support/fuzz.py that these tests ask for by name.
draft = support.draft
member_event = support.member_event
open_event = support.open_event
staff_client = support.staff_client
submitted = support.submitted
survey = support.survey
topic = support.topic


# --- What the fuzzing found, pinned down ---------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/netzwerk/mitglieder/%00/",
        "/kalender/%00.ics",
        "/anmeldung/gast/%00/",
        "/erklaerung/pruefen/ABCD%00/",
    ],
)
def test_a_nul_character_in_the_path_is_a_bad_request(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "Ungültige Anfrage" in response.content.decode() or "Bad request" in response.text


NUL_QUERIES = [
    (
        "members:directory",
        {"regierungsbezirk": "\x00", "kind": "Stadt\x00", "ehrenamtskarte": "\x00"},
    ),
    ("meetings:event_list", {"kind": "\x00", "format": "online\x00", "audience": "\x00"}),
    ("meetings:library", {"q": "Ehren\x00amt", "kind": "\x00", "topic": "1\x00", "seite": "\x00"}),
    ("members:application_start", {"q": "Aach\x00en"}),
    ("declarations:verify", {"code": "ABCD-EFGH-JKM\x00"}),
    ("admin_login", {"next": "/admin/\x00"}),
    ("account_login", {"next": "/\x00"}),
]


@pytest.mark.parametrize(("name", "query"), NUL_QUERIES)
def test_a_nul_character_in_a_query_string_is_ignored_by_the_form(
    client, user_without_organisation, name, query
):
    client.force_login(user_without_organisation)
    response = get(client, reverse(name), query)
    assert response.status_code in (200, 302)


def test_a_language_switch_back_to_a_bare_word_is_no_server_error(client):
    response = client.post(reverse("set_language"), {"language": "xx", "next": "home"})
    assert response.status_code == 302
    assert url_has_allowed_host_and_scheme(response["Location"], {"testserver"})


def test_a_forged_municipality_with_a_nul_character_is_no_choice(client, user_without_organisation):
    client.force_login(user_without_organisation)
    response = client.post(reverse("members:application_start"), {"authority": "05334\x00002"})
    assert response.status_code == 200
    assert (
        "Bitte wählen Sie eine Kommune in Nordrhein-Westfalen aus der Liste aus." in response.text
    )
    assert not Application.objects.exists()


def test_a_staff_note_with_a_nul_character_is_refused_with_a_message(
    staff_client, staff_user, submitted
):
    staff_client.force_login(staff_user)
    url = reverse("admin:members_application_step", args=[submitted.pk])
    response = staff_client.post(url, {"to_status": "query", "note": "Welche\x00Stelle?"})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Application.Status.SUBMITTED
    page = staff_client.get(response["Location"]).content.decode()
    assert "Nullzeichen" in page or "Null characters" in page


def test_the_help_text_of_an_event_question_is_escaped(client, member_event, contact_a):
    RegistrationQuestion.objects.create(
        event=member_event,
        label="Anreise",
        kind=RegistrationQuestion.Kind.TEXT,
        help_text="<script>alert('fzscript')</script>",
        position=9,
    )
    client.force_login(contact_a)
    response = client.get(reverse("meetings:event_detail", args=[member_event.pk]))
    check(response)
    assert "&lt;script&gt;alert(&#x27;fzscript&#x27;)&lt;/script&gt;" in response.text


@pytest.mark.parametrize(
    ("name", "data"),
    [
        (
            "admin:meetings_publication_add",
            {"title": "X", "topics": ["abc", "1\x00"], "event": "x"},
        ),
        ("admin:meetings_timeslot_add", {"title": "X", "event": "-"}),
        ("admin:members_organisation_add", {"authority": "<script>alert('fzscript')</script>"}),
        ("admin:members_profile_add", {"organisation": "99999999999999999999999"}),
    ],
)
def test_admin_forms_with_forged_autocomplete_values_show_their_errors(
    staff_client, staff_user, name, data
):
    staff_client.force_login(staff_user)
    response = post(staff_client, reverse(name), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors


# --- Markup typed into a form comes back as text -----------------------------------------------

XSS = "<script>alert('fzscript')</script>"
ESCAPED = "&lt;script&gt;alert(&#x27;fzscript&#x27;)&lt;/script&gt;"


def test_markup_comes_back_escaped_on_the_pages_that_show_it_again(
    client, contact_a, draft, open_event, survey, member_a
):
    """Each form is sent with one field invalid, so that the page shows the typed text again."""
    cases = [
        (contact_a, reverse("members:profile_edit"), {"introduction": XSS, "website": "ftp://x"}),
        (contact_a, reverse("members:practice_create"), {"title": XSS, "link": "javascript:x"}),
        (
            contact_a,
            reverse("members:application_edit", args=[draft.pk]),
            {"contact_name": XSS, "contact_email": "kein-e-mail"},
        ),
        (
            contact_a,
            reverse("declarations:sign"),
            {"signatory_name": XSS, "signatory_office": XSS, "place": XSS, "signed_on": "x"},
        ),
        (
            contact_a,
            reverse("members:survey", args=[survey.pk]),
            {f"question_{survey.q['text'].pk}": XSS, f"question_{survey.q['scale'].pk}": "99"},
        ),
        (None, reverse("meetings:guest_register", args=[open_event.pk]), {"name": XSS}),
        (None, reverse("account_signup"), {"full_name": XSS, "email": XSS}),
        (None, reverse("declarations:verify"), {"code": XSS}),
    ]
    for user, url, data in cases:
        with example(client, user) as c:
            response = post(c, url, data)
            assert response.status_code == 200, url
            assert ESCAPED in response.text, url
