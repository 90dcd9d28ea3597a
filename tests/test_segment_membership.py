"""Whether one person is in a segment (issue 19): the answer of `segments.includes`, one query
for that person, must be the answer of looking for them in the resolved segment, for everyone
in and out, for every segment the apps register."""

from __future__ import annotations

import datetime
import re
import secrets

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext

from meetings.models import Registration
from members.models import Affiliation, Application
from members.people.services import organisation_of
from members.surveys import services as surveys
from portal.mailings import segments
from portal.models import Subscription, Topic, User
from tests.factories import (
    AffiliationFactory,
    ApplicationFactory,
    EventFactory,
    MembershipFactory,
    SurveyFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
Role = Affiliation.Role
Status = Registration.Status
STATUSES = ["all", "confirmed", "attended", "waitlisted"]


def _person(organisation, role, **user):
    fields = {f"user__{name}": value for name, value in user.items()}
    return AffiliationFactory(organisation=organisation, role=role, **fields).user


@pytest.fixture
def network():
    """Everyone a segment can hold or leave out (the people of a member by role), and one
    choice of each segment."""
    member = MembershipFactory().organisation
    former = MembershipFactory(until=datetime.date(2024, 12, 31), exit_reason="Haushalt")
    applicant = ApplicationFactory(status=Application.Status.SUBMITTED).organisation
    in_member = {role: _person(member, role) for role in Role}
    for role in Role:
        _person(member, role, is_active=False)
        _person(former.organisation, role)
        _person(applicant, role)
    UserFactory()

    topic = Topic.objects.create(name="Förderung", slug="foerderung")
    other_topic = Topic.objects.create(name="Kurzformate", slug="kurzformate")
    for user, subscribed in zip(
        [UserFactory(), UserFactory(is_active=False), UserFactory()],
        [topic, topic, other_topic],
        strict=True,
    ):
        Subscription.objects.create(user=user, topic=subscribed)

    event, other_event = EventFactory(), EventFactory()
    for status in Status:
        Registration.objects.create(event=event, user=UserFactory(), status=status)
        Registration.objects.create(event=other_event, user=UserFactory(), status=status)
    Registration.objects.create(
        event=event, user=UserFactory(), status=Status.CONFIRMED, attended_at=timezone.now()
    )
    Registration.objects.create(
        event=event, user=UserFactory(is_active=False), status=Status.CONFIRMED
    )
    Registration.objects.create(
        event=event, user=UserFactory(), status=Status.CONFIRMED, anonymised_at=timezone.now()
    )
    Registration.objects.create(
        event=event,
        guest_name="Gerda Gast",
        guest_email="gast@verein.example",
        guest_token=secrets.token_urlsafe(16),
        status=Status.CONFIRMED,
    )
    return in_member, [
        {"segment": "members.contacts"},
        {"segment": "members.engagement_officers"},
        {"segment": "members.heads"},
        {"segment": "members.applicants"},
        {"segment": "portal.topic_subscribers", "topic": topic.pk},
        *[{"segment": "meetings.registrants", "event": event.pk, "status": s} for s in STATUSES],
    ]


@pytest.fixture
def choices(network):
    return network[1]


def test_the_choices_cover_every_registered_segment(choices):
    assert {choice["segment"] for choice in choices} == {s.key for s in segments.segments()}


def test_for_everyone_in_and_out_a_segment_answers_as_its_resolved_list(choices):
    people = list(User.objects.values_list("pk", flat=True))

    for choice in choices:
        members = {r.user_id for r in segments.resolve(choice) if r.user_id is not None}
        answers = {pk: segments.includes(choice, pk) for pk in people}

        assert answers == {pk: pk in members for pk in people}, choice
        # Someone in and someone out: the comparison says something for each choice.
        assert any(answers.values()), choice
        assert not all(answers.values()), choice


def test_asking_about_one_person_is_one_query_without_reading_the_segment(network):
    contact = network[0][Role.CONTACT]

    with CaptureQueriesContext(connection) as queries:
        assert segments.includes({"segment": "members.contacts"}, contact.pk)

    (query,) = queries.captured_queries
    assert f'"user_id" = {contact.pk}' in query["sql"]
    assert query["sql"].endswith("LIMIT 1")


def test_a_choice_that_no_longer_resolves_is_a_value_error_as_for_resolving():
    with pytest.raises(ValueError, match="Unknown audience segment"):
        segments.includes({"segment": "members.everyone"}, 1)
    gone = re.escape(gettext("This event does not exist (any more)."))
    with pytest.raises(ValueError, match=gone):
        segments.includes({"segment": "meetings.registrants", "event": 0, "status": "all"}, 1)


def test_a_segment_without_a_check_of_its_own_is_resolved_to_answer(monkeypatch, choices):
    monkeypatch.delitem(segments._member_checks, "members.heads")
    heads = {r.user_id for r in segments.resolve({"segment": "members.heads"})}

    for pk in User.objects.values_list("pk", flat=True):
        assert segments.includes({"segment": "members.heads"}, pk) == (pk in heads)


def test_the_survey_list_asks_about_the_person_and_never_resolves_the_audience(
    monkeypatch, network
):
    survey = SurveyFactory(audience=[{"segment": "members.contacts"}])
    contact, head = network[0][Role.CONTACT], network[0][Role.HEAD]

    def resolving(choice):
        raise AssertionError(f"resolved {choice}")

    monkeypatch.setattr(surveys, "resolve", resolving)

    assert [entry.survey for entry in surveys.surveys_for(contact, organisation_of(contact))] == [
        survey
    ]
    assert surveys.surveys_for(head, organisation_of(head)) == []
