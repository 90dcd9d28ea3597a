"""Parallel sessions: one choice per time slot, places and a waiting list for each session.

Only confirmed registrations choose. The rows of the sessions concerned are locked while their
places are counted (always in primary-key order, so two people switching in opposite directions
cannot deadlock), and a registration's own row is locked first, so one person's clicks are
handled one after the other. Every freed place goes to the longest-waiting person of that
session, who is told by e-mail.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.dispatch import receiver
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from meetings.events.copying import copy_event
from meetings.events.models import Event, ProgrammeItem, Registration
from meetings.events.services import RegistrationError, registration_cancelled, tell
from meetings.events.waitlist import promote_first, promote_while_room
from meetings.sessions.models import Session, SessionChoice, TimeSlot
from members.people.services import is_contact
from portal.copying import Offset, shifted, unsaved_copy
from portal.models import User

Choice = SessionChoice.Status


# --- Reading ----------------------------------------------------------------------------------


def sessions_with_places() -> QuerySet[Session]:
    """Sessions with confirmed_count, waiting_count and places_left (None: no limit)."""
    confirmed = Count("choices", filter=Q(choices__status=Choice.CONFIRMED))
    return Session.objects.annotate(
        confirmed_count=confirmed,
        waiting_count=Count("choices", filter=Q(choices__status=Choice.WAITLISTED)),
        places_left=Case(
            When(capacity__isnull=True, then=None),
            When(capacity__lte=confirmed, then=0),
            default=F("capacity") - confirmed,
            output_field=IntegerField(),
        ),
    ).order_by("title", "id")


def slots_with_places(event: Event) -> list[TimeSlot]:
    """The event's slots in time order, each with `sessions.all` annotated: two queries."""
    return list(
        event.slots.order_by("starts_at", "id").prefetch_related(
            Prefetch("sessions", queryset=sessions_with_places())
        )
    )


def choices_of(registration: Registration) -> dict[int, SessionChoice]:
    """The registration's choices by slot id, waiting places with their waiting_position."""
    ahead = (
        SessionChoice.objects.filter(session=OuterRef("session"), status=Choice.WAITLISTED)
        .filter(
            Q(created_at__lt=OuterRef("created_at"))
            | Q(created_at=OuterRef("created_at"), pk__lt=OuterRef("pk"))
        )
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    choices = registration.session_choices.select_related("session").annotate(
        waiting_position=Coalesce(Subquery(ahead, output_field=IntegerField()), Value(0)) + 1
    )
    return {choice.slot_id: choice for choice in choices}


@dataclass(frozen=True)
class SlotChoice:
    """A time slot, its sessions with places left, and the registration's choice in it."""

    slot: TimeSlot
    sessions: list[Session]
    choice: SessionChoice | None


def slot_choices(registration: Registration) -> list[SlotChoice]:
    """Every slot of the registration's event with the choice made in it; three queries."""
    slots = slots_with_places(registration.event)
    if not slots:
        return []
    chosen = choices_of(registration)
    return [SlotChoice(slot, list(slot.sessions.all()), chosen.get(slot.pk)) for slot in slots]


@dataclass(frozen=True)
class ProgrammeEntry:
    """A programme item or a time slot with its parallel sessions, for one timeline."""

    item: ProgrammeItem | None = None
    slot: TimeSlot | None = None

    @property
    def starts_at(self) -> datetime:
        return self.item.starts_at if self.item else cast(TimeSlot, self.slot).starts_at

    @property
    def ends_at(self) -> datetime | None:
        return self.item.ends_at if self.item else cast(TimeSlot, self.slot).ends_at


def programme(event: Event) -> list[ProgrammeEntry]:
    """Programme items and slots of the event in time order, in three queries at most."""
    entries = [ProgrammeEntry(item=item) for item in event.programme_items.all()]
    entries += [ProgrammeEntry(slot=slot) for slot in slots_with_places(event)]
    return sorted(entries, key=lambda entry: entry.starts_at)


# --- Rules ------------------------------------------------------------------------------------


def deadline(event: Event) -> datetime:
    """Until when participants change their sessions (staff always)."""
    return event.cancellation_deadline or event.starts_at


def _check_actor(registration: Registration, actor: User | None) -> None:
    """The participant, a contact or head of their municipality, or staff; None stands for a
    guest who proved through the personal link that the registration is theirs."""
    if actor is None:
        if registration.is_guest:
            return
        raise PermissionDenied
    if actor.is_staff or (actor.pk is not None and actor.pk == registration.user_id):
        return
    organisation = registration.organisation
    if organisation is not None and actor.is_authenticated and is_contact(actor, organisation):
        return
    raise PermissionDenied


def refusal(registration: Registration, actor: User | None) -> RegistrationError | None:
    """Why the sessions of this registration cannot be changed now; None if they can."""
    event = registration.event
    if registration.status == Registration.Status.WAITLISTED:
        return RegistrationError(
            _("On the waiting list of the event: workshops can be chosen once there is a place."),
            code="not_confirmed",
        )
    if registration.status != Registration.Status.CONFIRMED:
        return RegistrationError(
            _("Workshops are chosen only with a confirmed registration."), code="not_confirmed"
        )
    if event.status != Event.Status.PUBLISHED:
        return RegistrationError(_("Workshops of this event cannot be chosen."), code="closed")
    if timezone.now() > deadline(event) and not (actor is not None and actor.is_staff):
        return RegistrationError(
            _("Workshops could be changed until %(date)s. Please write to the team.")
            % {
                "date": formats.date_format(
                    timezone.localtime(deadline(event)), "SHORT_DATETIME_FORMAT"
                )
            },
            code="deadline",
        )
    return None


def _lock_registration(registration: Registration, actor: User | None) -> Registration:
    _check_actor(registration, actor)
    locked = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("event", "user")
        .get(pk=registration.pk)
    )
    if error := refusal(locked, actor):
        raise error
    return locked


def _lock_sessions(ids: Iterable[int]) -> dict[int, Session]:
    sessions = (
        Session.objects.select_for_update(of=("self",))
        .select_related("slot")
        .filter(pk__in=set(ids))
        .order_by("pk")
    )
    return {session.pk: session for session in sessions}


def _has_room(session: Session) -> bool:
    if session.capacity is None:
        return True
    return session.choices.filter(status=Choice.CONFIRMED).count() < session.capacity


def _waiting(session: Session) -> QuerySet[SessionChoice]:
    return session.choices.filter(status=Choice.WAITLISTED).select_related(
        "registration__event", "registration__user"
    )


def _teller(session: Session) -> Callable[[SessionChoice], None]:
    """Tells whoever moved up into the (locked) session."""

    def tell_promoted(choice: SessionChoice) -> None:
        tell(choice.registration, "session_promoted", session=session, slot=session.slot)

    return tell_promoted


def _promote_first(session: Session) -> SessionChoice | None:
    """Give a free place of the (locked) session to the one who has waited longest."""
    return promote_first(_waiting(session), lambda: _has_room(session), _teller(session))


def fill_free_places(session: Session) -> list[SessionChoice]:
    """Move waiting people up while the session has free places (staff raised its capacity)."""
    with transaction.atomic():
        locked = Session.objects.select_for_update().get(pk=session.pk)
        return promote_while_room(_waiting(locked), lambda: _has_room(locked), _teller(locked))


# --- Changing ---------------------------------------------------------------------------------


def choose(registration: Registration, session: Session, actor: User | None) -> SessionChoice:
    """Take a place in the session, or a place on its waiting list; one session per slot."""
    with transaction.atomic():
        registration = _lock_registration(registration, actor)
        slot = TimeSlot.objects.get(pk=session.slot_id)
        if slot.event_id != registration.event_id:
            raise RegistrationError(
                _("This workshop does not belong to the event."), code="other_event"
            )
        current = registration.session_choices.filter(slot=slot).first()
        if current is not None and current.session_id == session.pk:
            return current
        locked = _lock_sessions([session.pk] + ([current.session_id] if current else []))
        freed = None
        if current is not None:
            # A promotion may have given the old waiting place a seat since it was read.
            current.refresh_from_db(fields=["status"])
            if current.status == Choice.CONFIRMED:
                freed = locked[current.session_id]
            current.delete()
        new = locked[session.pk]
        confirmed = _has_room(new)
        choice = SessionChoice.objects.create(
            registration=registration,
            slot=slot,
            session=new,
            status=Choice.CONFIRMED if confirmed else Choice.WAITLISTED,
            confirmed_at=timezone.now() if confirmed else None,
        )
        if freed is not None:
            _promote_first(freed)
    return choice


def leave(registration: Registration, slot: TimeSlot, actor: User | None) -> SessionChoice | None:
    """Give up the session of the slot; returns whoever moved up into the freed place."""
    with transaction.atomic():
        registration = _lock_registration(registration, actor)
        if slot.event_id != registration.event_id:
            raise RegistrationError(
                _("This time slot does not belong to the event."), code="other_event"
            )
        current = registration.session_choices.filter(slot=slot).first()
        if current is None:
            return None
        session = _lock_sessions([current.session_id])[current.session_id]
        current.refresh_from_db(fields=["status"])
        current.delete()
        if current.status != Choice.CONFIRMED:
            return None
        return _promote_first(session)


def apply_choices(
    registration: Registration, wanted: Mapping[TimeSlot, Session | None], actor: User | None
) -> list[tuple[TimeSlot, SessionChoice | None]]:
    """Make the registration's choice in each slot the one wanted (None: no workshop); returns
    the slots whose choice changed, each with its new choice.

    Slot by slot in time order, each in its own transaction as `choose` and `leave` take it, so
    the order of the locks that keeps them free of deadlocks is the same as for single choices.
    A refusal (the deadline, say) concerns the whole registration and stops at the first slot."""
    current = {choice.slot_id: choice.session_id for choice in registration.session_choices.all()}
    changed: list[tuple[TimeSlot, SessionChoice | None]] = []
    for slot, session in sorted(wanted.items(), key=lambda item: (item[0].starts_at, item[0].pk)):
        if current.get(slot.pk) == (session.pk if session else None):
            continue
        if session is None:
            leave(registration, slot, actor)
            changed.append((slot, None))
        else:
            changed.append((slot, choose(registration, session, actor)))
    return changed


@receiver(registration_cancelled)
def _release_cancelled(
    sender: type[Registration], registration: Registration, **kwargs: Any
) -> None:
    release_all(registration)


def release_all(registration: Registration) -> list[SessionChoice]:
    """Drop all choices of a cancelled registration; returns those who moved up.

    Runs inside the cancelling transaction (signal meetings.events.services
    .registration_cancelled), after the cancellation's own checks."""
    with transaction.atomic():
        choices = list(registration.session_choices.all())
        if not choices:
            return []
        locked = _lock_sessions(choice.session_id for choice in choices)
        freed = []
        for choice in choices:
            choice.refresh_from_db(fields=["status"])
            if choice.status == Choice.CONFIRMED:
                freed.append(locked[choice.session_id])
            choice.delete()
        promoted = [_promote_first(session) for session in sorted(freed, key=lambda s: s.pk)]
        return [choice for choice in promoted if choice is not None]


# --- Copying an event as the start of the next one ---------------------------------------------


@transaction.atomic
def copy_event_with_sessions(event: Event, by: Offset) -> Event:
    """A draft copy of `event` (meetings.events.copying) with its time slots and sessions and
    their places, moved by `by`; nobody's choices come along."""
    duplicate = copy_event(event, by)
    slots = list(event.slots.prefetch_related("sessions"))
    new_slots = TimeSlot.objects.bulk_create(
        unsaved_copy(
            slot,
            event=duplicate,
            starts_at=shifted(slot.starts_at, by),
            ends_at=shifted(slot.ends_at, by),
        )
        for slot in slots
    )
    Session.objects.bulk_create(
        unsaved_copy(session, slot=new_slot)
        for slot, new_slot in zip(slots, new_slots, strict=True)
        for session in slot.sessions.all()
    )
    return duplicate
