"""Online surveys, the services: who is asked, drafts, submission, reminders."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection
from django.utils import formats, timezone
from django.utils.timezone import localtime

from meetings.models import Registration
from members.models import Affiliation, Survey, SurveyAnswer, SurveyQuestion, SurveyResponse
from members.people.services import organisation_of
from members.surveys import services as surveys
from portal.models import OutboundEmail
from tests.factories import (
    AffiliationFactory,
    EventFactory,
    MembershipFactory,
    OrganisationFactory,
    SurveyFactory,
    SurveyQuestionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
Role = Affiliation.Role
Kind = SurveyQuestion.Kind
Submitted = SurveyResponse.Status.SUBMITTED

CONTACTS = [{"segment": "members.contacts"}]
OFFICERS = [{"segment": "members.engagement_officers"}]
HEADS = [{"segment": "members.heads"}]


def add_questions(survey):
    """One question of each kind (a dict by kind); the text is optional."""
    return {
        "single": SurveyQuestionFactory(
            survey=survey,
            kind=Kind.SINGLE,
            text="Hat Ihre Kommune eine Koordinierungsstelle?",
            options="Ja\nNein\nIn Planung",
        ),
        "multiple": SurveyQuestionFactory(
            survey=survey,
            kind=Kind.MULTIPLE,
            text="Welche Formate nutzen Sie?",
            options="Netzwerktreffen\nWorkshops\nKurzformate",
        ),
        "scale": SurveyQuestionFactory(
            survey=survey,
            kind=Kind.SCALE,
            text="Wie zufrieden sind Sie mit dem Netzwerk?",
            scale_min=1,
            scale_max=5,
            scale_min_label="gar nicht",
            scale_max_label="sehr",
        ),
        "text": SurveyQuestionFactory(
            survey=survey, kind=Kind.TEXT, text="Was wünschen Sie sich?", required=False
        ),
    }


def member_person(organisation, role=Role.CONTACT, **user):
    return AffiliationFactory(
        organisation=organisation, role=role, **{f"user__{k}": v for k, v in user.items()}
    ).user


@pytest.fixture
def survey():
    return SurveyFactory()


@pytest.fixture
def questions(survey):
    return add_questions(survey)


@pytest.fixture
def answers(questions):
    return {
        questions["single"].pk: "Ja",
        questions["multiple"].pk: ["Workshops", "Kurzformate"],
        questions["scale"].pk: 4,
        questions["text"].pk: "Mehr Austausch",
    }


def stored(response):
    return dict(response.answers.values_list("question__text", "value"))


# --- Who is asked -----------------------------------------------------------------------------


def test_a_per_organisation_survey_groups_the_people_by_municipality(
    member_a, contact_a, colleague_a, head_a, organisation_b, contact_b
):
    second_contact = member_person(member_a)
    MembershipFactory(organisation=organisation_b)
    survey = SurveyFactory(audience=OFFICERS)

    found = surveys.respondents(survey)

    assert [r.label for r in found] == sorted(
        [member_a.authority.name, organisation_b.authority.name], key=str.casefold
    )
    by_key = {r.key: r for r in found}
    mine = by_key[f"organisation:{member_a.pk}"]
    assert set(mine.people) == {contact_a, colleague_a, second_contact}
    assert mine.organisation == member_a
    assert mine.label == member_a.authority.name
    assert by_key[f"organisation:{organisation_b.pk}"].people == (contact_b,)


def test_only_members_people_of_the_chosen_role_are_asked(
    member_a, contact_a, colleague_a, head_a, contact_b
):
    # contact_b's municipality is not a member: the members' segments leave it out.
    contacts = surveys.respondents(SurveyFactory(audience=CONTACTS))
    heads = surveys.respondents(SurveyFactory(audience=HEADS))

    assert [r.people for r in contacts] == [(contact_a,)]
    assert [r.people for r in heads] == [(head_a,)]


def test_a_per_person_survey_asks_each_person_with_name_and_municipality(
    member_a, contact_a, colleague_a
):
    contact_a.full_name = "Anna Adler"
    contact_a.save()
    colleague_a.full_name = "Zora Zeisig"
    colleague_a.save()
    survey = SurveyFactory(audience=OFFICERS, respondent=Survey.Respondent.PERSON)

    found = surveys.respondents(survey)

    assert [r.key for r in found] == [f"user:{contact_a.pk}", f"user:{colleague_a.pk}"]
    assert found[0].label == f"Anna Adler ({member_a.authority.name})"
    assert found[0].people == (contact_a,)
    assert found[0].organisation == member_a


def test_registrants_of_an_event_are_asked_if_they_have_an_account(member_a, contact_a):
    event = EventFactory()
    loner = UserFactory(full_name="Lena Ohnekommune")
    Registration.objects.create(
        event=event, user=contact_a, status=Registration.Status.CONFIRMED, organisation=member_a
    )
    Registration.objects.create(event=event, user=loner, status=Registration.Status.CONFIRMED)
    Registration.objects.create(
        event=event,
        guest_name="Gerd Gast",
        guest_email="gast@verein.example",
        status=Registration.Status.CONFIRMED,
        confirmed_at=timezone.now(),
    )
    Registration.objects.create(
        event=event, user=UserFactory(), status=Registration.Status.CANCELLED
    )
    audience = [{"segment": "meetings.registrants", "event": event.pk, "status": "confirmed"}]

    per_person = surveys.respondents(
        SurveyFactory(audience=audience, respondent=Survey.Respondent.PERSON)
    )
    per_organisation = surveys.respondents(SurveyFactory(audience=audience))

    assert {r.key for r in per_person} == {f"user:{contact_a.pk}", f"user:{loner.pk}"}
    assert next(r for r in per_person if r.people == (loner,)).label == "Lena Ohnekommune"
    # Someone without a municipality cannot answer for one.
    assert [r.key for r in per_organisation] == [f"organisation:{member_a.pk}"]


def test_an_audience_whose_event_was_deleted_asks_nobody_instead_of_failing(member_a, contact_a):
    event = EventFactory()
    survey = SurveyFactory(
        audience=[
            {"segment": "meetings.registrants", "event": event.pk, "status": "all"},
            *CONTACTS,
        ]
    )
    event.delete()

    assert [r.people for r in surveys.respondents(survey)] == [(contact_a,)]


def test_inactive_accounts_are_not_asked(member_a, contact_a):
    contact_a.is_active = False
    contact_a.save()

    assert surveys.respondents(SurveyFactory()) == []


def test_finding_the_respondents_takes_the_same_queries_for_a_large_audience(
    django_assert_max_num_queries,
):
    def municipalities(count):
        for _ in range(count):
            organisation = OrganisationFactory()
            MembershipFactory(organisation=organisation)
            member_person(organisation)
            member_person(organisation, Role.COLLEAGUE)

    survey = SurveyFactory(audience=OFFICERS + HEADS)
    municipalities(2)
    with django_assert_max_num_queries(4):
        assert len(surveys.respondents(survey)) == 2
    municipalities(20)
    with django_assert_max_num_queries(4):
        assert len(surveys.respondents(survey)) == 22


def test_non_responders_are_those_without_a_submitted_response(
    member_a, contact_a, organisation_b, contact_b, answers, survey
):
    MembershipFactory(organisation=organisation_b)
    third = OrganisationFactory()
    MembershipFactory(organisation=third)
    member_person(third)
    surveys.save_response(survey, contact_a, answers, submit=True)
    surveys.save_response(survey, contact_b, answers, submit=False)

    keys = {r.key for r in surveys.non_responders(survey)}

    assert keys == {f"organisation:{organisation_b.pk}", f"organisation:{third.pk}"}


def test_is_open_from_opening_until_just_before_closing(survey):
    assert surveys.is_open(survey)
    assert surveys.is_open(survey, survey.opens_at)
    assert not surveys.is_open(survey, survey.opens_at - datetime.timedelta(seconds=1))
    assert not surveys.is_open(survey, survey.closes_at)


# --- Reminders --------------------------------------------------------------------------------


def test_reminders_go_through_the_outbox_to_each_person_of_the_non_responders_once(
    member_a, contact_a, colleague_a, organisation_b, contact_b, answers
):
    MembershipFactory(organisation=organisation_b)
    # contact_a is in both choices, and still gets one mail.
    survey = SurveyFactory(audience=CONTACTS + OFFICERS, title="Umfrage Kurzformate")
    surveys.save_response(survey, contact_b, answers, submit=True)
    OutboundEmail.objects.all().delete()

    queued = surveys.send_reminders(survey)

    mails = OutboundEmail.objects.filter(kind="members/survey_reminder")
    assert queued == 2
    assert sorted(mails.values_list("to", flat=True)) == sorted(
        [contact_a.email, colleague_a.email]
    )
    mail = mails.get(to=contact_a.email)
    assert "Umfrage Kurzformate" in mail.subject
    assert f"/mein-bereich/befragungen/{survey.pk}/" in mail.body_text
    assert formats.date_format(localtime(survey.closes_at), "DATETIME_FORMAT") in mail.body_text
    assert member_a.authority.name in mail.body_text
    survey.refresh_from_db()
    assert survey.reminded_at is not None


def test_each_call_sends_the_reminder_once_more(member_a, contact_a, survey):
    assert surveys.send_reminders(survey) == 1
    assert surveys.send_reminders(survey) == 1
    assert OutboundEmail.objects.filter(kind="members/survey_reminder").count() == 2


def test_a_reminder_is_written_in_the_persons_language(member_a, survey):
    english = member_person(member_a, language="en")

    surveys.send_reminders(survey)

    mail = OutboundEmail.objects.get(to=english.email)
    assert mail.language == "en"
    assert "Survey of the network" in mail.subject


def test_nobody_left_to_remind_sends_nothing(member_a, contact_a, survey, answers):
    surveys.save_response(survey, contact_a, answers, submit=True)
    OutboundEmail.objects.all().delete()

    assert surveys.send_reminders(survey) == 0
    assert not OutboundEmail.objects.exists()


# --- Drafts and submission --------------------------------------------------------------------


def test_colleagues_of_a_municipality_edit_the_same_draft(member_a, contact_a, questions, answers):
    colleague = member_person(member_a)
    survey = questions["single"].survey
    first = surveys.save_response(survey, contact_a, answers, submit=False)

    second = surveys.save_response(
        survey,
        colleague,
        {questions["single"].pk: "Nein", questions["text"].pk: None},
        submit=False,
    )

    assert second.pk == first.pk
    assert SurveyResponse.objects.filter(survey=survey).count() == 1
    assert second.user == colleague
    assert second.status == SurveyResponse.Status.DRAFT
    assert second.organisation == member_a
    assert second.respondent_key == f"organisation:{member_a.pk}"
    # Changed, untouched and cleared answers.
    assert stored(second) == {
        "Hat Ihre Kommune eine Koordinierungsstelle?": "Nein",
        "Welche Formate nutzen Sie?": ["Workshops", "Kurzformate"],
        "Wie zufrieden sind Sie mit dem Netzwerk?": 4,
    }


def test_a_per_person_survey_keeps_a_response_for_each_person(member_a, contact_a, answers):
    colleague = member_person(member_a)
    survey = SurveyFactory(respondent=Survey.Respondent.PERSON)
    question = SurveyQuestionFactory(survey=survey)

    first = surveys.save_response(survey, contact_a, {question.pk: "eins"}, submit=False)
    second = surveys.save_response(survey, colleague, {question.pk: "zwei"}, submit=False)

    assert first.pk != second.pk
    assert first.respondent_key == f"user:{contact_a.pk}"


def test_submitting_records_who_and_when_and_confirms_by_mail(member_a, contact_a, survey, answers):
    response = surveys.save_response(survey, contact_a, answers, submit=True)

    response.refresh_from_db()
    assert response.status == Submitted
    assert response.submitted_at is not None
    assert response.user == contact_a
    mail = OutboundEmail.objects.get(kind="members/survey_submitted")
    assert mail.to == contact_a.email
    assert survey.title in mail.subject
    assert member_a.authority.name in mail.body_text
    assert f"/mein-bereich/befragungen/{survey.pk}/" in mail.body_text


def test_a_submitted_response_cannot_be_changed_or_submitted_again(
    member_a, contact_a, colleague_a, questions, answers
):
    survey = questions["single"].survey
    survey.audience = OFFICERS
    survey.save()
    surveys.save_response(survey, contact_a, answers, submit=True)

    with pytest.raises(surveys.AlreadySubmitted):
        surveys.save_response(survey, colleague_a, {questions["single"].pk: "Nein"}, submit=True)
    with pytest.raises(surveys.AlreadySubmitted):
        surveys.save_response(survey, colleague_a, {questions["single"].pk: "Nein"}, submit=False)

    response = SurveyResponse.objects.get(survey=survey)
    assert response.user == contact_a
    assert stored(response)["Hat Ihre Kommune eine Koordinierungsstelle?"] == "Ja"
    assert OutboundEmail.objects.filter(kind="members/survey_submitted").count() == 1


@pytest.mark.parametrize(
    ("opens", "closes"),
    [(-10, -1), (1, 10)],
    ids=["closed", "not yet open"],
)
def test_a_survey_outside_its_period_refuses_answers(member_a, contact_a, opens, closes):
    now = timezone.now()
    survey = SurveyFactory(
        opens_at=now + datetime.timedelta(days=opens),
        closes_at=now + datetime.timedelta(days=closes),
    )
    question = SurveyQuestionFactory(survey=survey)

    with pytest.raises(surveys.SurveyClosed):
        surveys.save_response(survey, contact_a, {question.pk: "zu spät"}, submit=True)
    assert not SurveyResponse.objects.exists()


def test_people_who_are_not_asked_cannot_answer(member_a, contact_a, contact_b, head_a, survey):
    with pytest.raises(surveys.NotARespondent):
        surveys.save_response(survey, contact_b, {}, submit=False)
    with pytest.raises(surveys.NotARespondent):
        surveys.save_response(survey, head_a, {}, submit=False)  # contacts only


def test_answers_to_questions_of_another_survey_are_ignored(member_a, contact_a, survey):
    foreign = SurveyQuestionFactory()

    response = surveys.save_response(survey, contact_a, {foreign.pk: "fremd"}, submit=False)

    assert not SurveyAnswer.objects.filter(response=response).exists()


# --- At the same moment -----------------------------------------------------------------------


def _at_the_same_moment(calls):
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []

    def run(call):
        try:
            barrier.wait()
            call()
            outcomes.append("saved")
        except surveys.AlreadySubmitted:
            outcomes.append("already submitted")
        except Exception as error:  # a failure in the thread must fail the test
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


def _municipality_with_two_people():
    organisation = OrganisationFactory()
    MembershipFactory(organisation=organisation)
    return organisation, member_person(organisation), member_person(organisation, Role.COLLEAGUE)


@pytest.mark.django_db(transaction=True)
def test_two_submissions_at_the_same_moment_give_one_submitted_response():
    _organisation, contact, colleague = _municipality_with_two_people()
    survey = SurveyFactory(audience=OFFICERS)
    question = SurveyQuestionFactory(survey=survey)

    outcomes = _at_the_same_moment(
        [
            lambda: surveys.save_response(survey, contact, {question.pk: "A"}, submit=True),
            lambda: surveys.save_response(survey, colleague, {question.pk: "B"}, submit=True),
        ]
    )

    assert outcomes == ["already submitted", "saved"]
    response = SurveyResponse.objects.get(survey=survey)
    assert response.status == Submitted
    # The answer is the winner's, not a mix of both.
    winner = "A" if response.user == contact else "B"
    assert stored(response) == {question.text: winner}
    assert OutboundEmail.objects.filter(kind="members/survey_submitted").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_first_drafts_at_the_same_moment_share_one_response():
    organisation, contact, colleague = _municipality_with_two_people()
    survey = SurveyFactory(audience=OFFICERS)
    first, second = SurveyQuestionFactory(survey=survey), SurveyQuestionFactory(survey=survey)

    outcomes = _at_the_same_moment(
        [
            lambda: surveys.save_response(survey, contact, {first.pk: "A"}, submit=False),
            lambda: surveys.save_response(survey, colleague, {second.pk: "B"}, submit=False),
        ]
    )

    assert outcomes == ["saved", "saved"]
    response = SurveyResponse.objects.get(survey=survey)
    assert response.respondent_key == f"organisation:{organisation.pk}"
    assert stored(response) == {first.text: "A", second.text: "B"}


# --- A person's surveys -------------------------------------------------------------------------


def test_a_person_sees_open_surveys_and_past_ones_with_submitted_answers(
    member_a, contact_a, answers, questions
):
    now = timezone.now()
    current = questions["single"].survey
    upcoming = SurveyFactory(opens_at=now + datetime.timedelta(days=1))
    answered = SurveyFactory()
    question = SurveyQuestionFactory(survey=answered)
    surveys.save_response(answered, contact_a, {question.pk: "erledigt"}, submit=True)
    Survey.objects.filter(pk=answered.pk).update(
        opens_at=now - datetime.timedelta(days=20), closes_at=now - datetime.timedelta(days=10)
    )
    left_open = SurveyFactory()
    surveys.save_response(left_open, contact_a, {}, submit=False)
    Survey.objects.filter(pk=left_open.pk).update(closes_at=now - datetime.timedelta(hours=1))
    heads_only = SurveyFactory(audience=HEADS)

    entries = surveys.surveys_for(contact_a, organisation_of(contact_a))

    assert [(e.survey, e.open) for e in entries] == [(current, True), (answered, False)]
    assert upcoming not in [e.survey for e in entries]
    assert heads_only not in [e.survey for e in entries]
    assert entries[1].response.status == Submitted
