"""Bad input for every form of the portal: whatever is sent, never a server error, never markup
that reaches a page unescaped.

Each test posts (or, for search and filter pages, gets) values that hypothesis draws: markup,
control characters, invisible and right-to-left characters, very long strings, numbers where
text belongs and text where numbers belong, several values where one is expected, missing
fields and choices that were never offered, mixed with valid values, so that the valid paths
behind the forms are reached as well. Every example runs in a savepoint that is rolled back,
so each one starts from the same data.

The examples are the same in every run (derandomised), so a failure here is reproducible;
PORTAL_FUZZ_EXAMPLES=10 runs ten times as many, with fresh random input, to look for more.
See docs/quality.md, "Bad input (fuzzing)"; uploads are in tests/test_upload_bad_input.py.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from declarations.models import DeclarationVersion
from meetings.events import services as meeting_services
from meetings.models import Event, Registration, RegistrationQuestion
from members.applications.services import applicant_step, staff_step
from members.models import Affiliation, Application, Invitation, PracticeExample, Profile
from members.people.services import invite
from members.selfcheck.criteria import CRITERIA
from portal.mailings.unsubscribe import unsubscribe_token
from portal.models import Topic
from tests.factories import (
    PASSWORD,
    AffiliationFactory,
    ApplicationFactory,
    EventFactory,
    MembershipFactory,
    SessionFactory,
    SignatureFactory,
    TimeSlotFactory,
)
from tests.test_library import PublicationFactory, TopicFactory
from tests.test_surveys import OFFICERS, SurveyFactory, add_questions

pytestmark = pytest.mark.django_db

SCALE = int(os.environ.get("PORTAL_FUZZ_EXAMPLES", "1"))
BASE = settings(
    deadline=None,
    database=None,  # nothing written into the work tree
    derandomize=SCALE == 1,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def fuzz(examples: int) -> settings:
    return settings(BASE, max_examples=examples * SCALE)


# --- What is sent -----------------------------------------------------------------------------

# Each carries a word that appears nowhere else, so that finding it raw on a page means the
# markup reached the browser as markup.
MARKUP = (
    "<script>alert('fzscript')</script>",
    "\"><img src=x onerror=alert('fzimg')>",
    "'><svg onload=alert('fzsvg')>",
    "</textarea><b id=fztextarea>",
    "javascript:alert('fzlink')//",
    "{{ request }}{% debug %}",
)
RAW_MARKERS = (
    "<script>alert('fzscript')",
    "<img src=x onerror=alert('fzimg')",
    "<svg onload=alert('fzsvg')",
    "<b id=fztextarea>",
    "href=\"javascript:alert('fzlink')",
)
INVISIBLE = (
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2069\ufeff\u00ad"
)

short_text = st.text(max_size=40)
markup = st.builds(lambda a, m, b: a + m + b, short_text, st.sampled_from(MARKUP), short_text)
control = st.text(st.characters(max_codepoint=0x1F), min_size=1, max_size=12)
mixed_control = st.builds(lambda a, c, b: a + c + b, short_text, control, short_text)
invisible = st.text(st.sampled_from(INVISIBLE + "abc אבג عربي "), min_size=1, max_size=30)
huge = st.builds(
    lambda piece, length: (piece * (length // len(piece) + 1))[:length],
    st.sampled_from(["a", "ä", "9", "x y ", "<b>", "😀", "\u202e"]),
    st.integers(10_000, 100_000),
)
numbers = st.one_of(
    st.integers(-(2**80), 2**80).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(
        ["0", "-1", "1e309", "0x10", "٣", "１２", "2147483648", "-9223372036854775809"]
    ),
)
oddities = st.sampled_from(
    ["", " ", "on", "off", "true", "None", "null", "[]", "{}", "../../etc/passwd", "%00", "\\"]
)
scalar = st.one_of(markup, mixed_control, invisible, st.text(max_size=300), huge, numbers, oddities)
# A list stands for a field sent several times (a QueryDict with several values).
value = st.one_of(scalar, st.lists(scalar, min_size=2, max_size=3))


def field(*valid: Any) -> st.SearchStrategy[Any]:
    """A value for one field: often a valid one, so that the form gets past its first check."""
    if not valid:
        return value
    return st.one_of(st.sampled_from(valid), value)


def likely(*valid: Any) -> st.SearchStrategy[Any]:
    """A value that is mostly valid: for fields that decide whether the rest is looked at."""
    return st.one_of(st.sampled_from(valid), st.sampled_from(valid), st.sampled_from(valid), value)


def form_data(fields: Mapping[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    """All fields or any subset (the rest missing), now and then with one nobody asked for."""
    return st.builds(
        lambda known, extra: {**extra, **known},
        st.one_of(
            st.fixed_dictionaries(dict(fields)), st.fixed_dictionaries({}, optional=dict(fields))
        ),
        st.dictionaries(st.sampled_from(["id", "pk", "user", "status", "organisation"]), value),
    )


htmx = st.booleans()


# --- Sending and checking ---------------------------------------------------------------------


@contextmanager
def example(client: Client, user: Any = None) -> Iterator[Client]:
    """One example: rate limits and caches cleared, the user logged in, all changes undone."""
    cache.clear()
    with transaction.atomic():
        if user is not None:
            client.force_login(user)
        else:
            client.logout()
        yield client
        transaction.set_rollback(True)


def _headers(as_htmx: bool) -> dict[str, str]:
    return {"HX-Request": "true"} if as_htmx else {}


def post(client: Client, url: str, data: Mapping[str, Any], as_htmx: bool = False) -> Any:
    response = client.post(url, data, headers=_headers(as_htmx))
    check(response)
    return response


def get(client: Client, url: str, data: Mapping[str, Any], as_htmx: bool = False) -> Any:
    # urlencode(doseq) keeps lists as repeated parameters, and encodes anything at all.
    query = urlencode(dict(data), doseq=True)
    response = client.get(f"{url}?{query}", headers=_headers(as_htmx))
    check(response)
    return response


def check(response: Any) -> None:
    assert response.status_code < 500, response.status_code
    if "html" not in response.get("Content-Type", "") or response.streaming:
        return
    html = response.content.decode()
    for marker in RAW_MARKERS:
        assert marker not in html, f"unescaped markup on the page: {marker}"


# --- Data made once per test ------------------------------------------------------------------


def the_application(organisation, user, status=Application.Status.DRAFT) -> Application:
    application = ApplicationFactory.create(organisation=organisation, created_by=user)
    if status != Application.Status.DRAFT:
        applicant_step(application, user, Application.Status.SUBMITTED)
    if status == Application.Status.QUERY:
        staff = AffiliationFactory.create().user  # any person stands in as the actor below
        staff.is_staff = True
        staff.save()
        staff_step(application, staff, Application.Status.QUERY, "Welche Stelle?")
    return application


def event_with_questions(audience=Event.Audience.MEMBERS_STAFF) -> Event:
    event = EventFactory.create(audience=audience)
    Kind = RegistrationQuestion.Kind
    RegistrationQuestion.objects.create(event=event, label="Essen?", kind=Kind.YES_NO)
    RegistrationQuestion.objects.create(
        event=event, label="Exkursion?", kind=Kind.CHOICE, choices="Zeche\nPark", position=2
    )
    RegistrationQuestion.objects.create(event=event, label="Wunsch?", kind=Kind.TEXT, position=3)
    return event


def question_fields(event: Event) -> dict[str, st.SearchStrategy[Any]]:
    valid: dict[str, tuple[str, ...]] = {
        RegistrationQuestion.Kind.YES_NO: ("yes", "no"),
        RegistrationQuestion.Kind.CHOICE: ("Zeche", "Park"),
        RegistrationQuestion.Kind.TEXT: ("Gern vegetarisch",),
    }
    return {f"question_{q.pk}": field(*valid[q.kind]) for q in event.questions.all()}


# --- Public forms -----------------------------------------------------------------------------


@fuzz(40)
@given(data=form_data({c.key: field(*(key for key, _label in c.choices)) for c in CRITERIA}))
def test_the_self_check_survives_any_answers(client, data):
    with example(client) as c:
        post(c, reverse("members:self_check"), data)


@fuzz(20)
@given(data=form_data({c.key: value for c in CRITERIA}), as_htmx=htmx)
def test_the_self_check_results_survive_htmx_posts(client, data, as_htmx):
    with example(client) as c:
        post(c, reverse("members:self_check"), data, as_htmx)


@pytest.fixture
def signature(db):
    return SignatureFactory.create()


@fuzz(30)
@given(data=form_data({"code": field("ABCD-EFGH-JKMN", "abcdefghjkmn")}), method=st.booleans())
def test_the_verification_code_form_survives_anything(client, signature, data, method):
    with example(client) as c:
        send = post if method else get
        send(c, reverse("declarations:verify"), data)


@fuzz(30)
@given(
    data=form_data(
        {
            "regierungsbezirk": field("05100000"),
            "kind": field("Stadt"),
            "ehrenamtskarte": field("none", "planned"),
        }
    ),
    as_htmx=htmx,
)
def test_the_directory_filters_survive_anything(client, data, as_htmx):
    with example(client) as c:
        get(c, reverse("members:directory"), data, as_htmx)


@fuzz(30)
@given(
    data=form_data(
        {"kind": field("workshop"), "format": field("online"), "audience": field("open")}
    ),
)
def test_the_event_list_filters_survive_anything(client, member_event, data):
    with example(client) as c:
        get(c, reverse("meetings:event_list"), data)


@pytest.fixture
def library_items(member_a):
    topic = TopicFactory.create(name="Engagementstrategie")
    item = PublicationFactory.create(title="Handreichung Ehrenamt", year=2025)
    item.topics.add(topic)
    return topic


@fuzz(40)
@given(
    data=st.data(),
    as_htmx=htmx,
    who=st.sampled_from(["anonymous", "member", "staff"]),
)
def test_the_library_search_and_filters_survive_anything(
    client, library_items, contact_a, staff_user, data, as_htmx, who
):
    query = data.draw(
        form_data(
            {
                "q": field("Ehrenamt", '"Ehrenamt stärken" -Kosten', "OR", "*", "'"),
                "kind": field("publication", "method"),
                "topic": field(str(library_items.pk), "0"),
                "year": field("2025", "1900"),
                "seite": field("1", "2", "last", "0", "-1", "99999999999999999999"),
            }
        )
    )
    user = {"anonymous": None, "member": contact_a, "staff": staff_user}[who]
    with example(client, user) as c:
        get(c, reverse("meetings:library"), query, as_htmx)


@fuzz(30)
@given(
    data=form_data({"language": field("de", "en"), "next": field("/", "/wissen/", "//evil")}),
    logged_in=st.booleans(),
)
def test_the_language_switch_survives_anything(client, user_without_organisation, data, logged_in):
    with example(client, user_without_organisation if logged_in else None) as c:
        response = post(c, reverse("set_language"), data)
        if response.status_code == 302:
            assert url_has_allowed_host_and_scheme(response["Location"], {"testserver"})


# --- Accounts (allauth) -----------------------------------------------------------------------


@fuzz(30)
@given(
    data=form_data(
        {
            "login": field("person@kommune.example"),
            "password": field(PASSWORD),
            "remember": field("on"),
        }
    )
)
def test_the_login_survives_anything(client, user_without_organisation, data):
    with example(client) as c:
        post(c, reverse("account_login"), data)


@fuzz(30)
@given(
    data=form_data(
        {
            "email": field("neu@kommune.example"),
            "password1": field(PASSWORD),
            "password2": field(PASSWORD),
            "full_name": field("Erika Engagiert"),
        }
    )
)
def test_the_signup_survives_anything(client, data):
    with example(client) as c:
        post(c, reverse("account_signup"), data)


@fuzz(25)
@given(data=form_data({"email": field("person@kommune.example")}))
def test_the_password_reset_survives_anything(client, user_without_organisation, data):
    with example(client) as c:
        post(c, reverse("account_reset_password"), data)


# --- The application --------------------------------------------------------------------------

APPLICATION_FIELDS = {
    "contact_name": field("Erika Engagiert"),
    "contact_office": field("Ehrenamtsbüro"),
    "contact_email": field("erika@kommune.example"),
    "cross_cutting_task": field("Querschnittsaufgabe beim Bürgermeisterbüro " * 3),
    "willing_to_sign": field("on"),
    "ehrenamtskarte_status": field("participating", "planned", "comparable"),
    "ehrenamtskarte_planned_for": field("2027-01-01", "01.01.2027", "2027-02-30"),
    "comparable_instrument": field("Ehrenamtspreis"),
    "commits_to_participate": field("on"),
    "action": field("save", "submit"),
}


@fuzz(30)
@given(data=form_data({"authority": field("05334002", "05913000")}), q=field("Aachen", "0533"))
def test_starting_an_application_survives_anything(client, user_without_organisation, data, q):
    url = reverse("members:application_start")
    with example(client, user_without_organisation) as c:
        get(c, url, {"q": q})
        post(c, url, data)


@pytest.fixture
def draft(contact_a, organisation_a):
    return the_application(organisation_a, contact_a)


@pytest.fixture
def submitted(contact_a, organisation_a):
    return the_application(organisation_a, contact_a, Application.Status.SUBMITTED)


@pytest.fixture
def queried(contact_a, organisation_a):
    return the_application(organisation_a, contact_a, Application.Status.QUERY)


@fuzz(40)
@given(data=form_data(APPLICATION_FIELDS))
def test_editing_the_application_survives_anything(client, contact_a, draft, data):
    with example(client, contact_a) as c:
        post(c, reverse("members:application_edit", args=[draft.pk]), data)


@fuzz(25)
@given(data=form_data({"answer": field("Das Ehrenamtsbüro koordiniert.")}))
def test_answering_a_question_survives_anything(client, contact_a, queried, data):
    with example(client, contact_a) as c:
        post(c, reverse("members:application_answer", args=[queried.pk]), data)


@fuzz(25)
@given(data=form_data({"reason": field("Wir warten den Ratsbeschluss ab.")}))
def test_withdrawing_survives_anything(client, contact_a, submitted, data):
    application = submitted
    with example(client, contact_a) as c:
        post(c, reverse("members:application_withdraw", args=[application.pk]), data)


# --- People, profile, practice examples -------------------------------------------------------


@fuzz(30)
@given(
    data=form_data({"email": field("neu@kommune.example"), "role": field(*Affiliation.Role.values)})
)
def test_inviting_survives_anything(client, contact_a, data):
    with example(client, contact_a) as c:
        post(c, reverse("members:invite"), data)


PROFILE_FIELDS = {
    "introduction": field("Wir fördern das Ehrenamt."),
    "coordination_office": field("Ehrenamtsbüro im Rathaus"),
    "engagement_alliance": field(""),
    "guidelines": field("Leitlinien seit 2019"),
    "ehrenamtskarte": field(*Profile.Ehrenamtskarte.values),
    "website": field("https://www.example-town.de", "www.example-town.de", "ftp://x.de"),
}


@fuzz(30)
@given(data=form_data(PROFILE_FIELDS))
def test_editing_the_profile_survives_anything(client, contact_a, data):
    with example(client, contact_a) as c:
        post(c, reverse("members:profile_edit"), data)


@fuzz(25)
@given(data=form_data({"consent": field("on"), "office": field("Ehrenamtsbüro")}))
def test_the_public_contact_consent_survives_anything(client, colleague_a, data):
    with example(client, colleague_a) as c:
        post(c, reverse("members:public_contact"), data)


PRACTICE_FIELDS = {
    "title": field("Ehrenamtsmesse"),
    "text": field("Vereine stellen sich vor."),
    "link": field("https://www.example.org/messe", "example.org"),
    "image_alt": field("Menschen am Infostand"),
    "remove_image": field("on"),
}


@pytest.fixture
def practice(contact_a):
    profile = Profile.objects.create(organisation=contact_a.affiliation.organisation)
    return PracticeExample.objects.create(profile=profile, title="Messe", text="Text")


@fuzz(30)
@given(data=form_data(PRACTICE_FIELDS), editing=st.booleans())
def test_practice_examples_survive_anything(client, contact_a, practice, data, editing):
    if editing:
        url = reverse("members:practice_edit", args=[practice.pk])
    else:
        url = reverse("members:practice_create")
    with example(client, contact_a) as c:
        post(c, url, data)


# --- The declaration --------------------------------------------------------------------------


@fuzz(35)
@given(
    data=form_data(
        {
            "signatory_name": field("Dr. Berta Bürgermeisterin"),
            "signatory_office": field("Bürgermeisterin"),
            "place": field("Musterstadt"),
            "signed_on": field(
                timezone.localdate().isoformat(), "01.06.2026", "2026-02-30", "9999-12-31"
            ),
            "authorisation_confirmed": field("on"),
        }
    )
)
def test_signing_the_declaration_survives_anything(client, member_a, contact_a, data):
    version = DeclarationVersion.objects.get(is_current=True)
    assert version.published_on is not None
    with example(client, contact_a) as c:
        post(c, reverse("declarations:sign"), data)


# --- Events -----------------------------------------------------------------------------------


@pytest.fixture
def member_event(member_a):
    return event_with_questions()


@fuzz(35)
@given(data=st.data(), as_htmx=htmx)
def test_registering_for_an_event_survives_anything(
    client, member_event, contact_a, colleague_a, data, as_htmx
):
    fields = {
        **question_fields(member_event),
        "participant": likely("", str(colleague_a.pk), "0"),
        "listed_consent": field("on"),
        "needs": field("vegetarisch"),
    }
    sent = data.draw(form_data(fields))
    with example(client, contact_a) as c:
        post(c, reverse("meetings:register", args=[member_event.pk]), sent, as_htmx)


@pytest.fixture
def open_event(db):
    return event_with_questions(Event.Audience.OPEN)


@fuzz(35)
@given(data=st.data(), as_htmx=htmx)
def test_registering_as_a_guest_survives_anything(client, open_event, data, as_htmx):
    event = open_event
    fields = {
        **question_fields(event),
        "name": field("Gerda Gast"),
        "email": field("gerda@verein.example"),
        "organisation": field("Sportverein"),
        "listed_consent": field("on"),
        "needs": field(""),
        "privacy": field("on"),
    }
    sent = data.draw(form_data(fields))
    with example(client) as c:
        post(c, reverse("meetings:guest_register", args=[event.pk]), sent, as_htmx)


@pytest.fixture
def registration_with_sessions(member_a, contact_a):
    event = EventFactory.create()
    slot = TimeSlotFactory.create(event=event)
    SessionFactory.create(slot=slot)
    SessionFactory.create(slot=slot, capacity=1)
    registration = meeting_services.register(event, contact_a, registered_by=contact_a)
    assert registration.status == Registration.Status.CONFIRMED
    return registration


@fuzz(30)
@given(data=st.data(), as_htmx=htmx)
def test_choosing_workshops_survives_anything(
    client, registration_with_sessions, contact_a, data, as_htmx
):
    slot = registration_with_sessions.event.slots.get()
    session_ids = [str(pk) for pk in slot.sessions.values_list("pk", flat=True)]
    sent = data.draw(form_data({f"slot-{slot.pk}": likely("", *session_ids)}))
    url = reverse("meetings:sessions", args=[registration_with_sessions.pk])
    with example(client, contact_a) as c:
        post(c, url, sent, as_htmx)


@fuzz(20)
@given(data=form_data({}))
def test_cancelling_a_registration_survives_anything(
    client, registration_with_sessions, contact_a, data
):
    with example(client, contact_a) as c:
        post(c, reverse("meetings:cancel", args=[registration_with_sessions.pk]), data)


@pytest.fixture
def guest_registration(db):
    event = EventFactory.create(audience=Event.Audience.OPEN)
    TimeSlotFactory.create(event=event)
    pending = meeting_services.request_guest_registration(
        event, name="Gerda Gast", email="gerda@verein.example"
    )
    assert pending is not None
    return meeting_services.confirm_guest(pending)


@fuzz(25)
@given(
    data=form_data({"slot-1": field("", "1")}),
    what=st.sampled_from(["guest_sessions", "guest_cancel"]),
)
def test_a_guests_pages_survive_anything(client, guest_registration, data, what):
    with example(client) as c:
        post(c, reverse(f"meetings:{what}", args=[guest_registration.guest_token]), data)


# --- Surveys, e-mail preferences, unsubscribing, the account ----------------------------------


@pytest.fixture
def survey(member_a, contact_a):
    survey = SurveyFactory.create(audience=OFFICERS)
    survey.q = add_questions(survey)
    return survey


@fuzz(40)
@given(data=st.data())
def test_answering_a_survey_survives_anything(client, survey, contact_a, data):
    q = survey.q
    fields = {
        f"question_{q['single'].pk}": field("Ja", "Nein"),
        f"question_{q['multiple'].pk}": field(["Workshops", "Kurzformate"], "Workshops"),
        f"question_{q['scale'].pk}": field("1", "3", "5", "6"),
        f"question_{q['text'].pk}": field("Mehr Austausch"),
        "action": field("draft", "submit"),
    }
    sent = data.draw(form_data(fields))
    with example(client, contact_a) as c:
        post(c, reverse("members:survey", args=[survey.pk]), sent)


@pytest.fixture
def topic(db):
    return Topic.objects.create(slug="ehrenamt", name="Ehrenamt")


@fuzz(25)
@given(data=st.data())
def test_the_email_preferences_survive_anything(client, user_without_organisation, topic, data):
    sent = data.draw(
        form_data({"topics": field(str(topic.pk), [str(topic.pk), "0"]), "no_mail": field("on")})
    )
    with example(client, user_without_organisation) as c:
        post(c, reverse("email_preferences"), sent)


@fuzz(25)
@given(data=form_data({"List-Unsubscribe": field("One-Click")}))
def test_unsubscribing_survives_anything(client, data):
    token = unsubscribe_token("leser@kommune.example", None)
    with example(client) as c:
        post(c, reverse("unsubscribe", args=[token]), data)


@fuzz(30)
@given(data=form_data({"password": field(PASSWORD, "falsch"), "understood": field("on")}))
def test_deleting_the_account_survives_anything(client, user_without_organisation, data):
    with example(client, user_without_organisation) as c:
        post(c, reverse("account_delete"), data)


@pytest.fixture
def invitation(contact_a):
    return invite(contact_a.affiliation.organisation, contact_a, "neu@kommune.example", "colleague")


@fuzz(20)
@given(data=form_data({}))
def test_posts_without_fields_survive_anything(client, contact_a, colleague_a, invitation, data):
    assert isinstance(invitation, Invitation)
    urls = [
        reverse("meetings:feed_renew"),
        reverse("members:remove_person", args=[colleague_a.affiliation.pk]),
    ]
    with example(client, contact_a) as c:
        for url in urls:
            post(c, url, data)


# --- Addresses with a secret or a key in them --------------------------------------------------

TOKEN_URLS = [
    "/netzwerk/mitglieder/{}/",
    "/erklaerung/fassung/{}/",
    "/erklaerung/fassung/{}/formular.pdf",
    "/erklaerung/pruefen/{}/",
    "/einladung/{}/",
    "/abmelden/{}/",
    "/kalender/{}.ics",
    "/anmeldung/gast/bestaetigen/{}/",
    "/anmeldung/gast/{}/",
    "/anmeldung/gast/{}/kalender.ics",
    "/anmeldung/gast/{}/stornieren/",
    "/anmeldung/gast/{}/workshops/",
]


@fuzz(40)
@given(
    template=st.sampled_from(TOKEN_URLS),
    token=st.one_of(scalar.filter(bool), st.just("\x00")),
    method=st.sampled_from(["get", "post"]),
    logged_in=st.booleans(),
)
def test_addresses_with_any_token_survive(
    client, user_without_organisation, template, token, method, logged_in
):
    # "/" would leave the pattern, which is another test's business (404 by the resolver).
    url = template.format(quote(token[:3000], safe=""))
    with example(client, user_without_organisation if logged_in else None) as c:
        response = getattr(c, method)(url)
        check(response)


# --- Staff --------------------------------------------------------------------------------------


@pytest.fixture
def staff_client(client, staff_user, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    return client


def changelists() -> list[str]:
    return [
        f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
        for model in admin.site._registry
    ]


@pytest.mark.parametrize("name", changelists())
def test_every_admin_list_survives_huge_and_odd_search_words(staff_client, staff_user, name):
    url = reverse(name)
    staff_client.force_login(staff_user)
    queries = [
        {"q": "<script>alert('fzscript')</script>" * 3000},
        {"q": "\u202e\u200b" + "ä" * 20_000, "o": "99.-1.x", "p": "-1"},
        {"q": ["a", "b"], "p": "99999999999999999999", "all": "", "e": "1"},
        {"o": "<b id=fztextarea>", "_popup": "1", "_to_field": "password"},
        {"q": "Ehren\x00amt", "o": "1\x00", "p": "\x00"},
        {"id__exact": "\x00"},
    ]
    for query in queries:
        get(staff_client, url, query)


@fuzz(40)
@given(
    name=st.sampled_from(changelists()),
    data=form_data({"q": value, "o": value, "p": value, "status__exact": value, "kind": value}),
)
def test_admin_lists_survive_any_query(staff_client, staff_user, name, data):
    with example(staff_client, staff_user) as c:
        get(c, reverse(name), data)


# Admin's add forms, with whatever fields they show: staff type into them too.
ADD_FORMS = [
    "admin:meetings_event_add",
    "admin:meetings_publication_add",
    "admin:meetings_librarytopic_add",
    "admin:members_survey_add",
    "admin:portal_mailing_add",
    "admin:portal_topic_add",
    "admin:declarations_declarationversion_add",
    "admin:members_organisation_add",
]


@pytest.fixture
def add_form_fields(staff_client, staff_user) -> dict[str, list[str]]:
    staff_client.force_login(staff_user)
    fields = {}
    for name in ADD_FORMS:
        response = staff_client.get(reverse(name))
        assert response.status_code == 200, name
        fields[name] = list(response.context["adminform"].form.fields)
    return fields


@fuzz(40)
@given(data=st.data())
def test_admin_add_forms_survive_anything(staff_client, staff_user, add_form_fields, data):
    name = data.draw(st.sampled_from(ADD_FORMS))
    sent = data.draw(form_data(dict.fromkeys(add_form_fields[name], value)))
    with example(staff_client, staff_user) as c:
        post(c, reverse(name), sent)


@pytest.fixture
def staff_forms(submitted, signature):
    """Staff's own forms beside admin's model forms: address → fields."""
    membership = MembershipFactory.create(organisation=AffiliationFactory.create().organisation)
    event = EventFactory.create()
    application = submitted
    return {
        reverse("admin:members_application_step", args=[application.pk]): {
            "to_status": field("in_review", "query", "approved", "rejected"),
            "note": field("Bitte ergänzen"),
        },
        reverse("admin:members_membership_end", args=[membership.pk]): {
            "until": field(datetime.date.today().isoformat(), "2020-02-30"),
            "reason": field("Austritt"),
        },
        reverse("admin:declarations_signature_supersede", args=[signature.pk]): {
            "reason": field("Falsches Datum"),
        },
        reverse("admin:meetings_event_message", args=[event.pk]): {
            "statuses": field("confirmed", ["confirmed", "waitlisted"]),
            "subject": field("Hinweis"),
            "body": field("Bitte beachten"),
        },
    }


@fuzz(30)
@given(data=st.data())
def test_staffs_workflow_forms_survive_anything(staff_client, staff_user, staff_forms, data):
    url = data.draw(st.sampled_from(sorted(staff_forms)))
    sent = data.draw(form_data(staff_forms[url]))
    with example(staff_client, staff_user) as c:
        post(c, url, sent)


@pytest.fixture
def bulk_actions(submitted, signature, survey):
    """Admin's actions with a confirmation page: changelist → (action, its ids, its fields)."""
    membership = MembershipFactory.create(organisation=AffiliationFactory.create().organisation)
    event = EventFactory.create()
    version = DeclarationVersion.objects.order_by("pk").first()
    assert version is not None
    return {
        "/admin/members/application/": {
            name: ([submitted.pk], {"note": field("Bitte ergänzen")})
            for name in ("start_review", "ask_question", "approve", "reject")
        },
        "/admin/members/membership/": {
            "end_memberships": (
                [membership.pk],
                {"until": field(datetime.date.today().isoformat()), "reason": field("Austritt")},
            )
        },
        "/admin/meetings/event/": {
            "cancel_events": ([event.pk], {"message": field("Fällt aus")}),
        },
        "/admin/declarations/signature/": {
            "supersede_signatures": ([signature.pk], {"reason": field("Falsches Datum")}),
        },
        "/admin/declarations/declarationversion/": {
            "publish_version": ([version.pk], {}),
        },
        "/admin/members/survey/": {"send_reminders": ([survey.pk], {})},
    }


@fuzz(30)
@given(data=st.data())
def test_admin_actions_and_their_confirmation_pages_survive_anything(
    staff_client, staff_user, bulk_actions, data
):
    url = data.draw(st.sampled_from(sorted(bulk_actions)))
    action = data.draw(st.sampled_from(sorted(bulk_actions[url])))
    ids, fields = bulk_actions[url][action]
    sent = data.draw(
        form_data(
            {
                "action": likely(action),
                ACTION_CHECKBOX_NAME: likely(*ids, [str(pk) for pk in ids]),
                "apply": likely("1"),
                "select_across": field("0", "1"),
                **fields,
            }
        )
    )
    with example(staff_client, staff_user) as c:
        post(c, url, sent)


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
