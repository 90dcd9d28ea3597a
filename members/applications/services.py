"""Workflows of membership: applying, reviewing, joining and leaving.

Each function runs in one transaction, records what happened and queues the e-mails through
the outbox; views and admin call these and never change the status fields themselves.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from members.applications.models import (
    Application,
    ApplicationAttachment,
    ApplicationTransition,
    Membership,
)
from members.errors import WorkflowError
from members.people.models import Affiliation, Organisation
from members.people.services import affiliation_for, affiliation_of, contacts_of, is_contact
from members.reference.models import Authority
from portal.downloads import download_name
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


def current_membership_for(request: HttpRequest) -> Membership | None:
    """The current membership of the requesting user's municipality, once per request."""

    def lookup() -> Membership | None:
        affiliation = affiliation_for(request)
        if affiliation is None:
            return None
        return affiliation.organisation.memberships.filter(until__isnull=True).first()

    return per_request(request, "members.current_membership", lookup)


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
        # Who works for a municipality is not shown to strangers: they may ask its people to
        # invite them (members.people.services.request_invitation), which names nobody.
        has_people = bool(contacts_of(organisation))
        if organisation.current_membership:
            message = _("%(organisation)s is already a member of the network.")
            if mine is None and not has_people:
                message += " " + _("Please write to the network team: %(team)s.")
            raise WorkflowError(
                message % {"organisation": organisation, "team": settings.PORTAL_TEAM_EMAIL},
                code="in_portal" if mine is None and has_people else "member",
            )
        if mine is None:
            if has_people:
                raise WorkflowError(
                    _("%(organisation)s is already registered in the portal.")
                    % {"organisation": organisation},
                    code="in_portal",
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
    if not application.signatory_name.strip():
        problems["signatory_name"] = _("Please name the person who will sign the declaration.")
    if not application.signatory_office.strip():
        problems["signatory_office"] = _(
            "Please give the office of the person who will sign, e.g. Bürgermeisterin."
        )
    status = application.ehrenamtskarte_status
    if not status:
        problems["ehrenamtskarte_status"] = _(
            "Please say whether you take part in the Ehrenamtskarte NRW, plan it, or have a "
            "comparable instrument."
        )
    elif status == Application.EhrenamtskarteStatus.PARTICIPATING and (
        not application.ehrenamtskarte_since
    ):
        problems["ehrenamtskarte_since"] = _(
            "Please give the year since when you take part in the Ehrenamtskarte NRW."
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
    if not application.representative_name.strip():
        problems["representative_name"] = _(
            "Please name the person who will represent your municipality at the meetings."
        )
    if not application.representative_office.strip():
        problems["representative_office"] = _(
            "Please give the office or department of the person who represents you."
        )
    return problems


ORIGINAL_NAME_LENGTH = ApplicationAttachment._meta.get_field("original_name").max_length or 200


def attach_document(
    application: Application, user: User, upload: Any, content_type: str, criterion: str = ""
) -> ApplicationAttachment:
    """Keep a checked document as evidence for one criterion ("" for general evidence)."""
    return ApplicationAttachment.objects.create(
        application=application,
        criterion=criterion,
        file=upload,
        # The end of a long name, so that the extension of the real type stays.
        original_name=download_name(upload.name, content_type)[-ORIGINAL_NAME_LENGTH:],
        size=upload.size,
        content_type=content_type,
        uploaded_by=user,
    )


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
