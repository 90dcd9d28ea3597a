"""The public self-check "Can my municipality join?": verdicts, form and view."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from members.selfcheck.criteria import (
    CRITERIA,
    Verdict,
    assess,
    clean_answers,
    verdict,
)
from members.selfcheck.views import SESSION_KEY

pytestmark = pytest.mark.django_db

URL = reverse("members:self_check")
ALL_MET = {
    "contact_person": "yes",
    "cross_cutting_task": "yes",
    "declaration": "yes",
    "ehrenamtskarte": "participating",
    "participation": "yes",
}


def verdicts_in(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-criterion="(\w+)"\s+data-verdict="(\w+)"', html))


def h1_count(html: str) -> int:
    return len(re.findall(r"<h1[\s>]", html))


# --- Verdicts ----------------------------------------------------------------------------------


def test_there_is_one_question_for_each_of_the_five_criteria():
    assert [c.key for c in CRITERIA] == list(ALL_MET)


@pytest.mark.parametrize("key", list(ALL_MET))
def test_it_marks_yes_or_its_equivalent_as_met(key):
    assert verdict(key, ALL_MET[key]) == Verdict.MET


@pytest.mark.parametrize("answer", ["participating", "planned", "comparable"])
def test_it_marks_a_taken_part_planned_or_comparable_ehrenamtskarte_as_met(answer):
    assert verdict("ehrenamtskarte", answer) == Verdict.MET


def test_it_marks_a_planned_ehrenamtskarte_as_met():
    assert verdict("ehrenamtskarte", "planned") == Verdict.MET


def test_it_marks_no_ehrenamtskarte_and_no_comparable_instrument_as_not_met():
    assert verdict("ehrenamtskarte", "none") == Verdict.NOT_MET


@pytest.mark.parametrize(
    ("key", "answer"),
    [
        ("contact_person", "no"),
        ("cross_cutting_task", "in_preparation"),
        ("cross_cutting_task", "no"),
        ("declaration", "undecided"),
        ("declaration", "no"),
        ("participation", "no"),
    ],
)
def test_it_marks_anything_short_of_yes_as_not_met_yet(key, answer):
    assert verdict(key, answer) == Verdict.NOT_MET


@pytest.mark.parametrize("answer", [None, "", "maybe", "planned", ["yes"]])
def test_it_treats_a_missing_or_unknown_answer_as_not_answered(answer):
    assert verdict("contact_person", answer) == Verdict.UNANSWERED


def test_every_answer_that_is_not_met_says_what_to_do():
    for criterion in CRITERIA:
        for answer, _label in criterion.choices:
            result = next(
                r for r in assess({criterion.key: answer}).results if r.criterion == criterion
            )
            if result.verdict == Verdict.NOT_MET:
                assert str(result.next_step)
            else:
                assert result.next_step is None


def test_a_municipality_meeting_all_five_criteria_can_apply():
    assessment = assess(ALL_MET)
    assert assessment.can_apply
    assert assessment.outcome == "can_apply"
    assert assessment.missing == []


def test_one_criterion_not_met_means_not_yet_and_names_it():
    assessment = assess({**ALL_MET, "declaration": "undecided"})
    assert not assessment.can_apply
    assert assessment.outcome == "not_yet"
    assert [r.criterion.key for r in assessment.missing] == ["declaration"]


def test_unanswered_questions_make_the_check_incomplete_not_failed():
    assessment = assess({"contact_person": "yes"})
    assert assessment.outcome == "incomplete"
    assert len(assessment.unanswered) == 4
    assert assessment.missing == []


def test_an_empty_check_has_every_criterion_unanswered():
    assert {r.verdict for r in assess({}).results} == {Verdict.UNANSWERED}


def test_cleaning_keeps_only_known_criteria_with_a_valid_answer():
    assert clean_answers({"contact_person": "yes", "declaration": "perhaps", "other": "yes"}) == {
        "contact_person": "yes"
    }


# --- View --------------------------------------------------------------------------------------


def test_the_page_shows_the_empty_form_with_one_heading(client):
    response = client.get(URL)
    assert response.status_code == 200
    text = response.text
    assert h1_count(text) == 1
    assert '<html lang="de">' in text
    assert re.search(r"<title>[^<]+</title>", text)
    assert text.count('type="radio"') == 2 + 3 + 3 + 4 + 2
    assert text.count("<fieldset") == 5
    assert "checked" not in text
    assert set(verdicts_in(text).values()) == {"unanswered"}
    assert 'aria-live="polite"' in text
    assert 'hx-post="/mitmachen/selbstcheck/"' in text
    assert 'hx-trigger="change"' in text
    assert 'action="/mitmachen/selbstcheck/"' in text


def test_every_radio_button_has_a_label(client):
    text = client.get(URL).text
    ids = re.findall(r'<input type="radio"[^>]* id="([^"]+)"', text)
    assert len(ids) == 14
    for control_id in ids:
        assert f'<label class="kern-label" for="{control_id}">' in text


def test_a_post_without_htmx_renders_the_whole_page_with_the_verdicts(client):
    response = client.post(URL, {"contact_person": "yes", "ehrenamtskarte": "none"})
    assert response.status_code == 200
    assert "<html" in response.text
    assert h1_count(response.text) == 1
    assert verdicts_in(response.text) == {
        "contact_person": "met",
        "cross_cutting_task": "unanswered",
        "declaration": "unanswered",
        "ehrenamtskarte": "not_met",
        "participation": "unanswered",
    }
    assert 'data-outcome="not_yet"' in response.text
    # The answers stay selected in the form.
    assert re.search(r'value="yes" id="id_contact_person_0"[^>]*checked', response.text)
    # What is missing, and where to turn.
    assert 'href="/mitmachen/"' in response.text
    assert "mailto:" in response.text


def test_an_htmx_post_returns_only_the_results(client):
    response = client.post(URL, {"participation": "no"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "<form" not in response.text
    assert h1_count(response.text) == 0
    assert verdicts_in(response.text)["participation"] == "not_met"
    assert 'data-outcome="not_yet"' in response.text


def test_unanswered_questions_are_no_error(client):
    response = client.post(URL, {})
    assert response.status_code == 200
    assert "kern-error" not in response.text
    assert 'aria-invalid="true"' not in response.text
    assert 'data-outcome="incomplete"' in response.text


def test_an_answer_that_is_not_offered_shows_an_error_next_to_the_question(client):
    response = client.post(URL, {**ALL_MET, "declaration": "<b>perhaps</b>"})
    assert response.status_code == 200
    text = response.text
    assert 'id="id_declaration_error"' in text
    assert 'aria-describedby="id_declaration_helptext id_declaration_error"' in text
    assert text.count('class="kern-error"') == 1
    assert "<b>perhaps</b>" not in text
    assert verdicts_in(text)["declaration"] == "unanswered"
    assert SESSION_KEY not in client.session


def test_a_bad_value_through_htmx_is_no_server_error(client):
    response = client.post(URL, {"ehrenamtskarte": "maybe"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert verdicts_in(response.text)["ehrenamtskarte"] == "unanswered"


def test_when_all_five_are_met_the_answers_are_kept_for_the_application(client):
    response = client.post(URL, {**ALL_MET, "ehrenamtskarte": "planned"})
    assert response.status_code == 200
    assert 'data-outcome="can_apply"' in response.text
    assert f'href="{reverse("members:application_start")}"' in response.text
    assert set(verdicts_in(response.text).values()) == {"met"}
    assert client.session[SESSION_KEY] == {**ALL_MET, "ehrenamtskarte": "planned"}


def test_the_htmx_result_offers_the_application_too(client):
    response = client.post(URL, ALL_MET, HTTP_HX_REQUEST="true")
    assert f'href="{reverse("members:application_start")}"' in response.text
    assert client.session[SESSION_KEY] == ALL_MET


def test_changing_an_answer_to_not_met_forgets_the_kept_answers(client):
    client.post(URL, ALL_MET)
    client.post(URL, {**ALL_MET, "participation": "no"}, HTTP_HX_REQUEST="true")
    assert SESSION_KEY not in client.session


def test_the_page_shows_the_kept_answers_again(client):
    client.post(URL, ALL_MET)
    response = client.get(URL)
    assert re.search(r'value="participating" id="id_ehrenamtskarte_0"[^>]*checked', response.text)
    assert 'data-outcome="can_apply"' in response.text


def test_answers_in_the_session_that_are_not_offered_are_ignored(client):
    session = client.session
    session[SESSION_KEY] = {"contact_person": "perhaps", "declaration": "yes", "x": 1}
    session.save()
    response = client.get(URL)
    assert response.status_code == 200
    assert verdicts_in(response.text)["contact_person"] == "unanswered"
    assert verdicts_in(response.text)["declaration"] == "met"


def test_other_methods_are_not_allowed(client):
    assert client.put(URL).status_code == 405


def test_the_self_check_needs_few_queries(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        client.get(URL)
    with django_assert_max_num_queries(3):
        client.post(URL, {"contact_person": "no"}, HTTP_HX_REQUEST="true")
    with django_assert_max_num_queries(3):
        client.post(URL, {"contact_person": "yes"})


def test_keeping_the_answers_needs_few_queries(client, django_assert_max_num_queries):
    # Creating the session: a check for a free key and the insert, in a savepoint under test.
    with django_assert_max_num_queries(4):
        client.post(URL, ALL_MET)
    with django_assert_max_num_queries(3):
        client.get(URL)


@pytest.mark.parametrize("path", ["/", "/mitmachen/"])
def test_the_home_and_join_pages_link_to_the_self_check(client, path):
    assert 'href="/mitmachen/selbstcheck/"' in client.get(path).text
