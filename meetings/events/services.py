"""Registering for events: who may, places and the waiting list, cancelling and promotion.

The event's row is locked while places are counted, so capacity is never exceeded, also when
many people register at the same moment (PostgreSQL row locks). Members and guests get their
places by the same code (`_give_place`); guests only once they have confirmed their address
(double opt-in), so an unconfirmed guest never holds a place.

What builds on a registration (the workshop places of meetings.sessions) hears of its
cancellation through the signal `registration_cancelled`, so that this module needs none of it.
"""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.dispatch import Signal
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from meetings.events.calendar import registration_attachment
from meetings.events.models import Event, Registration, is_deleted_account
from meetings.events.places import Tally, count_under_lock, has_room
from meetings.events.waitlist import promote_first, promote_while_room
from members.models import Affiliation, Application, Membership, Organisation
from members.people.services import affiliation_of, is_contact
from portal.models import User
from portal.outbox.services import Attachment, queue_email

Status = Registration.Status

# How long the link in a guest's confirmation mail works.
GUEST_CONFIRMATION_MAX_AGE = datetime.timedelta(hours=72)
GUEST_CONFIRMATION_HOURS = int(GUEST_CONFIRMATION_MAX_AGE.total_seconds() // 3600)
GUEST_CONFIRMATION_SALT = "meetings.guest-confirmation"
GUEST_OPEN = [Status.PENDING, *Registration.ACTIVE]
# The mails that carry the registration's calendar file (not the waiting list's: no place yet).
CALENDAR_MAILS = (
    "registration_confirmed",
    "registration_promoted",
    "reminder",
    "event_cancelled",
    "registration_cancelled",
)

# Sent with `registration` inside the cancelling transaction, once the registration is saved
# as cancelled: what builds on it gives up its own places (meetings.sessions.services).
registration_cancelled = Signal()


class RegistrationError(ValidationError):
    """Why someone cannot register or cancel; shown to the user as it is."""


def is_member(organisation: Organisation) -> bool:
    return organisation.memberships.filter(until__isnull=True).exists()


def admitted_people(event: Event) -> QuerySet[User]:
    """Everyone the event's audience admits, the registration window aside.

    The one rule of who may come: `refusal` asks it for one person, the registration form
    offers only these people, so that the form never offers someone the service refuses."""
    people = User.objects.all()
    if event.audience == Event.Audience.OPEN:
        return people
    member = Exists(
        Membership.objects.filter(
            organisation=OuterRef("affiliation__organisation"), until__isnull=True
        )
    )
    if event.audience == Event.Audience.MEMBERS_STAFF:
        return people.filter(member)
    applying = Exists(
        Application.objects.filter(
            organisation=OuterRef("affiliation__organisation"),
            status__in=[*Application.OPEN_STATUSES, Application.Status.APPROVED],
        )
    )
    return people.filter(member | applying, affiliation__role=Affiliation.Role.HEAD)


def _window_refusal(event: Event) -> str | None:
    """Why nobody may register for the event now; None while it takes registrations."""
    now = timezone.now()
    if event.status != Event.Status.PUBLISHED:
        return _("This event is not open for registration.")
    if event.registration_opens_at and now < event.registration_opens_at:
        return _("Registration opens on %(date)s.") % {
            "date": formats.date_format(
                timezone.localtime(event.registration_opens_at), "SHORT_DATETIME_FORMAT"
            )
        }
    if now > (event.registration_closes_at or event.starts_at):
        return _("Registration for this event has closed.")
    return None


def refusal(event: Event, user: User) -> str | None:
    """Why the user may not register for the event now; None if they may."""
    if reason := _window_refusal(event):
        return reason
    if admitted_people(event).filter(pk=user.pk).exists():
        return None
    if event.audience == Event.Audience.MEMBERS_STAFF:
        return _("This event is for the staff of member municipalities.")
    return _(
        "This event is for the heads of administration of member municipalities and of "
        "municipalities that apply."
    )


def guest_refusal(event: Event) -> str | None:
    """Why a guest without an account may not register for the event now; None if they may."""
    if event.audience != Event.Audience.OPEN:
        return _("Only people with an account of the portal can register for this event.")
    return _window_refusal(event)


def _give_place(event: Event, registration: Registration, tally: Tally) -> Registration:
    """Confirm the registration while places are left, else put it on the waiting list; save it
    with its calendar sequence and tell the person.

    The caller holds the event's row lock and counted `tally` under it, so no one else counts
    the places in between."""
    if has_room(event, tally.confirmed):
        status = Status.CONFIRMED
    elif event.waitlist_enabled:
        status = Status.WAITLISTED
    else:
        raise RegistrationError(_("This event is fully booked."), code="full")
    registration.event = event
    registration.status = status
    registration.confirmed_at = timezone.now() if status == Status.CONFIRMED else None
    registration.sequence = tally.next_sequence
    registration.save()
    tell(registration, "registration_" + status)
    return registration


def register(
    event: Event,
    participant: User,
    registered_by: User,
    *,
    affiliation: Affiliation | None = None,
    listed_consent: bool = False,
    needs: str = "",
    answers: list[dict[str, object]] | None = None,
) -> Registration:
    """Give the participant a place, or a place on the waiting list.

    `affiliation`: the participant's, if the caller has read it already (the view has the
    registrar's); when it is not theirs, it is looked up. `answers`: to the event's own
    questions, as RegistrationForm.answers() gives them."""
    if affiliation is None or affiliation.user_id != participant.pk:
        affiliation = affiliation_of(participant)
    organisation = affiliation.organisation if affiliation else None
    if registered_by != participant and not (
        organisation and is_contact(registered_by, organisation)
    ):
        raise PermissionDenied
    if reason := refusal(event, participant):
        raise RegistrationError(reason)
    try:
        with transaction.atomic():
            locked = Event.objects.select_for_update().get(pk=event.pk)
            limit = locked.limit_per_organisation
            # The person's registrations, as member or as guest, and the places, in one query.
            counted = count_under_lock(
                locked,
                Q(user=participant) | Q(user__isnull=True, guest_email__iexact=participant.email),
                organisation if limit is not None else None,
            )
            if counted.own_active:
                raise RegistrationError(
                    _("%(name)s is already registered for this event.")
                    % {"name": participant.get_full_name()}
                )
            if organisation and limit is not None and counted.organisation_active >= limit:
                raise RegistrationError(
                    ngettext(
                        "Your municipality has used its %(limit)d place.",
                        "Your municipality has used all of its %(limit)d places.",
                        limit,
                    )
                    % {"limit": limit}
                )
            registration = _give_place(
                locked,
                Registration(
                    user=participant,
                    organisation=organisation,
                    registered_by=registered_by,
                    listed_consent=listed_consent,
                    needs=needs.strip(),
                    answers=answers or [],
                ),
                counted,
            )
    except IntegrityError:
        # The same person registered twice at the same moment; the constraint caught it.
        raise RegistrationError(
            _("%(name)s is already registered for this event.")
            % {"name": participant.get_full_name()}
        ) from None
    return registration


# --- Guests -----------------------------------------------------------------------------------


class InvalidConfirmation(Exception):
    """A guest's confirmation link that does not work; `reason` says why for the page."""

    def __init__(self, reason: str, event: Event | None = None):
        super().__init__(reason)
        self.reason = reason  # "expired", "used" or "invalid"
        self.event = event  # where to register again, if the link is known


def guest_confirmation_code(registration: Registration) -> str:
    """The signed, time-limited code of the registration's confirmation link."""
    return signing.dumps(registration.pk, salt=GUEST_CONFIRMATION_SALT)


def registration_for_code(code: str) -> Registration:
    """The guest registration a confirmation code stands for; InvalidConfirmation if none."""
    try:
        pk = signing.loads(code, salt=GUEST_CONFIRMATION_SALT, max_age=GUEST_CONFIRMATION_MAX_AGE)
    except signing.SignatureExpired:
        # The signature is genuine, only old: the event tells the guest where to start again.
        expired = _guest_registration(signing.loads(code, salt=GUEST_CONFIRMATION_SALT))
        if expired is None:
            raise InvalidConfirmation("invalid") from None
        used = expired.status != Status.PENDING
        raise InvalidConfirmation("used" if used else "expired", expired.event) from None
    except signing.BadSignature:
        raise InvalidConfirmation("invalid") from None
    registration = _guest_registration(pk)
    if registration is None:
        raise InvalidConfirmation("invalid")
    return registration


def _guest_registration(pk: object) -> Registration | None:
    if not isinstance(pk, int):
        return None
    return Registration.objects.select_related("event").filter(pk=pk, user__isnull=True).first()


def request_guest_registration(
    event: Event,
    *,
    name: str,
    email: str,
    organisation: str = "",
    language: str = "",
    listed_consent: bool = False,
    needs: str = "",
    answers: list[dict[str, object]] | None = None,
) -> Registration | None:
    """Start a guest's registration: keep it as pending and mail the link that confirms it.

    The outcome reaches the address only by e-mail, so whoever fills in the form never learns
    whether that address is registered already: a pending registration is updated and gets a
    new link, a registered address is told so. Returns the registration the mail is about."""
    if reason := guest_refusal(event):
        raise RegistrationError(reason)
    email = email.strip()
    with transaction.atomic():
        registration = (
            Registration.objects.select_for_update()
            .filter(
                event=event, user__isnull=True, guest_email__iexact=email, status__in=GUEST_OPEN
            )
            .first()
        )
        if registration is None:
            registration = (
                Registration.objects.select_related("user")
                .filter(event=event, status__in=Registration.ACTIVE, user__email__iexact=email)
                .first()
            )
        if registration is not None and registration.status != Status.PENDING:
            tell(registration, "guest_already_registered")
            return registration
        if registration is None:
            registration = Registration(
                event=event, status=Status.PENDING, guest_token=secrets.token_urlsafe(32)
            )
        # The request's time: unconfirmed requests are deleted once their link has expired.
        registration.created_at = timezone.now()
        registration.guest_name = name.strip()
        registration.guest_email = email
        registration.guest_organisation = organisation.strip()
        registration.guest_language = language or settings.LANGUAGE_CODE
        registration.listed_consent = listed_consent
        registration.needs = needs.strip()
        registration.answers = answers or []
        try:
            with transaction.atomic():
                registration.save()
        except IntegrityError:
            # The same address was sent at the same moment; that request mails the link.
            return None
        confirm_path = reverse(
            "meetings:guest_confirm", args=[guest_confirmation_code(registration)]
        )
        # Until the address is confirmed, the name is a stranger's text: not greeted with it.
        tell(
            registration,
            "guest_confirm",
            confirm_url=settings.PORTAL_BASE_URL + confirm_path,
            valid_hours=GUEST_CONFIRMATION_HOURS,
            recipient_name="",
        )
    return registration


def confirm_guest(registration: Registration) -> Registration:
    """A guest confirmed their address: give them a place or a waiting place.

    The same rules as for members (window, places, waiting list), except the limit per
    municipality, which guests do not belong to. RegistrationError with code "used" if the
    registration is not pending any more."""
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=registration.event_id)
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if not registration.is_guest or registration.status != Status.PENDING:
            raise RegistrationError(_("This link has already been used."), code="used")
        if reason := guest_refusal(event):
            raise RegistrationError(reason, code="refused")
        email = registration.guest_email
        counted = count_under_lock(
            event,
            (Q(user__email__iexact=email) | Q(user__isnull=True, guest_email__iexact=email))
            & ~Q(pk=registration.pk),
        )
        if counted.own_active:
            raise RegistrationError(
                _("This e-mail address is already registered for this event."), code="duplicate"
            )
        # The registration counts from now: a late confirmation does not jump the waiting list.
        registration.created_at = timezone.now()
        return _give_place(event, registration, counted)


def cancel(registration: Registration, actor: User | None) -> Registration | None:
    """Cancel a registration; a freed place goes to the first on the waiting list (returned).

    `actor` None: a guest cancels their own registration, having shown their personal link."""
    organisation = registration.organisation
    if actor is None:
        allowed = registration.is_guest
    else:
        allowed = (
            actor.is_staff
            or actor.pk == registration.user_id
            or (organisation is not None and is_contact(actor, organisation))
        )
    if not allowed:
        raise PermissionDenied
    by_staff = actor is not None and actor.is_staff
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=registration.event_id)
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.status == Status.CANCELLED:
            raise RegistrationError(_("This registration has already been cancelled."))
        deadline = event.cancellation_deadline or event.starts_at
        if timezone.now() > deadline and not by_staff:
            raise RegistrationError(
                _("Registrations can no longer be cancelled here. Please write to the team.")
            )
        freed_place = registration.status == Status.CONFIRMED
        # An unconfirmed guest's address is not proven: it gets no mail about it.
        confirmed_address = registration.status != Status.PENDING
        registration.status = Status.CANCELLED
        registration.cancelled_at = timezone.now()
        registration.sequence += 1  # its calendar file now says CANCELLED
        registration.save(update_fields=["status", "cancelled_at", "sequence"])
        registration_cancelled.send(Registration, registration=registration)
        if confirmed_address:
            tell(registration, "registration_cancelled")
        if not freed_place:
            return None
        return _promote_first(event)


def _has_room(event: Event) -> bool:
    """Whether the event has a place left; the caller holds the event's row lock."""
    return has_room(event, event.registrations.filter(status=Status.CONFIRMED).count())


def _waiting(event: Event) -> QuerySet[Registration]:
    return event.registrations.filter(status=Status.WAITLISTED)


def _tell_promoted(registration: Registration) -> None:
    # Its calendar file changes from TENTATIVE to CONFIRMED; the row is locked.
    registration.sequence += 1
    registration.save(update_fields=["sequence"])
    tell(registration, "registration_promoted")


def _promote_first(event: Event) -> Registration | None:
    """Move the longest-waiting person up when a place is free; the event's row is locked."""
    return promote_first(_waiting(event), lambda: _has_room(event), _tell_promoted)


def fill_free_places(event: Event) -> list[Registration]:
    """Move waiting people up while the event has free places, e.g. after staff raised its
    capacity; each one promoted is told by e-mail. Returns them in their order."""
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        if locked.status != Event.Status.PUBLISHED:
            return []
        return promote_while_room(_waiting(locked), lambda: _has_room(locked), _tell_promoted)


def delete_unconfirmed_guests(now: datetime.datetime | None = None) -> int:
    """Delete guests' requests whose confirmation link has expired: personal data that was
    never confirmed is not kept (GDPR: storage limitation). Returns how many went."""
    expired = (now or timezone.now()) - GUEST_CONFIRMATION_MAX_AGE - datetime.timedelta(hours=1)
    deleted, _per_model = Registration.objects.filter(
        status=Status.PENDING, user__isnull=True, created_at__lt=expired
    ).delete()
    return deleted


def registration_url(registration: Registration) -> str:
    """The absolute address of the registration's page: a guest's personal page (no login) or
    the member's page; empty for a guest without a personal link."""
    if registration.is_guest:
        if not registration.guest_token:
            return ""
        path = reverse("meetings:guest_registration", args=[registration.guest_token])
    else:
        path = reverse("meetings:registration", args=[registration.pk])
    return settings.PORTAL_BASE_URL + path


def tell(registration: Registration, kind: str, **extra: object) -> None:
    """Queue the e-mail `meetings/<kind>` to the participant, member or guest, in their language.

    Confirmations, reminders and cancellations carry the registration's calendar file: a
    calendar that imported the confirmation's file takes the cancellation's as its update."""
    if is_deleted_account(registration):
        return  # the trace of a deleted account has nobody to tell
    attachments: list[Attachment] = []
    if kind in CALENDAR_MAILS:
        with translation.override(registration.language):
            attachments.append(registration_attachment(registration))
    queue_email(
        f"meetings/{kind}",
        registration.email,
        {
            "recipient": registration.user,
            "recipient_name": registration.name,
            "registration": registration,
            "event": registration.event,
            "registration_url": registration_url(registration),
            **extra,
        },
        language=registration.language,
        related=registration,
        attachments=attachments,
    )
