from __future__ import annotations

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from meetings.events import services
from meetings.models import Event, Registration
from members.models import Affiliation, Application
from portal.models import OutboundEmail
from tests.factories import (
    AffiliationFactory,
    ApplicationFactory,
    EventFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
Status = Registration.Status


@pytest.fixture
def event():
    return EventFactory()


def test_staff_of_a_member_get_a_place_and_a_mail(event, contact_a, member_a):
    registration = services.register(event, contact_a, contact_a, listed_consent=True)
    assert registration.status == Status.CONFIRMED
    assert registration.organisation == member_a
    assert registration.confirmed_at is not None
    mail = OutboundEmail.objects.get(kind="meetings/registration_confirmed")
    assert mail.to == contact_a.email
    assert event.title in mail.subject


def test_a_contact_registers_a_colleague(event, contact_a, colleague_a, member_a):
    registration = services.register(event, colleague_a, contact_a)
    assert registration.user == colleague_a
    assert registration.registered_by == contact_a


def test_a_colleague_cannot_register_someone_else(event, contact_a, colleague_a, member_a):
    with pytest.raises(PermissionDenied):
        services.register(event, contact_a, colleague_a)


def test_someone_of_another_municipality_cannot_register_our_people(
    event, contact_a, contact_b, member_a
):
    MembershipFactory(organisation=contact_b.affiliation.organisation)
    with pytest.raises(PermissionDenied):
        services.register(event, contact_a, contact_b)


def test_members_staff_events_refuse_people_of_non_members(event, contact_a):
    with pytest.raises(services.RegistrationError, match="Mitgliedskommunen"):
        services.register(event, contact_a, contact_a)


def test_the_summit_is_only_for_heads_of_members_and_applicants(contact_a, head_a, organisation_a):
    summit = EventFactory(kind=Event.Kind.SUMMIT, audience=Event.Audience.HEADS)
    with pytest.raises(services.RegistrationError, match="Verwaltungsspitzen"):
        services.register(summit, head_a, head_a)
    ApplicationFactory(organisation=organisation_a, status=Application.Status.SUBMITTED)
    assert services.register(summit, head_a, head_a).status == Status.CONFIRMED
    with pytest.raises(services.RegistrationError, match="Verwaltungsspitzen"):
        services.register(summit, contact_a, contact_a)


def test_the_people_an_event_admits_are_those_its_audience_names_and_no_one_else(
    contact_a, colleague_a, head_a, organisation_a, contact_b
):
    """organisation_a applies, contact_b's municipality is a member."""
    head_b = AffiliationFactory(
        organisation=contact_b.affiliation.organisation, role=Affiliation.Role.HEAD
    ).user
    ApplicationFactory(organisation=organisation_a, status=Application.Status.SUBMITTED)
    MembershipFactory(organisation=contact_b.affiliation.organisation)
    outsider = UserFactory()
    people = {contact_a, colleague_a, head_a, contact_b, head_b, outsider}
    expected = {
        Event.Audience.OPEN: people,
        Event.Audience.MEMBERS_STAFF: {contact_b, head_b},
        Event.Audience.HEADS: {head_a, head_b},
    }
    for audience, admitted in expected.items():
        event = EventFactory(audience=audience)
        assert (
            set(services.admitted_people(event).filter(pk__in=[p.pk for p in people])) == admitted
        )
        assert {p for p in people if services.refusal(event, p) is None} == admitted


def test_open_events_take_anyone_with_an_account():
    workshop = EventFactory(kind=Event.Kind.WORKSHOP, audience=Event.Audience.OPEN)
    outsider = UserFactory()
    assert services.register(workshop, outsider, outsider).organisation is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"status": Event.Status.DRAFT}, "nicht zur Anmeldung offen"),
        ({"registration_opens_at": timezone.now() + datetime.timedelta(days=1)}, "ab dem"),
        ({"registration_closes_at": timezone.now() - datetime.timedelta(hours=1)}, "geschlossen"),
    ],
)
def test_registration_only_in_its_window(contact_a, member_a, change, message):
    event = EventFactory(**change)
    with pytest.raises(services.RegistrationError, match=message):
        services.register(event, contact_a, contact_a)


def test_nobody_registers_twice(event, contact_a, member_a):
    services.register(event, contact_a, contact_a)
    with pytest.raises(services.RegistrationError, match="bereits angemeldet"):
        services.register(event, contact_a, contact_a)


def test_the_limit_per_municipality_is_kept(contact_a, colleague_a, head_a, member_a):
    event = EventFactory(limit_per_organisation=2)
    services.register(event, contact_a, contact_a)
    services.register(event, colleague_a, contact_a)
    with pytest.raises(services.RegistrationError, match="Kontingent von 2 Plätzen"):
        services.register(event, head_a, head_a)


def test_the_limit_counts_only_the_municipalitys_active_registrations(
    contact_a, colleague_a, head_a, member_a, contact_b
):
    MembershipFactory(organisation=contact_b.affiliation.organisation)
    event = EventFactory(limit_per_organisation=1, capacity=10)
    services.register(event, contact_b, contact_b)  # another municipality's place
    first = services.register(event, contact_a, contact_a)
    with pytest.raises(services.RegistrationError, match="Kontingent von 1 Platz bereits"):
        services.register(event, colleague_a, colleague_a)
    services.cancel(first, contact_a)
    assert services.register(event, colleague_a, colleague_a).status == Status.CONFIRMED


def test_registering_again_after_cancelling_goes_above_the_earlier_calendar_sequence(
    event, contact_a, member_a
):
    first = services.register(event, contact_a, contact_a)
    assert first.sequence == 0
    services.cancel(first, contact_a)  # its file now says CANCELLED with sequence 1
    assert services.register(event, contact_a, contact_a).sequence == 2


def test_a_full_event_puts_people_on_the_waiting_list(contact_a, colleague_a, member_a):
    event = EventFactory(capacity=1)
    services.register(event, contact_a, contact_a)
    waiting = services.register(event, colleague_a, colleague_a)
    assert waiting.status == Status.WAITLISTED
    assert OutboundEmail.objects.filter(
        kind="meetings/registration_waitlisted", to=colleague_a.email
    ).exists()


def test_a_full_event_without_waiting_list_refuses(contact_a, colleague_a, member_a):
    event = EventFactory(capacity=1, waitlist_enabled=False)
    services.register(event, contact_a, contact_a)
    with pytest.raises(services.RegistrationError, match="ausgebucht"):
        services.register(event, colleague_a, colleague_a)


def test_a_cancellation_promotes_exactly_the_first_on_the_waiting_list(member_a):
    event = EventFactory(capacity=2, limit_per_organisation=None)
    people = [
        AffiliationFactory(organisation=member_a, role=Affiliation.Role.COLLEAGUE).user
        for _ in range(5)
    ]
    registrations = [services.register(event, p, p) for p in people]
    assert [r.status for r in registrations] == ["confirmed"] * 2 + ["waitlisted"] * 3
    promoted = services.cancel(registrations[0], people[0])
    assert promoted == registrations[2]
    statuses = dict(Registration.objects.values_list("user", "status"))
    assert list(statuses.values()).count("confirmed") == 2
    assert statuses[people[2].pk] == "confirmed"
    assert statuses[people[3].pk] == statuses[people[4].pk] == "waitlisted"
    assert (
        OutboundEmail.objects.filter(
            kind="meetings/registration_promoted", to=people[2].email
        ).count()
        == 1
    )


def test_cancelling_a_waiting_place_promotes_nobody(contact_a, colleague_a, member_a):
    event = EventFactory(capacity=1)
    services.register(event, contact_a, contact_a)
    waiting = services.register(event, colleague_a, colleague_a)
    assert services.cancel(waiting, colleague_a) is None
    assert Registration.objects.filter(status="confirmed").count() == 1


def test_people_cancel_only_until_the_deadline_but_staff_always(contact_a, member_a, staff_user):
    event = EventFactory(cancellation_deadline=timezone.now() + datetime.timedelta(hours=1))
    registration = services.register(event, contact_a, contact_a)
    Event.objects.filter(pk=event.pk).update(
        cancellation_deadline=timezone.now() - datetime.timedelta(minutes=1)
    )
    with pytest.raises(services.RegistrationError, match="nicht mehr"):
        services.cancel(registration, contact_a)
    services.cancel(registration, staff_user)
    registration.refresh_from_db()
    assert registration.status == Status.CANCELLED


def test_only_the_person_their_contacts_or_staff_cancel(event, contact_a, colleague_a, contact_b):
    MembershipFactory(organisation=contact_a.affiliation.organisation)
    registration = services.register(event, colleague_a, colleague_a)
    with pytest.raises(PermissionDenied):
        services.cancel(registration, contact_b)
    services.cancel(registration, contact_a)


@pytest.mark.django_db(transaction=True)
def test_fifty_people_at_once_on_ten_places_give_ten_confirmed_and_forty_waiting():
    event = EventFactory(audience=Event.Audience.OPEN, capacity=10)
    people = [UserFactory() for _ in range(50)]
    barrier = threading.Barrier(len(people))
    errors: list[Exception] = []

    def register(person):
        try:
            barrier.wait()
            services.register(event, person, person)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    counts = dict(
        Registration.objects.filter(event=event).values_list("status").annotate(n=Count("id"))
    )
    assert counts == {"confirmed": 10, "waitlisted": 40}


def test_staff_see_the_fill_rate_and_cancelling_in_admin_promotes(
    client, staff_user, settings, member_a
):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    event = EventFactory(capacity=1)
    first, second = (
        AffiliationFactory(organisation=member_a, role=Affiliation.Role.COLLEAGUE).user
        for _ in range(2)
    )
    confirmed = services.register(event, first, first)
    services.register(event, second, second)
    client.force_login(staff_user)
    assert "1/1 (+1)" in client.get("/admin/meetings/event/").text
    client.post(
        "/admin/meetings/registration/",
        {"action": "cancel_registrations", "_selected_action": [confirmed.pk]},
    )
    assert Registration.objects.get(user=second).status == Status.CONFIRMED


def test_the_event_list_in_admin_needs_few_queries(
    client, staff_user, settings, django_assert_max_num_queries
):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    client.force_login(staff_user)
    EventFactory.create_batch(3)
    with django_assert_max_num_queries(8) as few:
        client.get("/admin/meetings/event/")
    EventFactory.create_batch(27)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/admin/meetings/event/")


# --- Guests ---------------------------------------------------------------------------------------


def _pending_guest(event, email="gast@verein.example") -> Registration:
    registration = services.request_guest_registration(
        event, name="Gisela Gast", email=email, language="en"
    )
    assert registration is not None
    return registration


def test_a_pending_guest_holds_no_place_until_confirmed():
    event = EventFactory(audience=Event.Audience.OPEN, capacity=1)
    guest = _pending_guest(event)
    outsider = UserFactory()
    assert services.register(event, outsider, outsider).status == Status.CONFIRMED
    assert services.confirm_guest(guest).status == Status.WAITLISTED


def test_a_confirmed_guest_and_members_fill_the_same_places(contact_a, member_a):
    event = EventFactory(audience=Event.Audience.OPEN, capacity=1)
    guest = services.confirm_guest(_pending_guest(event))
    assert guest.status == Status.CONFIRMED
    assert guest.confirmed_at is not None
    assert services.register(event, contact_a, contact_a).status == Status.WAITLISTED
    mail = OutboundEmail.objects.get(kind="meetings/registration_confirmed")
    assert mail.to == "gast@verein.example"
    assert mail.language == "en"


def test_guests_are_refused_by_events_that_are_not_open():
    with pytest.raises(services.RegistrationError):
        services.request_guest_registration(EventFactory(), name="G", email="g@verein.example")
    assert not Registration.objects.exists()


def test_confirming_twice_is_refused_as_used():
    registration = _pending_guest(EventFactory(audience=Event.Audience.OPEN))
    services.confirm_guest(registration)
    with pytest.raises(services.RegistrationError) as raised:
        services.confirm_guest(registration)
    assert raised.value.code == "used"


def test_a_confirmation_after_the_window_closed_is_refused():
    event = EventFactory(audience=Event.Audience.OPEN)
    registration = _pending_guest(event)
    Event.objects.filter(pk=event.pk).update(
        registration_closes_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    with pytest.raises(services.RegistrationError, match="geschlossen"):
        services.confirm_guest(registration)
    registration.refresh_from_db()
    assert registration.status == Status.PENDING


def test_a_guest_cancels_with_the_personal_link_but_nobody_else_without_an_account(
    contact_a, member_a
):
    event = EventFactory(audience=Event.Audience.OPEN, capacity=1)
    guest = services.confirm_guest(_pending_guest(event))
    member = services.register(event, contact_a, contact_a)
    with pytest.raises(PermissionDenied):
        services.cancel(member, None)
    assert services.cancel(guest, None) == member


def test_the_codes_of_confirmation_links_are_signed_and_specific():
    registration = _pending_guest(EventFactory(audience=Event.Audience.OPEN))
    code = services.guest_confirmation_code(registration)
    assert services.registration_for_code(code) == registration
    with pytest.raises(services.InvalidConfirmation):
        services.registration_for_code(code[:-2] + "xx")
    assert datetime.timedelta(hours=72) == services.GUEST_CONFIRMATION_MAX_AGE


def test_a_guest_who_confirms_late_queues_behind_those_who_came_before(member_a):
    event = EventFactory(audience=Event.Audience.OPEN, capacity=1)
    guest = _pending_guest(event)
    first, second = (
        AffiliationFactory(organisation=member_a, role=Affiliation.Role.COLLEAGUE).user
        for _ in range(2)
    )
    holder = services.register(event, first, first)
    waiting_member = services.register(event, second, second)
    assert services.confirm_guest(guest).status == Status.WAITLISTED
    assert services.cancel(holder, first) == waiting_member
