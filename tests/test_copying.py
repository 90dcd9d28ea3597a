"""Events, surveys and information e-mails copied as the start of the next one (issue 21):
deep copies as drafts, dates moved by an offset, nothing of the original's people, refusals and
permissions."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone

from meetings.models import (
    Event,
    EventDocument,
    ProgrammeItem,
    Registration,
    RegistrationQuestion,
    Session,
    SessionChoice,
    TimeSlot,
)
from meetings.sessions.services import copy_event_with_sessions
from members.models import Survey, SurveyAnswer, SurveyQuestion, SurveyResponse
from members.surveys.copying import copy_survey
from portal.copying import offset, shifted
from portal.mailings.services import copy_mailing
from portal.models import Mailing, MailingRecipient, Topic
from tests.factories import (
    EventFactory,
    ProgrammeItemFactory,
    SessionFactory,
    SurveyFactory,
    SurveyQuestionFactory,
    TimeSlotFactory,
    UserFactory,
)

BERLIN = ZoneInfo("Europe/Berlin")
A_YEAR = offset(years=1)
ACTION = "copy_as_template"
pytestmark = pytest.mark.django_db


def berlin(*args):
    return datetime.datetime(*args, tzinfo=BERLIN)


def last_years_summit():
    """A published summit of last year that ran, with everything a year's event has: programme,
    questions, parallel sessions with places, registrations with choices and a check-in, and a
    document."""
    event = EventFactory(
        kind=Event.Kind.SUMMIT,
        title="Kommunales Spitzentreffen",
        description="Jährliches Treffen der Verwaltungsspitzen.",
        starts_at=timezone.now() - datetime.timedelta(days=40),
        ends_at=timezone.now() - datetime.timedelta(days=40) + datetime.timedelta(hours=6),
        format=Event.Format.HYBRID,
        venue="Staatskanzlei",
        address="Horionplatz 1\n40213 Düsseldorf",
        meeting_link="https://konferenz.example/spitzentreffen",
        audience=Event.Audience.HEADS,
        capacity=80,
        limit_per_organisation=2,
        waitlist_enabled=False,
        registration_opens_at=timezone.now() - datetime.timedelta(days=100),
        registration_closes_at=timezone.now() - datetime.timedelta(days=45),
        cancellation_deadline=timezone.now() - datetime.timedelta(days=42),
        remind_hours_before=48,
        followup_note="Die Folien finden Sie im Portal.",
        sequence=4,
        revised_at=timezone.now() - datetime.timedelta(days=41),
    )
    ProgrammeItemFactory(event=event, title="Begrüßung", speakers="Staatssekretärin")
    ProgrammeItemFactory(
        event=event,
        title="Podium",
        starts_at=event.starts_at + datetime.timedelta(hours=1),
        ends_at=event.starts_at + datetime.timedelta(hours=2),
    )
    RegistrationQuestion.objects.create(
        event=event,
        label="Mittagessen",
        kind=RegistrationQuestion.Kind.CHOICE,
        choices="vegetarisch\nvegan",
        required=True,
        position=1,
    )
    slot = TimeSlotFactory(event=event, title="Foren I")
    forum = SessionFactory(slot=slot, title="Forum Ehrenamtskarte", capacity=20, room="Saal A")
    SessionFactory(slot=slot, title="Forum Digitales", capacity=None)
    SessionFactory(slot=TimeSlotFactory(event=event, title="Foren II"), capacity=12)
    head = UserFactory(full_name="Bernd Bürgermeister")
    registration = Registration.objects.create(
        event=event,
        user=head,
        registered_by=head,
        status=Registration.Status.CONFIRMED,
        needs="rollstuhlgerecht",
        answers=[{"question": 1, "label": "Mittagessen", "answer": "vegan"}],
        attended_at=event.starts_at,
    )
    SessionChoice.objects.create(
        registration=registration, slot=slot, session=forum, status=SessionChoice.Status.CONFIRMED
    )
    EventDocument.objects.create(
        event=event,
        title="Folien",
        kind=EventDocument.Kind.SLIDES,
        file=ContentFile(b"%PDF-1.4\n%%EOF\n", name="folien.pdf"),
        content_type="application/pdf",
        size=15,
        visibility=EventDocument.Visibility.MEMBERS,
    )
    return event


# --- Events -----------------------------------------------------------------------------------


def test_an_event_copy_is_an_unpublished_draft_a_year_later_with_programme_questions_and_sessions():
    event = last_years_summit()

    copy = copy_event_with_sessions(event, A_YEAR)

    copy.refresh_from_db()
    assert copy.pk != event.pk
    assert copy.copied_from == event
    assert copy.status == Event.Status.DRAFT
    assert (copy.sequence, copy.revised_at, copy.cancelled_at) == (0, None, None)
    for field in (
        "kind",
        "title",
        "description",
        "format",
        "venue",
        "address",
        "meeting_link",
        "audience",
        "capacity",
        "limit_per_organisation",
        "waitlist_enabled",
        "remind_hours_before",
        "followup_note",
    ):
        assert getattr(copy, field) == getattr(event, field), field
    for field in (
        "starts_at",
        "ends_at",
        "registration_opens_at",
        "registration_closes_at",
        "cancellation_deadline",
    ):
        assert getattr(copy, field) == shifted(getattr(event, field), A_YEAR), field
        assert timezone.localtime(getattr(copy, field)).year == (
            timezone.localtime(getattr(event, field)).year + 1
        )

    programme = [(i.title, i.speakers, i.starts_at, i.ends_at) for i in copy.programme_items.all()]
    assert programme == [
        (i.title, i.speakers, shifted(i.starts_at, A_YEAR), shifted(i.ends_at, A_YEAR))
        for i in event.programme_items.all()
    ]
    assert [(q.label, q.kind, q.choices, q.required) for q in copy.questions.all()] == [
        ("Mittagessen", "choice", "vegetarisch\nvegan", True)
    ]
    slots = list(copy.slots.order_by("starts_at", "title"))
    originals = list(event.slots.order_by("starts_at", "title"))
    assert [(s.title, s.starts_at, s.ends_at) for s in slots] == [
        (s.title, shifted(s.starts_at, A_YEAR), shifted(s.ends_at, A_YEAR)) for s in originals
    ]
    assert {s.pk for s in slots}.isdisjoint({s.pk for s in originals})
    sessions = Session.objects.filter(slot__event=copy).order_by("title")
    assert [(s.slot.title, s.title, s.capacity, s.room) for s in sessions] == [
        (s.slot.title, s.title, s.capacity, s.room)
        for s in Session.objects.filter(slot__event=event).order_by("title")
    ]


def test_an_event_copy_carries_nobody_of_the_original_no_registrations_choices_documents():
    event = last_years_summit()

    copy = copy_event_with_sessions(event, A_YEAR)

    assert not Registration.objects.filter(event=copy).exists()
    assert not SessionChoice.objects.filter(slot__event=copy).exists()
    assert not EventDocument.objects.filter(event=copy).exists()
    # The original keeps all of its own.
    assert Registration.objects.filter(event=event, attended_at__isnull=False).count() == 1
    assert SessionChoice.objects.filter(slot__event=event).count() == 1
    assert EventDocument.objects.filter(event=event).count() == 1


def test_an_offset_keeps_the_local_time_of_day_across_daylight_saving_time():
    event = EventFactory(
        starts_at=berlin(2026, 7, 2, 10, 0),
        ends_at=berlin(2026, 7, 2, 16, 0),
        registration_opens_at=None,
        registration_closes_at=None,
    )

    copy = copy_event_with_sessions(event, offset(years=1, months=6, days=3))

    assert copy.starts_at.astimezone(BERLIN) == berlin(2028, 1, 5, 10, 0)
    assert copy.ends_at.astimezone(BERLIN) == berlin(2028, 1, 5, 16, 0)


def test_copying_twice_makes_two_independent_drafts():
    event = last_years_summit()

    first = copy_event_with_sessions(event, A_YEAR)
    second = copy_event_with_sessions(event, offset(years=2))
    Session.objects.filter(slot__event=first).update(capacity=99)
    ProgrammeItem.objects.filter(event=first).delete()

    assert first.pk != second.pk
    assert second.copied_from == event
    assert Session.objects.filter(slot__event=second, capacity=99).count() == 0
    assert second.programme_items.count() == 2
    assert event.programme_items.count() == 2
    assert TimeSlot.objects.filter(event__in=[first, second]).count() == 4


@pytest.mark.parametrize(
    ("field", "days_ago"),
    [("registration_opens_at", 400), ("registration_closes_at", 370), ("starts_at", 366)],
)
def test_an_offset_that_leaves_the_registration_or_the_event_in_the_past_is_refused(
    field, days_ago
):
    moments = {
        "registration_opens_at": timezone.now() + datetime.timedelta(days=10),
        "registration_closes_at": timezone.now() + datetime.timedelta(days=20),
        "starts_at": timezone.now() + datetime.timedelta(days=30),
    }
    moments[field] = timezone.now() - datetime.timedelta(days=days_ago)
    if field != "starts_at":
        moments["starts_at"] = max(moments["starts_at"], moments[field])
    event = EventFactory(**moments, ends_at=moments["starts_at"] + datetime.timedelta(hours=2))

    with pytest.raises(ValidationError, match="Vergangenheit"):
        copy_event_with_sessions(event, A_YEAR)
    assert Event.objects.count() == 1


def test_a_copy_of_a_cancelled_event_is_a_fresh_draft():
    event = EventFactory(status=Event.Status.CANCELLED, cancelled_at=timezone.now(), sequence=2)

    copy = copy_event_with_sessions(event, offset(days=7))

    assert (copy.status, copy.cancelled_at, copy.sequence) == (Event.Status.DRAFT, None, 0)


def test_deleting_the_original_leaves_the_copy_without_a_source():
    event = EventFactory()
    copy = copy_event_with_sessions(event, A_YEAR)

    event.delete()

    copy.refresh_from_db()
    assert copy.copied_from is None


# --- Surveys ----------------------------------------------------------------------------------


def test_a_survey_copy_has_its_questions_and_options_and_opens_later_but_no_responses(
    organisation_a, contact_a
):
    survey = SurveyFactory(
        opens_at=timezone.now() - datetime.timedelta(days=300),
        closes_at=timezone.now() - datetime.timedelta(days=270),
        reminded_at=timezone.now() - datetime.timedelta(days=275),
        respondent=Survey.Respondent.PERSON,
        audience=[{"segment": "members.heads"}],
        created_by=UserFactory(),
    )
    choice = SurveyQuestionFactory(
        survey=survey,
        kind=SurveyQuestion.Kind.MULTIPLE,
        options="Ehrenamtskarte\nFreiwilligenagentur\nBeirat",
        required=False,
    )
    scale = SurveyQuestionFactory(
        survey=survey,
        kind=SurveyQuestion.Kind.SCALE,
        scale_min=0,
        scale_max=10,
        scale_min_label="gar nicht",
        scale_max_label="sehr",
    )
    response = SurveyResponse.objects.create(
        survey=survey,
        respondent_key=f"user:{contact_a.pk}",
        organisation=organisation_a,
        user=contact_a,
        status=SurveyResponse.Status.SUBMITTED,
    )
    SurveyAnswer.objects.create(response=response, question=choice, value=["Beirat"])
    copier = UserFactory(is_staff=True)

    copy = copy_survey(survey, A_YEAR, copier)

    copy.refresh_from_db()
    assert (copy.title, copy.introduction, copy.audience, copy.respondent) == (
        survey.title,
        survey.introduction,
        [{"segment": "members.heads"}],
        Survey.Respondent.PERSON,
    )
    assert copy.opens_at == shifted(survey.opens_at, A_YEAR) > timezone.now()
    assert copy.closes_at == shifted(survey.closes_at, A_YEAR)
    assert (copy.reminded_at, copy.created_by, copy.copied_from) == (None, copier, survey)
    fields = ("position", "text", "kind", "required", "options", "scale_min", "scale_max")
    fields += ("scale_min_label", "scale_max_label")
    assert list(copy.questions.values_list(*fields)) == list(survey.questions.values_list(*fields))
    assert {q.pk for q in copy.questions.all()}.isdisjoint({choice.pk, scale.pk})
    assert not SurveyResponse.objects.filter(survey=copy).exists()
    assert not SurveyAnswer.objects.filter(question__survey=copy).exists()
    assert SurveyAnswer.objects.filter(question__survey=survey).count() == 1


def test_a_survey_copy_that_would_open_in_the_past_is_refused():
    survey = SurveyFactory(opens_at=timezone.now() - datetime.timedelta(days=400))

    with pytest.raises(ValidationError, match="Vergangenheit"):
        copy_survey(survey, A_YEAR, UserFactory())
    assert Survey.objects.count() == 1


# --- Information e-mails ----------------------------------------------------------------------


def test_a_mailing_copy_is_a_draft_with_text_topic_and_audience_and_no_recipients(contact_a):
    topic = Topic.objects.create(name="Förderprogramme", slug="foerderung")
    mailing = Mailing.objects.create(
        subject="Neuigkeiten aus dem Netzwerk",
        body="Liebe Kolleginnen und Kollegen, …",
        topic=topic,
        include=[{"segment": "members.contacts"}],
        exclude=[{"segment": "members.heads"}],
        in_archive=False,
        status=Mailing.Status.SENT,
        scheduled_at=timezone.now() - datetime.timedelta(days=3),
        started_at=timezone.now() - datetime.timedelta(days=3),
        finished_at=timezone.now() - datetime.timedelta(days=3),
        recipient_count=1,
        created_by=UserFactory(),
    )
    MailingRecipient.objects.create(
        mailing=mailing, email=contact_a.email, user=contact_a, language="de"
    )
    copier = UserFactory(is_staff=True)

    copy = copy_mailing(mailing, copier)

    copy.refresh_from_db()
    assert (copy.subject, copy.body, copy.topic, copy.in_archive) == (
        mailing.subject,
        mailing.body,
        topic,
        False,
    )
    assert (copy.include, copy.exclude) == (mailing.include, mailing.exclude)
    assert copy.status == Mailing.Status.DRAFT
    assert (copy.scheduled_at, copy.started_at, copy.finished_at) == (None, None, None)
    assert (copy.recipient_count, copy.created_by, copy.copied_from) == (0, copier, mailing)
    assert not copy.recipients.exists()
    assert mailing.recipients.count() == 1
