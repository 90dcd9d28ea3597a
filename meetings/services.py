"""Registering for events: who may, places and the waiting list, cancelling and promotion.

The event's row is locked while places are counted, so capacity is never exceeded, also when
many people register at the same moment (PostgreSQL row locks).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from meetings.models import Event, Registration
from members.models import Affiliation, Application, Organisation
from members.services import affiliation_of, is_contact
from portal.mail import queue_email
from portal.models import User

Status = Registration.Status


class RegistrationError(ValidationError):
    """Why someone cannot register or cancel; shown to the user as it is."""


def _is_member(organisation: Organisation) -> bool:
    return organisation.memberships.filter(until__isnull=True).exists()


def _may_attend_summit(affiliation: Affiliation) -> bool:
    organisation = affiliation.organisation
    applying = organisation.applications.filter(
        status__in=[*Application.OPEN_STATUSES, Application.Status.APPROVED]
    ).exists()
    return affiliation.role == Affiliation.Role.HEAD and (_is_member(organisation) or applying)


def refusal(event: Event, user: User) -> str | None:
    """Why the user may not register for the event now; None if they may."""
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
    if event.audience == Event.Audience.OPEN:
        return None
    affiliation = affiliation_of(user)
    if event.audience == Event.Audience.MEMBERS_STAFF:
        if affiliation is None or not _is_member(affiliation.organisation):
            return _("This event is for the staff of member municipalities.")
        return None
    if affiliation is None or not _may_attend_summit(affiliation):
        return _(
            "This event is for the heads of administration of member municipalities and of "
            "municipalities that apply."
        )
    return None


def register(
    event: Event,
    participant: User,
    registered_by: User,
    *,
    listed_consent: bool = False,
    needs: str = "",
) -> Registration:
    """Give the participant a place, or a place on the waiting list."""
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
            active = Registration.objects.filter(event=locked, status__in=Registration.ACTIVE)
            if active.filter(user=participant).exists():
                raise RegistrationError(
                    _("%(name)s is already registered for this event.")
                    % {"name": participant.get_full_name()}
                )
            limit = locked.limit_per_organisation
            if (
                organisation
                and limit is not None
                and active.filter(organisation=organisation).count() >= limit
            ):
                raise RegistrationError(
                    _("Your municipality has used all of its %(limit)d places.") % {"limit": limit}
                )
            confirmed = active.filter(status=Status.CONFIRMED).count()
            if locked.capacity is None or confirmed < locked.capacity:
                status = Status.CONFIRMED
            elif locked.waitlist_enabled:
                status = Status.WAITLISTED
            else:
                raise RegistrationError(_("This event is fully booked."))
            registration = Registration.objects.create(
                event=locked,
                user=participant,
                organisation=organisation,
                registered_by=registered_by,
                status=status,
                confirmed_at=timezone.now() if status == Status.CONFIRMED else None,
                listed_consent=listed_consent,
                needs=needs.strip(),
            )
            tell(registration, "registration_" + status)
    except IntegrityError:
        # The same person registered twice at the same moment; the constraint caught it.
        raise RegistrationError(
            _("%(name)s is already registered for this event.")
            % {"name": participant.get_full_name()}
        ) from None
    return registration


def cancel(registration: Registration, actor: User) -> Registration | None:
    """Cancel a registration; a freed place goes to the first on the waiting list (returned)."""
    organisation = registration.organisation
    allowed = (
        actor.is_staff
        or actor.pk == registration.user_id
        or (organisation is not None and is_contact(actor, organisation))
    )
    if not allowed:
        raise PermissionDenied
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=registration.event_id)
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.status == Status.CANCELLED:
            raise RegistrationError(_("This registration has already been cancelled."))
        deadline = event.cancellation_deadline or event.starts_at
        if timezone.now() > deadline and not actor.is_staff:
            raise RegistrationError(
                _("Registrations can no longer be cancelled here. Please write to the team.")
            )
        freed_place = registration.status == Status.CONFIRMED
        registration.status = Status.CANCELLED
        registration.cancelled_at = timezone.now()
        registration.save(update_fields=["status", "cancelled_at"])
        tell(registration, "registration_cancelled")
        if not freed_place:
            return None
        return _promote_first(event)


def _promote_first(event: Event) -> Registration | None:
    """Move the longest-waiting person up when a place is free; the event's row is locked."""
    if event.capacity is not None:
        confirmed = event.registrations.filter(status=Status.CONFIRMED).count()
        if confirmed >= event.capacity:
            return None
    first = (
        event.registrations.select_for_update()
        .filter(status=Status.WAITLISTED)
        .order_by("created_at", "id")
        .first()
    )
    if first is None:
        return None
    first.status = Status.CONFIRMED
    first.confirmed_at = timezone.now()
    first.save(update_fields=["status", "confirmed_at"])
    tell(first, "registration_promoted")
    return first


def tell(registration: Registration, kind: str, **extra: object) -> None:
    """Queue the e-mail `meetings/<kind>` to the participant, member or guest, in their language.

    Confirmations carry the registration's calendar file."""
    # Imported here so that this function is the only part of the module that knows them.
    from django.utils import translation

    from meetings.calendar import registration_ics_bytes
    from portal.mail import Attachment

    attachments: list[Attachment] = []
    if kind in ("registration_confirmed", "registration_promoted"):
        with translation.override(registration.language):
            ics = registration_ics_bytes(registration)
        attachments.append(Attachment("veranstaltung.ics", ics, "text/calendar"))
    queue_email(
        f"meetings/{kind}",
        registration.email,
        {
            "recipient": registration.user,
            "recipient_name": registration.name,
            "registration": registration,
            "event": registration.event,
            **extra,
        },
        language=registration.language,
        related=registration,
        attachments=attachments,
    )
