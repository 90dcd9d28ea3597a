"""What the bad-input tests of the forms share (tests/test_fuzz_forms_*.py): the values that are
sent, sending and checking, and the data made once per test."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from meetings.models import Event, RegistrationQuestion
from members.applications.services import applicant_step, staff_step
from members.models import Application
from portal.models import Topic
from tests.factories import AffiliationFactory, ApplicationFactory, EventFactory, SignatureFactory
from tests.test_surveys import OFFICERS, SurveyFactory, add_questions

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


@pytest.fixture
def signature(db):
    return SignatureFactory.create()


@pytest.fixture
def draft(contact_a, organisation_a):
    return the_application(organisation_a, contact_a)


@pytest.fixture
def submitted(contact_a, organisation_a):
    return the_application(organisation_a, contact_a, Application.Status.SUBMITTED)


# --- Events -----------------------------------------------------------------------------------


@pytest.fixture
def member_event(member_a):
    return event_with_questions()


@pytest.fixture
def open_event(db):
    return event_with_questions(Event.Audience.OPEN)


# --- Surveys, e-mail preferences, unsubscribing, the account ----------------------------------


@pytest.fixture
def survey(member_a, contact_a):
    survey = SurveyFactory.create(audience=OFFICERS)
    survey.q = add_questions(survey)
    return survey


@pytest.fixture
def topic(db):
    return Topic.objects.create(slug="ehrenamt", name="Ehrenamt")


# --- Staff --------------------------------------------------------------------------------------


@pytest.fixture
def staff_client(client, staff_user, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    return client
