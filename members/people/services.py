"""People of an organisation: who belongs where, invitations and leaving.

Each function that changes something runs in one transaction and queues its e-mails through
the outbox; views and admin call these and never change affiliations themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast
from urllib.parse import urlencode

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Max
from django.db.models.functions import ExtractYear
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from members.errors import WorkflowError
from members.people.models import Affiliation, Invitation, Organisation
from portal.http import per_request
from portal.models import MailingRecipient, User
from portal.outbox.services import queue_email, queue_email_to_user

# --- Who belongs where ------------------------------------------------------------------------


def affiliation_of(user: User) -> Affiliation | None:
    if not user.is_authenticated:
        return None
    # One per person (OneToOne): the default ordering would only add a join and a sort.
    return (
        Affiliation.objects.select_related("organisation__authority")
        .filter(user=user)
        .order_by()
        .first()
    )


def organisation_of(user: User) -> Organisation | None:
    """The user's municipality, read anew (request.user has nothing prefetched)."""
    affiliation = affiliation_of(user)
    return affiliation.organisation if affiliation else None


def affiliation_for(request: HttpRequest) -> Affiliation | None:
    """The requesting user's affiliation, looked up once per request."""
    user = cast(User, request.user)  # AnonymousUser answers is_authenticated as affiliation_of asks
    return per_request(request, "members.affiliation", lambda: affiliation_of(user))


def organisation_for(request: HttpRequest) -> Organisation | None:
    """The requesting user's municipality, from the affiliation looked up once per request."""
    affiliation = affiliation_for(request)
    return affiliation.organisation if affiliation else None


def is_contact(user: User, organisation: Organisation) -> bool:
    return Affiliation.objects.filter(
        user=user,
        organisation=organisation,
        role__in=[Affiliation.Role.CONTACT, Affiliation.Role.HEAD],
    ).exists()


def contacts_of(organisation: Organisation) -> list[User]:
    """The people who speak for an organisation: contacts and the head of administration."""
    return [
        a.user
        for a in organisation.affiliations.select_related("user").filter(
            role__in=[Affiliation.Role.CONTACT, Affiliation.Role.HEAD]
        )
    ]


# --- People -----------------------------------------------------------------------------------


def invite(organisation: Organisation, inviter: User, email: str, role: str) -> Invitation:
    if not is_contact(inviter, organisation):
        raise PermissionDenied
    email = email.strip().lower()
    if Affiliation.objects.filter(user__email__iexact=email, organisation=organisation).exists():
        raise WorkflowError(_("This person already belongs to your organisation."))
    return _send_invitation(organisation, inviter, email, role, inviter.language)


def invite_on_behalf_of_network(
    organisation: Organisation, staff: User, email: str, role: str
) -> Invitation:
    """Staff invite a person the network already knows (the network import) in their role."""
    if not staff.is_staff:
        raise PermissionDenied
    # In the portal's language: the person has no account, so no language of their own yet.
    email = email.strip().lower()
    return _send_invitation(organisation, staff, email, role, settings.LANGUAGE_CODE)


def _send_invitation(
    organisation: Organisation, inviter: User, email: str, role: str, language: str
) -> Invitation:
    with transaction.atomic():
        invitation = Invitation.objects.create(
            organisation=organisation, email=email, role=role, invited_by=inviter
        )
        queue_email(
            "members/invitation",
            email,
            {
                "invitation": invitation,
                "organisation": organisation,
                # The address the portal confirmed, never the name the inviter typed: the
                # inviter chooses the recipient, so a typed name could carry any message.
                "inviter_address": "" if inviter.is_staff else inviter.email,
                "token": invitation_token(invitation),
                "valid_days": INVITATION_MAX_AGE.days,
            },
            language=language,
            related=invitation,
        )
    return invitation


def accept_invitation(invitation: Invitation, user: User) -> Affiliation:
    if invitation.accepted_at:
        raise WorkflowError(_("This invitation has already been used."))
    if invitation.email.lower() != user.email.lower():
        raise WorkflowError(
            _(
                "This invitation was sent to %(email)s. Please log in with that address, "
                "or ask for an invitation to your own address."
            )
            % {"email": invitation.email}
        )
    mine = affiliation_of(user)
    if mine and mine.organisation_id != invitation.organisation_id:
        raise WorkflowError(
            _("Your account already belongs to %(organisation)s.")
            % {"organisation": mine.organisation}
        )
    with transaction.atomic():
        affiliation, _created = Affiliation.objects.update_or_create(
            user=user, defaults={"organisation": invitation.organisation, "role": invitation.role}
        )
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
    return affiliation


def remove_person(affiliation: Affiliation, actor: User) -> None:
    """A contact removes a colleague, or someone leaves; never the last contact person."""
    organisation = affiliation.organisation
    if affiliation.user_id != actor.pk and not is_contact(actor, organisation):
        raise PermissionDenied
    with transaction.atomic():
        speakers = list(
            Affiliation.objects.select_for_update()
            .filter(organisation=organisation, role=Affiliation.Role.CONTACT)
            .values_list("pk", flat=True)
        )
        if speakers == [affiliation.pk]:
            raise WorkflowError(
                _(
                    "The organisation needs at least one contact person. Please name another "
                    "contact person first."
                )
            )
        affiliation.delete()


# --- Asking to be invited -------------------------------------------------------------------

# One request a day from one person to one municipality; a few a day to one municipality from
# anyone, so that nobody can flood its people with mails by opening accounts.
INVITATION_REQUEST_WINDOW = timedelta(days=1)
INVITATION_REQUESTS_PER_ORGANISATION = 5


def _requests_today(organisation: Organisation) -> int:
    key = f"members:invitation-requests:{organisation.pk}"
    seconds = int(INVITATION_REQUEST_WINDOW.total_seconds())
    cache.add(key, 0, timeout=seconds)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds)
        return 1


def request_invitation(user: User, organisation: Organisation) -> None:
    """Ask the contacts of an organisation already in the portal to invite the user.

    The mail names only the user's verified e-mail address and says nothing the user typed;
    the user learns neither who the contacts are nor how many were asked.
    """
    mine = affiliation_of(user)
    if mine:
        raise WorkflowError(
            _("Your account already belongs to %(organisation)s.")
            % {"organisation": mine.organisation}
        )
    if not EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists():
        raise WorkflowError(
            _("Please confirm your e-mail address first; then you can ask for an invitation.")
        )
    people = contacts_of(organisation)
    if not people:
        raise WorkflowError(
            _("Please write to the network team: %(team)s.") % {"team": settings.PORTAL_TEAM_EMAIL}
        )
    seconds = int(INVITATION_REQUEST_WINDOW.total_seconds())
    if not cache.add(f"members:invitation-request:{user.pk}:{organisation.pk}", 1, seconds):
        raise WorkflowError(
            _(
                "You have already asked %(organisation)s for an invitation today. Its contact "
                "persons will get in touch with you by e-mail."
            )
            % {"organisation": organisation},
            code="repeated",
        )
    if _requests_today(organisation) > INVITATION_REQUESTS_PER_ORGANISATION:
        raise WorkflowError(
            _(
                "%(organisation)s has received many requests for an invitation today. Please "
                "try again tomorrow or write to the network team: %(team)s."
            )
            % {"organisation": organisation, "team": settings.PORTAL_TEAM_EMAIL},
            code="busy",
        )
    invite_path = reverse("members:people") + "?" + urlencode({"email": user.email})
    context = {
        "organisation": organisation,
        "requester_email": user.email,
        "invite_path": invite_path + "#invite-form",
    }
    for person in people:
        queue_email_to_user("members/invitation_request", person, context, related=organisation)


# --- Invitation links -------------------------------------------------------------------------

INVITATION_SALT = "members.invitation"
# The session key of an invitation link opened before logging in (members.people.receivers).
PENDING_INVITATION = "members.pending_invitation"
INVITATION_MAX_AGE = timedelta(days=14)


def invitation_token(invitation: Invitation) -> str:
    """The signed, timestamped token of the link in the invitation e-mail."""
    return signing.dumps({"invitation": invitation.pk}, salt=INVITATION_SALT)


def invitation_from_token(token: str) -> Invitation:
    """The invitation a link points to; WorkflowError if the link is broken or too old."""
    try:
        data = signing.loads(token, salt=INVITATION_SALT, max_age=INVITATION_MAX_AGE)
    except signing.SignatureExpired:
        raise WorkflowError(
            _(
                "This invitation has expired. Invitations are valid for %(days)s days. Please "
                "ask the contact person of your municipality to invite you again."
            )
            % {"days": INVITATION_MAX_AGE.days},
            code="expired",
        ) from None
    except signing.BadSignature:
        data = None
    pk = data.get("invitation") if isinstance(data, dict) else None
    invitation = (
        Invitation.objects.select_related("organisation__authority", "invited_by")
        .filter(pk=pk)
        .first()
        if isinstance(pk, int)
        else None
    )
    if invitation is None:
        raise WorkflowError(
            _(
                "This invitation link is not valid. Please open the link exactly as it is in "
                "the e-mail, or ask the contact person of your municipality to invite you again."
            ),
            code="invalid",
        )
    return invitation


def check_invitation(invitation: Invitation, user: User) -> None:
    """Raise the WorkflowError accept_invitation would raise, without accepting."""
    if invitation.accepted_at:
        raise WorkflowError(_("This invitation has already been used."), code="used")
    if invitation.email.lower() != user.email.lower():
        raise WorkflowError(
            _(
                "This invitation was sent to %(email)s. Please log in with that address, "
                "or ask for an invitation to your own address."
            )
            % {"email": invitation.email},
            code="other_address",
        )
    mine = affiliation_of(user)
    if mine and mine.organisation_id != invitation.organisation_id:
        raise WorkflowError(
            _("Your account already belongs to %(organisation)s.")
            % {"organisation": mine.organisation},
            code="other_organisation",
        )


def accept_invitation_token(token: str, user: User) -> Affiliation:
    """Accept the invitation behind a link; the row is locked so that it is used only once."""
    with transaction.atomic():
        invitation = invitation_from_token(token)
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        return accept_invitation(invitation, user)


# --- A municipality's history at a glance (its page in admin) ---------------------------------


# Each part of the history and the permission that shows it (the part's own records).
HISTORY_PERMISSIONS = {
    "attended": "meetings.view_registration",
    "signatures": "declarations.view_signature",
    "responses": "members.view_surveyresponse",
    "mailings": "portal.view_mailing",
}


@dataclass(frozen=True)
class History:
    """What a municipality's people took part in, each part one query however much there is;
    a part the viewer may not see is None.

    The parts live in the apps built on this one (events, declarations, surveys): their
    reverse relations to Organisation name them, as the directory's profile does."""

    attended: list[Any] | None  # {"year", "events"}: events with someone checked in
    signatures: list[Any] | None  # {"version__title", "version__label", "count", "last"}
    responses: list[Any] | None  # {"survey__title", "submitted_at"}: submitted responses
    mailings: list[Any] | None  # {"year", "mailings"}: information e-mails to its people


def history(organisation: Organisation, viewer: User) -> History:
    berlin = timezone.get_current_timezone()
    parts = {
        "attended": organisation.registrations.filter(attended_at__isnull=False)
        .annotate(year=ExtractYear("event__starts_at", tzinfo=berlin))
        .values("year")
        .annotate(events=Count("event", distinct=True))
        .order_by("-year"),
        "signatures": organisation.signatures.values("version__title", "version__label")
        .annotate(count=Count("pk"), last=Max("signed_on"))
        .order_by("-last"),
        "responses": organisation.survey_responses.filter(status="submitted")
        .values("survey__title", "submitted_at")
        .order_by("-submitted_at"),
        # Mails to the people who work for it now, by the year the mailing went out.
        "mailings": MailingRecipient.objects.filter(
            user__affiliation__organisation=organisation, mailing__started_at__isnull=False
        )
        .annotate(year=ExtractYear("mailing__started_at", tzinfo=berlin))
        .values("year")
        .annotate(mailings=Count("mailing", distinct=True))
        .order_by("-year"),
    }
    return History(
        **{
            name: list(rows) if viewer.has_perm(HISTORY_PERMISSIONS[name]) else None
            for name, rows in parts.items()
        }
    )
