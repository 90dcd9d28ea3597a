"""Bad input for the public forms and the accounts: whatever is sent, never a server error,
never markup that reaches a page unescaped.

This module holds the public forms and the accounts; the members' forms, staff's forms and
what the fuzzing found are in the other tests/test_fuzz_forms_*.py modules.

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

import pytest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from hypothesis import given
from hypothesis import strategies as st

from members.selfcheck.criteria import CRITERIA
from tests.factories import PASSWORD, PublicationFactory, TopicFactory
from tests.support import fuzz as support
from tests.support.fuzz import example, field, form_data, fuzz, get, htmx, post, value

pytestmark = pytest.mark.django_db


# Fixtures of tests/support/fuzz.py that these tests ask for by name.
member_event = support.member_event
signature = support.signature
topic = support.topic


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
