"""Bad input for staff's forms: admin lists, add forms, workflow forms and admin actions.
How the input is drawn: tests/test_fuzz_forms_public.py."""

from __future__ import annotations

import datetime

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from declarations.models import DeclarationVersion
from tests.factories import AffiliationFactory, EventFactory, MembershipFactory
from tests.support import fuzz as support
from tests.support.fuzz import example, field, form_data, fuzz, get, likely, post, value

pytestmark = pytest.mark.django_db


# Fixtures of tests/support/fuzz.py that these tests ask for by name.
signature = support.signature
staff_client = support.staff_client
submitted = support.submitted
survey = support.survey


def changelists() -> list[str]:
    return [
        f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
        for model in admin.site._registry
    ]


# --- Staff --------------------------------------------------------------------------------------


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
