"""Workflows of membership: applying, reviewing, joining and leaving, people and invitations.

Each function runs in one transaction, records what happened and queues the e-mails through
the outbox; views and admin call these and never change the status fields themselves.
"""

from __future__ import annotations

from datetime import timedelta
from typing import cast

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import (
    Affiliation,
    Application,
    ApplicationTransition,
    Authority,
    ConsentRecord,
    Invitation,
    Membership,
    Organisation,
    PracticeExample,
    Profile,
)
from portal.http import per_request
from portal.models import User
from portal.outbox.services import queue_email, queue_email_to_user

Status = Application.Status

# Which step may follow which, and who takes it.
APPLICANT_STEPS: dict[str, set[str]] = {
    Status.SUBMITTED: {Status.DRAFT},
    Status.IN_REVIEW: {Status.QUERY},  # the applicant answers a question
    Status.WITHDRAWN: {Status.DRAFT, Status.SUBMITTED, Status.IN_REVIEW, Status.QUERY},
}
STAFF_STEPS: dict[str, set[str]] = {
    Status.IN_REVIEW: {Status.SUBMITTED},
    Status.QUERY: {Status.SUBMITTED, Status.IN_REVIEW},
    Status.APPROVED: {Status.SUBMITTED, Status.IN_REVIEW},
    Status.REJECTED: {Status.SUBMITTED, Status.IN_REVIEW, Status.QUERY},
}
NOTE_REQUIRED = {Status.QUERY, Status.REJECTED}


class WorkflowError(ValidationError):
    """A step that is not allowed now; its message is shown to the user as it is."""


# --- Who belongs where ------------------------------------------------------------------------


def affiliation_of(user: User) -> Affiliation | None:
    if not user.is_authenticated:
        return None
    return Affiliation.objects.select_related("organisation__authority").filter(user=user).first()


def affiliation_for(request: HttpRequest) -> Affiliation | None:
    """The requesting user's affiliation, looked up once per request."""
    user = cast(User, request.user)  # AnonymousUser answers is_authenticated as affiliation_of asks
    return per_request(request, "members.affiliation", lambda: affiliation_of(user))


def current_membership_for(request: HttpRequest) -> Membership | None:
    """The current membership of the requesting user's municipality, once per request."""

    def lookup() -> Membership | None:
        affiliation = affiliation_for(request)
        if affiliation is None:
            return None
        return affiliation.organisation.memberships.filter(until__isnull=True).first()

    return per_request(request, "members.current_membership", lookup)


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


# --- Applying ---------------------------------------------------------------------------------


def start_application(user: User, authority: Authority) -> Application:
    """Open a draft for a municipality; the applicant becomes its contact person if it is new."""
    mine = affiliation_of(user)
    if mine and mine.organisation.authority_id != authority.pk:
        raise WorkflowError(
            _("Your account belongs to %(organisation)s. You can only apply for it.")
            % {"organisation": mine.organisation}
        )
    with transaction.atomic():
        organisation, _created = Organisation.objects.select_for_update().get_or_create(
            authority=authority
        )
        people = contacts_of(organisation)
        names = ", ".join(f"{p.get_full_name()} <{p.email}>" for p in people)
        if organisation.current_membership:
            message = _("%(organisation)s is already a member of the network.")
            if mine is None:
                message += " " + (
                    _("Please ask its contact person to invite you: %(names)s.")
                    if people
                    else _("Please write to the network team: %(team)s.")
                )
            raise WorkflowError(
                message
                % {"organisation": organisation, "names": names, "team": settings.PORTAL_TEAM_EMAIL}
            )
        if mine is None:
            if people:
                raise WorkflowError(
                    _(
                        "%(organisation)s is already registered in the portal. Please ask its "
                        "contact person to invite you: %(names)s."
                    )
                    % {"organisation": organisation, "names": names}
                )
            Affiliation.objects.create(
                user=user, organisation=organisation, role=Affiliation.Role.CONTACT
            )
        elif mine.role == Affiliation.Role.COLLEAGUE:
            raise WorkflowError(
                _("Only the contact person or the head of administration can apply.")
            )
        open_application = organisation.applications.filter(
            status__in=Application.OPEN_STATUSES
        ).first()
        if open_application:
            raise WorkflowError(
                _("There is already an open application for %(organisation)s.")
                % {"organisation": organisation}
            )
        try:
            with transaction.atomic():
                application = Application.objects.create(
                    organisation=organisation,
                    created_by=user,
                    contact_name=user.full_name,
                    contact_email=user.email,
                )
        except IntegrityError:
            # Somebody else opened one in the same moment; the constraint caught it.
            raise WorkflowError(
                _("There is already an open application for %(organisation)s.")
                % {"organisation": organisation}
            ) from None
        ApplicationTransition.objects.create(
            application=application, from_status="", to_status=Status.DRAFT, actor=user
        )
    return application


def unmet_criteria(application: Application) -> dict[str, str]:
    """Per field, why the application does not meet the five criteria yet (empty: all met)."""
    problems: dict[str, str] = {}
    if not application.contact_name.strip():
        problems["contact_name"] = _("Please name the contact person for civic engagement.")
    if not application.contact_office.strip():
        problems["contact_office"] = _("Please name the office or department of the contact.")
    if not application.contact_email:
        problems["contact_email"] = _("Please give the e-mail address of the contact person.")
    if len(application.cross_cutting_task.strip()) < 30:
        problems["cross_cutting_task"] = _(
            "Please describe in a few sentences how engagement promotion is anchored as a "
            "cross-cutting task in your administration."
        )
    if not application.willing_to_sign:
        problems["willing_to_sign"] = _(
            "Members sign the Gemeinsame Erklärung. Please confirm that you are willing to."
        )
    status = application.ehrenamtskarte_status
    if not status:
        problems["ehrenamtskarte_status"] = _(
            "Please say whether you take part in the Ehrenamtskarte NRW, plan it, or have a "
            "comparable instrument."
        )
    elif status == Application.EhrenamtskarteStatus.PLANNED and (
        not application.ehrenamtskarte_planned_for
    ):
        problems["ehrenamtskarte_planned_for"] = _(
            "Please give the date when you plan to introduce the Ehrenamtskarte."
        )
    elif status == Application.EhrenamtskarteStatus.COMPARABLE and (
        len(application.comparable_instrument.strip()) < 20
    ):
        problems["comparable_instrument"] = _("Please describe your comparable instrument.")
    if not application.commits_to_participate:
        problems["commits_to_participate"] = _(
            "Members take part in the network continuously. Please confirm that you will."
        )
    return problems


def _lock(application: Application) -> Application:
    return Application.objects.select_for_update().get(pk=application.pk)


def _record(application: Application, to_status: str, actor: User | None, note: str) -> None:
    previous = application.status
    application.status = to_status
    now = timezone.now()
    fields = ["status", "updated_at"]
    if to_status == Status.SUBMITTED:
        application.submitted_at = now
        fields.append("submitted_at")
    if to_status in (Status.APPROVED, Status.REJECTED):
        application.decided_at = now
        fields.append("decided_at")
    application.save(update_fields=fields)
    ApplicationTransition.objects.create(
        application=application,
        from_status=previous,
        to_status=to_status,
        actor=actor,
        note=note,
    )


def applicant_step(application: Application, user: User, to_status: str, note: str = "") -> None:
    """Submit, answer a question or withdraw: the steps the municipality takes."""
    if not is_contact(user, application.organisation):
        raise PermissionDenied
    with transaction.atomic():
        application = _lock(application)
        if application.status not in APPLICANT_STEPS.get(to_status, set()):
            raise WorkflowError(_("This step is not possible in the current status."))
        if to_status == Status.SUBMITTED and unmet_criteria(application):
            raise WorkflowError(_("The application does not meet all five criteria yet."))
        if to_status == Status.IN_REVIEW and not note.strip():
            raise WorkflowError(_("Please write your answer."))
        _record(application, to_status, user, note.strip())
        event = "answered" if to_status == Status.IN_REVIEW else to_status
        _notify(application, event, note.strip(), tell_team=True)


def staff_step(application: Application, user: User, to_status: str, note: str = "") -> None:
    """Start the review, ask a question, approve or reject: the steps the network team takes."""
    if not user.is_staff:
        raise PermissionDenied
    with transaction.atomic():
        application = _lock(application)
        if application.status not in STAFF_STEPS.get(to_status, set()):
            raise WorkflowError(
                _("%(application)s cannot go from “%(from)s” to “%(to)s”.")
                % {
                    "application": application,
                    "from": application.get_status_display(),
                    "to": Status(to_status).label,
                }
            )
        if to_status in NOTE_REQUIRED and not note.strip():
            raise WorkflowError(
                _("Please give the reason.")
                if to_status == Status.REJECTED
                else _("Please write your question.")
            )
        _record(application, to_status, user, note.strip())
        if to_status == Status.APPROVED:
            Membership.objects.create(
                organisation=application.organisation,
                application=application,
                since=timezone.localdate(),
            )
        _notify(application, to_status, note.strip(), tell_team=False)


def _notify(application: Application, event: str, note: str, *, tell_team: bool) -> None:
    """Mail the municipality's contacts about a step; the team learns of the applicant's steps."""
    context = {"application": application, "organisation": application.organisation, "note": note}
    if tell_team:
        queue_email(
            f"members/team_application_{event}",
            settings.PORTAL_TEAM_EMAIL,
            context,
            language=settings.LANGUAGE_CODE,
            related=application,
        )
    for person in contacts_of(application.organisation):
        queue_email_to_user(f"members/application_{event}", person, context, related=application)


# --- Membership -------------------------------------------------------------------------------


def end_membership(organisation: Organisation, user: User, until, reason: str) -> Membership:
    """Record that an organisation leaves the network."""
    if not user.is_staff:
        raise PermissionDenied
    if not reason.strip():
        raise WorkflowError(_("Please give the reason for leaving."))
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update()
            .filter(organisation=organisation, until__isnull=True)
            .first()
        )
        if membership is None:
            raise WorkflowError(
                _("%(organisation)s is not a member.") % {"organisation": organisation}
            )
        if until < membership.since:
            raise WorkflowError(_("The exit date cannot be before the start of the membership."))
        membership.until = until
        membership.exit_reason = reason.strip()
        membership.save(update_fields=["until", "exit_reason"])
    return membership


# --- People -----------------------------------------------------------------------------------


def invite(organisation: Organisation, inviter: User, email: str, role: str) -> Invitation:
    if not is_contact(inviter, organisation):
        raise PermissionDenied
    email = email.strip().lower()
    if Affiliation.objects.filter(user__email__iexact=email, organisation=organisation).exists():
        raise WorkflowError(_("This person already belongs to your organisation."))
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
                "inviter": inviter,
                "token": invitation_token(invitation),
                "valid_days": INVITATION_MAX_AGE.days,
            },
            language=inviter.language,
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


# === Invitation links, profile, practice examples, public contact consent ====================
# (members/people.py uses these; they build on the workflows above.)

INVITATION_SALT = "members.invitation"
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


def _require_contact(user: User, organisation: Organisation) -> None:
    if not is_contact(user, organisation):
        raise PermissionDenied


def save_profile(profile: Profile, actor: User) -> Profile:
    """Store the profile a contact edited (the first save creates it)."""
    _require_contact(actor, profile.organisation)
    try:
        with transaction.atomic():
            profile.save()
    except IntegrityError:
        # Someone else created it in the same moment: this save changes theirs.
        profile.pk = Profile.objects.get(organisation=profile.organisation).pk
        profile._state.adding = False
        profile.save()
    return profile


def save_practice_example(
    organisation: Organisation, example: PracticeExample, actor: User
) -> PracticeExample:
    """Store a practice example of the organisation; a replaced image file is removed."""
    _require_contact(actor, organisation)
    with transaction.atomic():
        profile, _created = Profile.objects.get_or_create(organisation=organisation)
        if example.pk is None:
            example.profile = profile
        elif example.profile_id != profile.pk:
            raise PermissionDenied
        old_name = (
            PracticeExample.objects.filter(pk=example.pk).values_list("image", flat=True).first()
            if example.pk
            else None
        )
        example.save()
        if old_name and old_name != example.image.name:
            _delete_file_on_commit(example.image.storage, old_name)
    return example


def delete_practice_example(example: PracticeExample, actor: User) -> None:
    _require_contact(actor, example.profile.organisation)
    with transaction.atomic():
        if example.image:
            _delete_file_on_commit(example.image.storage, example.image.name)
        example.delete()


def _delete_file_on_commit(storage, name: str) -> None:
    transaction.on_commit(lambda: storage.delete(name))


def set_public_contact(
    affiliation: Affiliation, actor: User, *, consent: bool, office: str | None = None
) -> Affiliation:
    """A person agrees (or no longer agrees) to be shown as contact on the public profile.

    Only the person themselves decides; the date of the consent is kept while it lasts. Each
    consent given or withdrawn, and each change of the published data while it lasts, adds a
    ConsentRecord with the data concerned: the evidence of who agreed to what, and when.
    """
    if affiliation.user_id != actor.pk:
        raise PermissionDenied
    with transaction.atomic():
        affiliation = Affiliation.objects.select_for_update().get(pk=affiliation.pk)
        was_public = affiliation.public_contact_since is not None
        published_before = published_contact(affiliation, actor)
        if consent and affiliation.public_contact_since is None:
            affiliation.public_contact_since = timezone.now()
        elif not consent:
            affiliation.public_contact_since = None
        if office is not None:
            affiliation.office = office.strip()
        affiliation.save(update_fields=["public_contact_since", "office"])
        published_now = published_contact(affiliation, actor)
        if consent != was_public or (consent and published_now != published_before):
            ConsentRecord.objects.create(
                user=actor,
                organisation_id=affiliation.organisation_id,
                kind=ConsentRecord.Kind.PUBLIC_CONTACT,
                given=consent,
                # Withdrawn: the data that is no longer shown.
                details=published_now if consent else published_before,
            )
    return affiliation


def published_contact(affiliation: Affiliation, user: User) -> dict[str, str]:
    """What the public profile shows of a contact who agreed to be shown."""
    return {"name": user.full_name, "office": affiliation.office, "email": user.email}
