"""Applications and memberships in Django admin: staff read applications, take the review steps,
manage memberships and export lists. Every status change goes through
members.applications.services; admin never writes a status field itself."""

from __future__ import annotations

from operator import attrgetter, methodcaller
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets, quote
from django.db.models import QuerySet
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from django.urls import URLPattern, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from members.applications.admin_forms import EndMembershipForm, MembershipForm, StepNoteForm
from members.applications.models import (
    Application,
    ApplicationAttachment,
    ApplicationTransition,
    Membership,
)
from members.applications.services import STAFF_STEPS, end_membership, staff_step
from members.errors import WorkflowError
from members.people.admin import ParentPermissionInline
from members.reference.admin import (
    AuthorityColumnsMixin,
    OrganisationRecordResource,
    RegionFilter,
    organisation_csv,
)
from portal.admin_tools.lists import QuickChangelistMixin
from portal.admin_tools.pages import (
    NO_SAVE_BUTTONS,
    ChangeFormContextMixin,
    FormStep,
    ReadOnlyAdminMixin,
    admin_object,
    admin_page,
    apply_each,
    filled_or_empty_filter,
    object_url,
    own_urls,
)
from portal.admin_tools.widgets import SafeAutocompleteMixin
from portal.downloads import file_response
from portal.http import logged_in_user
from portal.spreadsheets import column

Status = Application.Status

# --- Applications -----------------------------------------------------------------------------


class ApplicationResource(OrganisationRecordResource):
    status = column(_("Status"), methodcaller("get_status_display"))
    created = column(_("Created"), attrgetter("created_at"))
    submitted = column(_("Submitted"), attrgetter("submitted_at"))
    decided = column(_("Decided"), attrgetter("decided_at"))
    contact = column(_("Contact person"), attrgetter("contact_name"))
    office = column(_("Office or department"), attrgetter("contact_office"))
    email = column(_("E-mail"), attrgetter("contact_email"))
    card = column(_("Ehrenamtskarte NRW"), methodcaller("get_ehrenamtskarte_status_display"))


class MembershipResource(OrganisationRecordResource):
    since = column(_("Member since"), attrgetter("since"))
    until = column(_("Member until"), attrgetter("until"))
    reason = column(_("Reason for leaving"), attrgetter("exit_reason"))


STEP_ORDER = (Status.IN_REVIEW, Status.QUERY, Status.APPROVED, Status.REJECTED)
STEP_LABELS: dict[str, Any] = {
    Status.IN_REVIEW: _("Start review"),
    Status.QUERY: _("Ask the applicant a question"),
    Status.APPROVED: _("Approve"),
    Status.REJECTED: _("Reject"),
}
STEP_TITLES: dict[str, Any] = {
    Status.IN_REVIEW: _("Start the review of the selected applications"),
    Status.QUERY: _("Ask the applicants of the selected applications a question"),
    Status.APPROVED: _("Approve the selected applications"),
    Status.REJECTED: _("Reject the selected applications"),
}
STEP_ACTIONS: dict[str, str] = {
    Status.IN_REVIEW: "start_review",
    Status.QUERY: "ask_question",
    Status.APPROVED: "approve",
    Status.REJECTED: "reject",
}


def steps_from(status: str) -> list[tuple[str, Any]]:
    """The review steps staff may take from this status, in the order of the review."""
    return [(step, STEP_LABELS[step]) for step in STEP_ORDER if status in STAFF_STEPS[step]]


def step_done_message(to_status: str, count: int) -> str:
    if to_status == Status.IN_REVIEW:
        text = ngettext(
            "The review of %(count)d application has started.",
            "The review of %(count)d applications has started.",
            count,
        )
    elif to_status == Status.QUERY:
        text = ngettext(
            "The question about %(count)d application has been sent.",
            "The question about %(count)d applications has been sent.",
            count,
        )
    elif to_status == Status.APPROVED:
        text = ngettext(
            "%(count)d application has been approved.",
            "%(count)d applications have been approved.",
            count,
        )
    else:
        text = ngettext(
            "%(count)d application has been rejected.",
            "%(count)d applications have been rejected.",
            count,
        )
    return text % {"count": count}


class AttachmentInline(ParentPermissionInline):
    model = ApplicationAttachment
    # Sorted by criterion (the model's order); an empty criterion is general evidence.
    fields = ("criterion_display", "download", "size_display", "uploaded_by", "uploaded_at")
    readonly_fields = fields
    related = ("uploaded_by",)

    @admin.display(description=_("file"))
    def download(self, obj: ApplicationAttachment) -> str:
        url = reverse(
            "admin:members_application_attachment", args=[quote(obj.application_id), obj.pk]
        )
        return format_html('<a href="{}">{}</a>', url, obj.original_name)

    @admin.display(description=_("criterion"))
    def criterion_display(self, obj: ApplicationAttachment) -> str:
        return obj.get_criterion_display() or gettext("general")

    @admin.display(description=_("size"))
    def size_display(self, obj: ApplicationAttachment) -> str:
        return filesizeformat(obj.size)


class TransitionInline(ParentPermissionInline):
    model = ApplicationTransition
    fields = ("from_status", "to_status", "actor", "created_at", "note")
    readonly_fields = fields
    related = ("actor",)


@admin.register(Application)
class ApplicationAdmin(
    ReadOnlyAdminMixin,
    ChangeFormContextMixin,
    QuickChangelistMixin,
    AuthorityColumnsMixin,
    admin.ModelAdmin,
):
    list_display = (
        "organisation_name",
        "ags",
        "kind",
        "region",
        "status",
        "submitted_date",
        "contact_name",
    )
    list_filter = (
        "status",
        RegionFilter,
        ("organisation__authority__kind", admin.ChoicesFieldListFilter),
        ("submitted_at", admin.DateFieldListFilter),
    )
    search_fields = (
        "organisation__authority__name",
        "organisation__authority__ags",
        "contact_name",
        "contact_email",
        "created_by__email",
    )
    list_select_related = ("organisation__authority__regierungsbezirk",)
    actions = ("start_review", "ask_question", "approve", "reject", "export_csv")
    inlines = (AttachmentInline, TransitionInline)
    fieldsets = (
        (
            _("Application"),
            {
                "fields": (
                    "organisation",
                    "ags",
                    "kind",
                    "region",
                    "status",
                    "created_by",
                    "created_at",
                    "submitted_at",
                    "decided_at",
                )
            },
        ),
        (
            _("1. Contact person for civic engagement"),
            {"fields": ("contact_name", "contact_office", "contact_email")},
        ),
        (
            _("2. Engagement promotion as a cross-cutting task"),
            {"fields": ("cross_cutting_task",)},
        ),
        (
            _("3. Gemeinsame Erklärung"),
            {"fields": ("willing_to_sign", "signatory_name", "signatory_office")},
        ),
        (
            _("4. Ehrenamtskarte NRW or a comparable instrument"),
            {
                "fields": (
                    "ehrenamtskarte_status",
                    "ehrenamtskarte_since",
                    "ehrenamtskarte_planned_for",
                    "comparable_instrument",
                )
            },
        ),
        (
            _("5. Continuous participation in the network"),
            {"fields": ("commits_to_participate", "representative_name", "representative_office")},
        ),
    )

    # Staff never edit an applicant's evidence, and the status only changes through a step.
    still_allowed = ("change", "delete")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return flatten_fieldsets(self.fieldsets)

    @admin.display(description=_("submitted"), ordering="submitted_at")
    def submitted_date(self, obj: Application) -> Any:
        return timezone.localtime(obj.submitted_at).date() if obj.submitted_at else None

    # --- Change page: the review steps below the application, no save buttons -----------

    def change_form_context(self, request: HttpRequest, obj: Application | None) -> dict[str, Any]:
        context: dict[str, Any] = dict(NO_SAVE_BUTTONS)
        if obj is not None and self.has_change_permission(request, obj):
            context.update(review_steps=steps_from(obj.status), review_possible=True)
        return context

    def get_urls(self) -> list[URLPattern]:
        own = own_urls(
            self,
            [
                ("<path:object_id>/step/", "step", self.step_view),
                (
                    "<path:object_id>/attachment/<int:attachment_id>/",
                    "attachment",
                    self.attachment_view,
                ),
            ],
        )
        return own + super().get_urls()

    def step_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """One review step from the change page; any problem is shown there as a message."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        application = admin_object(self, request, object_id, change=True)
        to_status = request.POST.get("to_status", "")
        if to_status not in STEP_LABELS:
            self.message_user(request, gettext("Please choose a step."), messages.ERROR)
            return HttpResponseRedirect(object_url(self, "change", application))
        # The form's check, as on the bulk action's page: it also refuses what the database
        # could not store (a NUL character).
        form = StepNoteForm(request.POST, to_status=to_status)
        if not form.is_valid():
            problems = " ".join(str(problem) for problem in form.errors["note"])
            self.message_user(request, problems, messages.ERROR)
            return HttpResponseRedirect(object_url(self, "change", application))
        try:
            staff_step(application, logged_in_user(request), to_status, form.cleaned_data["note"])
        except WorkflowError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            self.message_user(request, step_done_message(to_status, 1), messages.SUCCESS)
        return HttpResponseRedirect(object_url(self, "change", application))

    def attachment_view(
        self, request: HttpRequest, object_id: str, attachment_id: int
    ) -> FileResponse:
        """Staff download an attachment; the files are not served from a public URL."""
        application = admin_object(self, request, object_id)
        attachment = get_object_or_404(application.attachments, pk=attachment_id)
        return file_response(attachment.file, attachment.original_name)

    # --- Actions on the list -------------------------------------------------------------

    def _step_action(
        self, request: HttpRequest, queryset: QuerySet[Application], to_status: str
    ) -> HttpResponse | None:
        """Ask for the note on an intermediate page, then take the step for each application."""
        confirmed = "apply" in request.POST
        form = StepNoteForm(request.POST if confirmed else None, to_status=to_status)
        if confirmed and form.is_valid():
            note = form.cleaned_data["note"]
            apply_each(
                self,
                request,
                queryset,
                lambda application: staff_step(
                    application, logged_in_user(request), to_status, note
                ),
                lambda done: step_done_message(to_status, done),
            )
            return None
        return admin_page(
            self,
            request,
            "admin/members/application/step_confirmation.html",
            STEP_TITLES[to_status],
            action=STEP_ACTIONS[to_status],
            items=[(a, a.status in STAFF_STEPS[to_status]) for a in queryset],
            queryset=queryset,
            form=form,
            submit_label=STEP_LABELS[to_status],
        )

    @admin.action(description=_("Start review"), permissions=["change"])
    def start_review(
        self, request: HttpRequest, queryset: QuerySet[Application]
    ) -> HttpResponse | None:
        return self._step_action(request, queryset, Status.IN_REVIEW)

    @admin.action(description=_("Ask the applicant a question"), permissions=["change"])
    def ask_question(
        self, request: HttpRequest, queryset: QuerySet[Application]
    ) -> HttpResponse | None:
        return self._step_action(request, queryset, Status.QUERY)

    @admin.action(description=_("Approve"), permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet[Application]) -> HttpResponse | None:
        return self._step_action(request, queryset, Status.APPROVED)

    @admin.action(description=_("Reject"), permissions=["change"])
    def reject(self, request: HttpRequest, queryset: QuerySet[Application]) -> HttpResponse | None:
        return self._step_action(request, queryset, Status.REJECTED)

    @admin.action(description=_("Export as CSV (Excel)"), permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet[Application]) -> HttpResponse:
        return organisation_csv(self, queryset, ApplicationResource())


# --- Memberships ------------------------------------------------------------------------------


# A membership without an end date is current.
CurrentMembershipFilter = filled_or_empty_filter(
    "until",
    _("membership"),
    "membership",
    filled=("ended", _("ended")),
    empty=("current", _("current")),
    empty_first=True,
)


def _end(model_admin: Any, request: HttpRequest, membership: Membership, form: Any) -> None:
    """End one membership; raises WorkflowError with the message for staff."""
    if not membership.is_current:
        raise WorkflowError(
            gettext("The membership of %(organisation)s has already ended.")
            % {"organisation": membership.organisation}
        )
    end_membership(
        membership.organisation,
        logged_in_user(request),
        form.cleaned_data["until"],
        form.cleaned_data["reason"],
    )


END_MEMBERSHIP = FormStep(
    template="admin/members/membership/end_membership.html",
    title=_("End membership"),
    form_class=EndMembershipForm,
    objects_name="memberships",
    run=_end,
    done_one=lambda membership: (
        gettext("The membership of %(organisation)s has ended.")
        % {"organisation": membership.organisation}
    ),
    done_many=lambda count: (
        ngettext("%(count)d membership has ended.", "%(count)d memberships have ended.", count)
        % {"count": count}
    ),
)


@admin.register(Membership)
class MembershipAdmin(
    ChangeFormContextMixin, SafeAutocompleteMixin, AuthorityColumnsMixin, admin.ModelAdmin
):
    form = MembershipForm
    list_display = (
        "organisation_name",
        "ags",
        "kind",
        "region",
        "since",
        "until",
        "short_exit_reason",
    )
    list_filter = (CurrentMembershipFilter, RegionFilter)
    search_fields = ("organisation__authority__name", "organisation__authority__ags")
    list_select_related = ("organisation__authority__regierungsbezirk",)
    autocomplete_fields = ("organisation",)
    fields = ("organisation", "application", "since", "until", "exit_reason")
    actions = (
        END_MEMBERSHIP.as_action("end_memberships", _("End the selected memberships")),
        "export_csv",
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # A membership ends only through "End membership", so that the reason is recorded.
        ending = ("application", "until", "exit_reason")
        return ("organisation", *ending) if obj else ending

    @admin.display(description=_("reason for leaving"))
    def short_exit_reason(self, obj: Membership) -> str:
        return Truncator(obj.exit_reason).chars(80)

    def change_form_context(self, request: HttpRequest, obj: Membership | None) -> dict[str, Any]:
        may_end = obj is not None and obj.is_current and self.has_change_permission(request, obj)
        return {"can_end_membership": may_end}

    def get_urls(self) -> list[URLPattern]:
        own = own_urls(self, [("<path:object_id>/end/", "end", END_MEMBERSHIP.view_for(self))])
        return own + super().get_urls()

    @admin.action(description=_("Export as CSV (Excel)"), permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet[Membership]) -> HttpResponse:
        return organisation_csv(self, queryset, MembershipResource())
