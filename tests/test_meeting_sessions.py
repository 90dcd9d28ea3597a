"""Parallel sessions: places, waiting lists, switching, deadlines, permissions, concurrency."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from meetings.events import services
from meetings.models import Event, Registration, SessionChoice
from meetings.sessions import services as sessions
from members.models import Affiliation
from portal.models import OutboundEmail
from tests.factories import (
    AffiliationFactory,
    EventFactory,
    SessionFactory,
    TimeSlotFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
Choice = SessionChoice.Status


def registration_for(user, event, status=Registration.Status.CONFIRMED) -> Registration:
    affiliation = getattr(user, "affiliation", None)
    return Registration.objects.create(
        event=event,
        user=user,
        organisation=affiliation.organisation if affiliation else None,
        status=status,
    )


def people(organisation, count: int):
    return [
        AffiliationFactory(organisation=organisation, role=Affiliation.Role.COLLEAGUE).user
        for _ in range(count)
    ]


def statuses(session) -> list[str]:
    return list(session.choices.order_by("created_at", "id").values_list("status", flat=True))


@pytest.fixture
def event():
    return EventFactory(capacity=None)


@pytest.fixture
def slot(event):
    return TimeSlotFactory(event=event)


def test_a_session_gives_places_then_waiting_places(slot, organisation_a):
    session = SessionFactory(slot=slot, capacity=2)
    choices = [
        sessions.choose(registration_for(person, slot.event), session, person)
        for person in people(organisation_a, 3)
    ]
    assert [choice.status for choice in choices] == ["confirmed", "confirmed", "waitlisted"]
    assert choices[0].confirmed_at is not None
    assert choices[2].confirmed_at is None


def test_a_session_without_capacity_has_room_for_everyone(slot, organisation_a):
    session = SessionFactory(slot=slot, capacity=None)
    for person in people(organisation_a, 4):
        sessions.choose(registration_for(person, slot.event), session, person)
    assert statuses(session) == ["confirmed"] * 4


def test_choosing_the_session_one_has_changes_nothing(slot, colleague_a):
    session = SessionFactory(slot=slot)
    registration = registration_for(colleague_a, slot.event)
    first = sessions.choose(registration, session, colleague_a)
    again = sessions.choose(registration, session, colleague_a)
    assert again.pk == first.pk
    assert SessionChoice.objects.count() == 1


def test_switching_frees_the_place_and_promotes_exactly_the_first_waiting(slot, organisation_a):
    full, other = SessionFactory(slot=slot, capacity=1), SessionFactory(slot=slot)
    holder, first, second = people(organisation_a, 3)
    registration = registration_for(holder, slot.event)
    sessions.choose(registration, full, holder)
    for person in (first, second):
        sessions.choose(registration_for(person, slot.event), full, person)
    switched = sessions.choose(registration, other, holder)
    assert switched.session == other
    assert switched.status == Choice.CONFIRMED
    assert registration.session_choices.count() == 1
    assert dict(full.choices.values_list("registration__user", "status")) == {
        first.pk: "confirmed",
        second.pk: "waitlisted",
    }
    mail = OutboundEmail.objects.get(kind="meetings/session_promoted")
    assert mail.to == first.email
    assert full.title in mail.subject


def test_one_session_per_slot_but_one_in_each_slot(event, colleague_a):
    morning, afternoon = TimeSlotFactory(event=event), TimeSlotFactory(event=event)
    a, b = SessionFactory(slot=morning), SessionFactory(slot=morning)
    c = SessionFactory(slot=afternoon)
    registration = registration_for(colleague_a, event)
    for session in (a, b, c):
        sessions.choose(registration, session, colleague_a)
    chosen = dict(registration.session_choices.values_list("slot", "session"))
    assert chosen == {morning.pk: b.pk, afternoon.pk: c.pk}


def test_leaving_promotes_the_first_waiting_and_a_waiting_place_promotes_nobody(
    slot, organisation_a
):
    session = SessionFactory(slot=slot, capacity=1)
    holder, first, second = people(organisation_a, 3)
    registrations = [registration_for(p, slot.event) for p in (holder, first, second)]
    for registration, person in zip(registrations, (holder, first, second), strict=True):
        sessions.choose(registration, session, person)
    assert sessions.leave(registrations[2], slot, second) is None
    promoted = sessions.leave(registrations[0], slot, holder)
    assert promoted is not None
    assert promoted.registration == registrations[1]
    assert statuses(session) == ["confirmed"]
    assert sessions.leave(registrations[0], slot, holder) is None


def test_changes_end_at_the_deadline_but_staff_may_still_change(slot, colleague_a, staff_user):
    session = SessionFactory(slot=slot)
    registration = registration_for(colleague_a, slot.event)
    Event.objects.filter(pk=slot.event_id).update(
        cancellation_deadline=timezone.now() - datetime.timedelta(minutes=1)
    )
    registration.event.refresh_from_db()
    with pytest.raises(services.RegistrationError) as refused:
        sessions.choose(registration, session, colleague_a)
    assert refused.value.code == "deadline"
    assert sessions.choose(registration, session, staff_user).status == Choice.CONFIRMED
    with pytest.raises(services.RegistrationError):
        sessions.leave(registration, slot, colleague_a)


@pytest.mark.parametrize("status", ["waitlisted", "cancelled", "pending"])
def test_only_confirmed_registrations_choose(slot, colleague_a, status):
    registration = registration_for(colleague_a, slot.event, status=status)
    with pytest.raises(services.RegistrationError) as refused:
        sessions.choose(registration, SessionFactory(slot=slot), colleague_a)
    assert refused.value.code == "not_confirmed"
    assert not SessionChoice.objects.exists()


@pytest.mark.parametrize("status", [Event.Status.DRAFT, Event.Status.CANCELLED])
def test_events_that_are_not_published_are_closed(colleague_a, status):
    session = SessionFactory(slot__event__status=status)
    registration = registration_for(colleague_a, session.slot.event)
    with pytest.raises(services.RegistrationError) as refused:
        sessions.choose(registration, session, colleague_a)
    assert refused.value.code == "closed"


def test_sessions_and_slots_of_another_event_are_refused(slot, colleague_a):
    registration = registration_for(colleague_a, slot.event)
    elsewhere = SessionFactory()
    with pytest.raises(services.RegistrationError) as refused:
        sessions.choose(registration, elsewhere, colleague_a)
    assert refused.value.code == "other_event"
    with pytest.raises(services.RegistrationError):
        sessions.leave(registration, elsewhere.slot, colleague_a)
    assert not SessionChoice.objects.exists()


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("colleague_a", True),
        ("contact_a", True),
        ("head_a", True),
        ("staff_user", True),
        ("contact_b", False),
        ("user_without_organisation", False),
        ("other_colleague", False),
        ("guest", False),
    ],
)
def test_only_the_participant_their_contacts_and_staff_choose(
    request, slot, colleague_a, organisation_a, who, allowed
):
    registration = registration_for(colleague_a, slot.event)
    if who == "other_colleague":
        actor = people(organisation_a, 1)[0]
    elif who == "guest":
        actor = None  # the guest's personal link proves nothing for a member's registration
    else:
        actor = request.getfixturevalue(who)
    session = SessionFactory(slot=slot)
    if allowed:
        assert sessions.choose(registration, session, actor).status == Choice.CONFIRMED
    else:
        with pytest.raises(PermissionDenied):
            sessions.choose(registration, session, actor)
        with pytest.raises(PermissionDenied):
            sessions.leave(registration, slot, actor)


def test_a_guest_chooses_through_the_personal_link(slot):
    registration = Registration.objects.create(
        event=slot.event,
        guest_name="Gerda Gast",
        guest_email="gerda@verein.example",
        status=Registration.Status.CONFIRMED,
    )
    choice = sessions.choose(registration, SessionFactory(slot=slot), None)
    assert choice.status == Choice.CONFIRMED
    with pytest.raises(PermissionDenied):
        sessions.leave(registration, slot, UserFactory())


def test_cancelling_the_registration_releases_its_places_and_promotes(event, organisation_a):
    morning, afternoon = TimeSlotFactory(event=event), TimeSlotFactory(event=event)
    a, b = SessionFactory(slot=morning, capacity=1), SessionFactory(slot=afternoon, capacity=1)
    leaver, waiting = people(organisation_a, 2)
    leaving = registration_for(leaver, event)
    staying = registration_for(waiting, event)
    for session in (a, b):
        sessions.choose(leaving, session, leaver)
        sessions.choose(staying, session, waiting)
    services.cancel(leaving, leaver)
    assert not leaving.session_choices.exists()
    assert sorted(staying.session_choices.values_list("status", flat=True)) == ["confirmed"] * 2
    assert OutboundEmail.objects.filter(kind="meetings/session_promoted").count() == 2


def test_the_promotion_mail_links_members_to_their_workshops(slot, organisation_a):
    session = SessionFactory(slot=slot, capacity=1, room="Saal Rhein")
    holder, first = people(organisation_a, 2)
    held = registration_for(holder, slot.event)
    sessions.choose(held, session, holder)
    waiting = registration_for(first, slot.event)
    sessions.choose(waiting, session, first)
    sessions.leave(held, slot, holder)
    mail = OutboundEmail.objects.get(kind="meetings/session_promoted")
    assert f"/anmeldung/{waiting.pk}/workshops/" in mail.body_text
    assert "Saal Rhein" in mail.body_html
    assert session.title in mail.body_text


def test_the_waiting_position_is_counted_per_session(slot, organisation_a):
    session = SessionFactory(slot=slot, capacity=0)
    registrations = [registration_for(p, slot.event) for p in people(organisation_a, 3)]
    for registration in registrations:
        sessions.choose(registration, session, registration.user)
    positions = [sessions.choices_of(r)[slot.pk].waiting_position for r in registrations]
    assert positions == [1, 2, 3]


def test_slots_with_places_needs_two_queries_for_few_and_many(
    event, colleague_a, django_assert_num_queries
):
    session = SessionFactory(slot__event=event, capacity=3)
    sessions.choose(registration_for(colleague_a, event), session, colleague_a)
    with django_assert_num_queries(2):
        slots = sessions.slots_with_places(event)
    assert [s.places_left for s in slots[0].sessions.all()] == [2]
    for _ in range(9):
        SessionFactory.create_batch(3, slot=TimeSlotFactory(event=event), capacity=None)
    with django_assert_num_queries(2):
        slots = sessions.slots_with_places(event)
    assert len(slots) == 10
    assert {s.places_left for slot in slots[1:] for s in slot.sessions.all()} == {None}


@pytest.mark.django_db(transaction=True)
def test_twenty_people_at_once_on_five_places_give_five_places_and_fifteen_waiting():
    session = SessionFactory(slot__event=EventFactory(audience="open", capacity=None), capacity=5)
    registrations = [registration_for(UserFactory(), session.slot.event) for _ in range(20)]
    barrier = threading.Barrier(len(registrations))
    errors: list[Exception] = []

    def choose(registration):
        try:
            barrier.wait()
            sessions.choose(registration, session, registration.user)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=choose, args=(r,)) for r in registrations]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    counts = dict(session.choices.values_list("status").annotate(n=Count("id")))
    assert counts == {"confirmed": 5, "waitlisted": 15}


@pytest.mark.django_db(transaction=True)
def test_people_switching_both_ways_at_once_neither_deadlock_nor_overbook():
    slot = TimeSlotFactory(event=EventFactory(audience="open", capacity=None))
    left, right = SessionFactory(slot=slot, capacity=6), SessionFactory(slot=slot, capacity=6)
    start = {}
    for session, target in ((left, right), (right, left)):
        for _ in range(6):
            registration = registration_for(UserFactory(), slot.event)
            sessions.choose(registration, session, registration.user)
            start[registration] = target
    barrier = threading.Barrier(len(start))
    errors: list[Exception] = []

    def switch(registration, target):
        try:
            barrier.wait()
            sessions.choose(registration, target, registration.user)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=switch, args=item) for item in start.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert SessionChoice.objects.count() == 12
    # A freed place is filled at once, so twelve people on twelve places all end with a place.
    for session, gone in ((left, right), (right, left)):
        assert statuses(session) == ["confirmed"] * 6
        assert not session.choices.filter(
            registration__in=[r for r, t in start.items() if t == gone]
        ).exists()


def test_more_places_in_a_session_go_to_its_waiting_list_in_order():
    slot = TimeSlotFactory()
    session = SessionFactory(slot=slot, capacity=1)
    people = [registration_for(UserFactory(), slot.event) for _ in range(3)]
    for registration in people:
        sessions.choose(registration, session, registration.user)

    type(session).objects.filter(pk=session.pk).update(capacity=2)
    promoted = sessions.fill_free_places(session)

    assert [choice.registration_id for choice in promoted] == [people[1].pk]
    statuses = [SessionChoice.objects.get(registration=r, slot=slot).status for r in people]
    assert statuses == ["confirmed", "confirmed", "waitlisted"]
