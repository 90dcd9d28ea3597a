"""The application of the user's own municipality: start, fill in, submit, answer, withdraw."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from members.applications import services
from members.applications.forms import (
    AnswerForm,
    ApplicationForm,
    AuthorityChoiceForm,
    AuthoritySearchForm,
    EvidenceForm,
    WithdrawForm,
    with_portal_state,
)
from members.applications.models import (
    Application,
    ApplicationAttachment,
    ApplicationTransition,
    Criterion,
)
from members.errors import WorkflowError
from members.people.models import Affiliation, Organisation
from members.people.services import request_invitation
from members.reference.models import Authority
from portal.downloads import file_response
from portal.http import HtmxHttpRequest, logged_in_user

Status = Application.Status


def _get_application_for_user(request: HttpRequest, pk: int) -> Application:
    """The application, if the user belongs to its organisation or is staff; else 404."""
    application = get_object_or_404(
        Application.objects.select_related("organisation__authority"), pk=pk
    )
    if request.user.is_staff:
        return application
    belongs = Affiliation.objects.filter(
        user=logged_in_user(request), organisation=application.organisation
    ).exists()
    if not belongs:
        raise Http404
    return application


def _application_for_contact(request: HttpRequest, pk: int) -> Application:
    """The application, if the user is a contact person of its organisation; else 404 or 403."""
    application = _get_application_for_user(request, pk)
    if not services.is_contact(logged_in_user(request), application.organisation):
        raise PermissionDenied
    return application


def _step_taken(
    request: HttpRequest, application: Application, form: Form, step: tuple[str, str], done: str
) -> HttpResponse | None:
    """Once the form is sent and valid, the applicant's step (to status, field of the note) and
    back to the application; else None, and the view shows the form."""
    if request.method != "POST" or not form.is_valid():
        return None
    to_status, note_field = step
    note = form.cleaned_data[note_field]
    services.applicant_step(application, logged_in_user(request), to_status, note)
    messages.success(request, done)
    return redirect("members:application_detail", application.pk)


def _prefill_from_self_check(application: Application, answers: dict[str, str]) -> None:
    """Carry the self-check's answers into the new draft, so nothing is asked twice."""
    card = answers.get("ehrenamtskarte")
    if card in Application.EhrenamtskarteStatus.values:
        application.ehrenamtskarte_status = card
    application.willing_to_sign = answers.get("declaration") == "yes"
    application.commits_to_participate = answers.get("participation") == "yes"
    application.save(
        update_fields=["ehrenamtskarte_status", "willing_to_sign", "commits_to_participate"]
    )


@login_required
@require_http_methods(["GET", "POST"])
def application_start(request: HtmxHttpRequest) -> HttpResponse:
    user = logged_in_user(request)
    mine = services.affiliation_of(user)
    if mine:
        current = mine.organisation.applications.filter(
            status__in=Application.OPEN_STATUSES
        ).first()
        if current:
            return redirect("members:application_detail", current.pk)
    search = AuthoritySearchForm(request.GET or None)
    choice = AuthorityChoiceForm(request.POST or None)
    in_portal = None
    if request.method == "POST" and choice.is_valid():
        try:
            application = services.start_application(user, choice.cleaned_data["authority"])
        except services.WorkflowError as error:
            if error.code == "in_portal":
                in_portal = choice.cleaned_data["authority"]
            else:
                choice.add_error("authority", error.message)
        else:
            if answers := request.session.pop("self_check", None):
                _prefill_from_self_check(application, answers)
            messages.success(request, _("Your application has been started as a draft."))
            return redirect("members:application_edit", application.pk)
    results = list(search.results())
    posted = request.POST.get("authority", "")
    if not results and request.method == "POST" and "\x00" not in posted:
        # Keep the choice the user made visible next to its error message.
        results = list(with_portal_state(Authority.objects.filter(ags=posted))[:1])
    if mine and not results:
        results = list(
            with_portal_state(Authority.objects.filter(pk=mine.organisation.authority_id))
        )
    template = "members/application_start.html"
    if request.htmx and request.method == "GET":
        template += "#results"
    return render(
        request,
        template,
        {
            "search": search,
            "choice": choice,
            "results": results,
            "affiliation": mine,
            "in_portal": in_portal,
        },
    )


@login_required
@require_POST
def invitation_request(request: HttpRequest) -> HttpResponse:
    """Ask the people of a municipality already in the portal to invite the user."""
    choice = AuthorityChoiceForm(request.POST)
    organisation = (
        Organisation.objects.filter(authority=choice.cleaned_data["authority"]).first()
        if choice.is_valid()
        else None
    )
    if organisation is None:
        messages.error(request, _("Please choose your municipality from the list."))
        return redirect("members:application_start")
    try:
        request_invitation(logged_in_user(request), organisation)
    except WorkflowError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("members:application_start")
    messages.success(
        request,
        _(
            "We have asked the people of %(organisation)s to invite you. The invitation will "
            "come by e-mail to %(email)s."
        )
        % {"organisation": organisation, "email": logged_in_user(request).email},
    )
    return redirect("dashboard")


def _evidence(
    application: Application,
    upload: EvidenceForm | None = None,
    form: ApplicationForm | None = None,
) -> dict[str, Any]:
    """The documents of each criterion (with its answers and upload field when editing), and
    the general ones: what the page shows criterion by criterion."""
    documents: dict[str, list[ApplicationAttachment]] = defaultdict(list)
    for attachment in application.attachments.all():
        documents[attachment.criterion].append(attachment)
    sections = [
        {
            "criterion": criterion,
            "documents": documents[criterion.value],
            "upload": upload.field_for(criterion.value) if upload else None,
            "fields": form.fields_of(criterion.value) if form else [],
        }
        for criterion in Criterion
    ]
    return {"sections": sections, "general_documents": documents[""]}


def _open_question(application: Application) -> ApplicationTransition | None:
    if application.status != Status.QUERY:
        return None
    return application.transitions.filter(to_status=Status.QUERY).last()


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = _get_application_for_user(request, pk)
    can_act = services.is_contact(logged_in_user(request), application.organisation)
    return render(
        request,
        "members/application_detail.html",
        {
            "application": application,
            "transitions": application.transitions.select_related("actor"),
            "can_act": can_act,
            "unmet": services.unmet_criteria(application),
            "question": _open_question(application),
            "answer_form": AnswerForm() if can_act else None,
            **_evidence(application),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def application_edit(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application_for_contact(request, pk)
    if not application.is_editable:
        messages.info(request, _("The application cannot be changed in its current status."))
        return redirect("members:application_detail", application.pk)
    existing = Counter(application.attachments.values_list("criterion", flat=True))
    form = ApplicationForm(request.POST or None, instance=application)
    upload = EvidenceForm(request.POST or None, request.FILES or None, existing=existing)
    if request.method == "POST" and form.is_valid() and upload.is_valid():
        user = logged_in_user(request)
        with transaction.atomic():
            application = form.save()
            for criterion, file, content_type in upload.documents():
                services.attach_document(application, user, file, content_type, criterion)
        if request.POST.get("action") != "submit":
            messages.success(request, _("Your draft has been saved."))
            return redirect("members:application_edit", application.pk)
        problems = services.unmet_criteria(application)
        if not problems:
            try:
                services.applicant_step(application, user, Status.SUBMITTED)
            except services.WorkflowError as error:
                messages.error(request, error.message)
                return redirect("members:application_edit", application.pk)
            messages.success(request, _("Thank you. Your application has been submitted."))
            return redirect("members:application_detail", application.pk)
        for field, problem in problems.items():
            form.add_error(field, problem)
        messages.error(
            request,
            _("Your draft has been saved, but it does not meet all five criteria yet."),
        )
    return render(
        request,
        "members/application_edit.html",
        {
            "application": application,
            "form": form,
            "upload": upload,
            "question": _open_question(application),
            **_evidence(application, upload, form),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def application_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """The answer to the team's question, with a document if need be. The form is also at the
    top of the application's page; this page shows it again with the problems."""
    application = _application_for_contact(request, pk)
    if application.status != Status.QUERY:
        return redirect("members:application_detail", application.pk)
    form = AnswerForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        user = logged_in_user(request)
        try:
            with transaction.atomic():
                if file := form.cleaned_data.get("file"):
                    services.attach_document(application, user, file, form.content_type)
                services.applicant_step(
                    application, user, Status.IN_REVIEW, form.cleaned_data["answer"]
                )
        except services.WorkflowError as error:
            form.add_error("answer", error)
        else:
            messages.success(request, _("Your answer has been sent to the network team."))
            return redirect("members:application_detail", application.pk)
    return render(
        request,
        "members/application_answer.html",
        {"application": application, "form": form, "question": _open_question(application)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def application_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application_for_contact(request, pk)
    if not application.is_open:
        return redirect("members:application_detail", application.pk)
    form = WithdrawForm(request.POST or None)
    done = _("The application has been withdrawn.")
    if taken := _step_taken(request, application, form, (Status.WITHDRAWN, "reason"), done):
        return taken
    return render(
        request, "members/application_withdraw.html", {"application": application, "form": form}
    )


@login_required
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    application = _get_application_for_user(request, pk)
    attachment = get_object_or_404(application.attachments, pk=attachment_pk)
    return file_response(attachment.file, attachment.original_name)


@login_required
@require_POST
def attachment_delete(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    application = _application_for_contact(request, pk)
    if not application.is_editable:
        raise PermissionDenied
    attachment = get_object_or_404(application.attachments, pk=attachment_pk)
    attachment.file.delete(save=False)
    attachment.delete()
    messages.success(request, _("The attachment has been removed."))
    return redirect("members:application_edit", application.pk)
