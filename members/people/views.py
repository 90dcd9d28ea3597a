"""The municipality's people: who belongs to it, invitations, removing and leaving.

Everything here belongs to the organisation of the logged-in user: objects are looked up
within that organisation (404 otherwise), and only contact persons and the head of
administration change anything but their own entry (403 otherwise). The workflows are in
members.people.services.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from members.errors import WorkflowError
from members.people import services
from members.people.access import is_speaker, require_speaker, with_affiliation
from members.people.forms import InviteForm
from members.people.models import Affiliation, Invitation
from portal.http import logged_in_user


def _colleague_affiliation(mine: Affiliation, pk: int) -> Affiliation:
    """A person of the user's own organisation: 404 for anyone else's."""
    return get_object_or_404(
        Affiliation.objects.select_related("user", "organisation__authority"),
        pk=pk,
        organisation_id=mine.organisation_id,
    )


def _errors(error: WorkflowError) -> str:
    return " ".join(error.messages)


# --- People and invitations -------------------------------------------------------------------


def _render_people(
    request: HttpRequest, mine: Affiliation, invite_form: InviteForm | None
) -> HttpResponse:
    organisation = mine.organisation
    persons = (
        organisation.affiliations.select_related("user")
        .annotate(
            role_order=Case(
                When(role=Affiliation.Role.HEAD, then=Value(0)),
                When(role=Affiliation.Role.CONTACT, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("role_order", "user__full_name", "user__email")
    )
    invitations = organisation.invitations.filter(accepted_at__isnull=True).select_related(
        "invited_by"
    )
    return render(
        request,
        "members/people.html",
        {
            "mine": mine,
            "organisation": organisation,
            "persons": persons,
            "invitations": invitations,
            "expired_before": timezone.now() - services.INVITATION_MAX_AGE,
            "can_manage": is_speaker(mine),
            "invite_form": invite_form,
        },
    )


@require_GET
@with_affiliation
def people(request: HttpRequest, mine: Affiliation) -> HttpResponse:
    if not is_speaker(mine):
        return _render_people(request, mine, None)
    # The link in a request for an invitation fills in the address; a bad one is left out.
    suggested = InviteForm({"email": request.GET.get("email", ""), "role": "colleague"})
    email = suggested.cleaned_data["email"] if suggested.is_valid() else ""
    return _render_people(request, mine, InviteForm(initial={"email": email}))


@require_POST
@with_affiliation
def invite(request: HttpRequest, mine: Affiliation) -> HttpResponse:
    require_speaker(mine)
    form = InviteForm(request.POST)
    if form.is_valid():
        email = form.cleaned_data["email"]
        try:
            services.invite(
                mine.organisation, logged_in_user(request), email, form.cleaned_data["role"]
            )
        except WorkflowError as error:
            form.add_error("email", error)
        else:
            messages.success(
                request,
                _("The invitation has been sent to %(email)s. It is valid for %(days)s days.")
                % {"email": email, "days": services.INVITATION_MAX_AGE.days},
            )
            return redirect("members:people")
    return _render_people(request, mine, form)


@require_http_methods(["GET", "POST"])
@with_affiliation
def remove(request: HttpRequest, mine: Affiliation, pk: int) -> HttpResponse:
    """A contact person removes someone; everyone may leave. GET asks first."""
    affiliation = _colleague_affiliation(mine, pk)
    leaving = affiliation.pk == mine.pk
    if not leaving:
        require_speaker(mine)
    if request.method == "POST":
        try:
            services.remove_person(affiliation, logged_in_user(request))
        except WorkflowError as error:
            messages.error(request, _errors(error))
            return redirect("members:people")
        if leaving:
            messages.success(
                request,
                _("You no longer belong to %(organisation)s in the portal.")
                % {"organisation": mine.organisation},
            )
            return redirect("dashboard")
        messages.success(
            request,
            _("%(name)s no longer belongs to %(organisation)s in the portal.")
            % {"name": affiliation.user.get_full_name(), "organisation": mine.organisation},
        )
        return redirect("members:people")
    if leaving:
        title = _("Leave %(organisation)s") % {"organisation": mine.organisation}
        question = _(
            "Do you want to leave %(organisation)s in the portal? You will no longer see its "
            "people, profile and applications. A contact person can invite you again."
        ) % {"organisation": mine.organisation}
        button = _("Leave")
    else:
        title = _("Remove %(name)s") % {"name": affiliation.user.get_full_name()}
        question = _(
            "Do you want to remove %(name)s (%(email)s) from %(organisation)s? The account "
            "stays; the person no longer sees the pages of your municipality."
        ) % {
            "name": affiliation.user.get_full_name(),
            "email": affiliation.user.email,
            "organisation": mine.organisation,
        }
        button = _("Remove")
    return render(
        request,
        "members/confirm_delete.html",
        {
            "title": title,
            "question": question,
            "button": button,
            "action": reverse("members:remove_person", args=[affiliation.pk]),
            "cancel": reverse("members:people"),
        },
    )


def _invitation_page(
    request: HttpRequest,
    invitation: Invitation | None,
    problem: WorkflowError | None = None,
) -> HttpResponse:
    return render(
        request,
        "members/invitation.html",
        {
            "invitation": invitation,
            "problem": _errors(problem) if problem else "",
            # allauth's sign-up fills in the address it is given.
            "signup_query": urlencode({"email": invitation.email}) if invitation else "",
        },
        status=400 if problem else 200,
    )


@require_http_methods(["GET", "POST"])
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = services.invitation_from_token(token)
    except WorkflowError as error:
        return _invitation_page(request, None, error)
    if not request.user.is_authenticated:
        if invitation.accepted_at:
            return _invitation_page(
                request, None, WorkflowError(_("This invitation has already been used."))
            )
        # Kept through signing up and confirming the address; accepted when the person logs
        # in (members.people.receivers), so the link need not be opened twice.
        request.session[services.PENDING_INVITATION] = token
        return _invitation_page(request, invitation)
    user = logged_in_user(request)
    mine = services.affiliation_of(user)
    if (
        invitation.accepted_by_id == user.pk
        and mine is not None
        and mine.organisation_id == invitation.organisation_id
    ):
        messages.info(request, _("You have already accepted this invitation."))
        return redirect("members:people")
    try:
        if request.method == "POST":
            affiliation = services.accept_invitation_token(token, user)
            messages.success(
                request,
                _("Welcome! You now belong to %(organisation)s as %(role)s.")
                % {
                    "organisation": affiliation.organisation,
                    "role": affiliation.get_role_display(),
                },
            )
            return redirect("dashboard")
        services.check_invitation(invitation, user)
    except WorkflowError as error:
        return _invitation_page(request, invitation, error)
    return _invitation_page(request, invitation)
