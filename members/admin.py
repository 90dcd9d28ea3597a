"""The network team's side of membership in Django admin.

Staff read applications, take the review steps, manage memberships, organisations, people,
invitations and profiles and export lists. Every status change goes through
members.applications.services; admin never writes a status field itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets, quote
from django.db import models
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from django.urls import URLPattern, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from members.applications.services import STAFF_STEPS, end_membership, staff_step
from members.errors import WorkflowError
from members.models import (
    Affiliation,
    Application,
    ApplicationAttachment,
    ApplicationTransition,
    Authority,
    ConsentRecord,
    Invitation,
    Membership,
    Organisation,
    PracticeExample,
    Profile,
)
from members.surveys import admin as survey_admin  # noqa: F401 - registers the surveys' admin
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
from portal.models import User
from portal.spreadsheets import csv_response

Status = Application.Status

# The five Regierungsbezirke of NRW; their names are proper names and stay as they are.
REGION_NAMES = ("Arnsberg", "Detmold", "Düsseldorf", "Köln", "Münster")


def region_of(authority: Authority) -> str:
    """The Regierungsbezirk an authority lies in; a Bezirksregierung is its own region."""
    if authority.kind == Authority.Kind.REGION:
        return authority.name
    return authority.regierungsbezirk.name if authority.regierungsbezirk else ""


def authority_headers(name: str) -> list[str]:
    """The first columns of an export of municipalities' records: `name`, AGS, type, region."""
    return [name, gettext("AGS"), gettext("Type"), gettext("Government region")]


def authority_cells(authority: Authority) -> list[object]:
    """The cells under authority_headers."""
    return [authority.name, authority.ags, authority.get_kind_display(), region_of(authority)]


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # admin views are only open to logged-in staff


def _today() -> str:
    return timezone.localdate().isoformat()


class RegionFilter(admin.SimpleListFilter):
    """Filter by Regierungsbezirk; authority_path leads from the listed model to its authority."""

    title = _("government region")
    parameter_name = "region"
    authority_path = "organisation__authority"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(name, name) for name in REGION_NAMES]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        name = self.value()
        if name not in REGION_NAMES:
            return queryset
        authority = self.authority_path
        in_region = Q(**{f"{authority}__regierungsbezirk__name": name})
        is_region = Q(**{f"{authority}__kind": Authority.Kind.REGION, f"{authority}__name": name})
        return queryset.filter(in_region | is_region)


class OrganisationRegionFilter(RegionFilter):
    authority_path = "authority"


class AuthorityColumnsMixin:
    """List columns for a model that reaches its authority through `organisation`."""

    @admin.display(description=_("organisation"), ordering="organisation__authority__name")
    def organisation_name(self, obj: Any) -> str:
        return obj.organisation.authority.name

    @admin.display(description=_("AGS"), ordering="organisation__authority__ags")
    def ags(self, obj: Any) -> str:
        return obj.organisation.authority.ags

    @admin.display(description=_("type"), ordering="organisation__authority__kind")
    def kind(self, obj: Any) -> str:
        # The label straight from the enum: get_kind_display() rebuilds the choices each row.
        return str(Authority.Kind(obj.organisation.authority.kind).label)

    @admin.display(description=_("government region"))
    def region(self, obj: Any) -> str:
        return region_of(obj.organisation.authority)


class ParentPermissionInline(ReadOnlyAdminMixin, admin.TabularInline):
    """A read-only inline that whoever may see the parent object may see too."""

    extra = 0
    parent_app_model = ""

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        user = request.user
        return user.has_perm(f"members.view_{self.parent_app_model}") or user.has_perm(
            f"members.change_{self.parent_app_model}"
        )


# --- Reference data ---------------------------------------------------------------------------


@admin.register(Authority)
class AuthorityAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("name", "ags", "kind", "kreis", "regierungsbezirk", "population")
    list_filter = ("kind", "regierungsbezirk")
    search_fields = ("name", "ags")
    list_select_related = ("kreis", "regierungsbezirk")
    readonly_fields = (
        "ags",
        "name",
        "kind",
        "kreis",
        "regierungsbezirk",
        "population",
        "latitude",
        "longitude",
    )
    # The register is official reference data: it is loaded, never typed in.
    still_allowed = ("change",)


# --- Applications -----------------------------------------------------------------------------

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


class StepNoteForm(forms.Form):
    """The note of a review step: required to ask a question and (as the reason) to reject."""

    note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80, "class": "vLargeTextField"}),
    )

    def __init__(self, *args: Any, to_status: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["note"]
        if to_status == Status.REJECTED:
            field.required = True
            field.label = _("Reason for the rejection")
            field.error_messages["required"] = gettext("Please give the reason.")
            field.help_text = _(
                "The contact persons of the municipality receive the reason by e-mail and see "
                "it in the history of their application."
            )
        elif to_status == Status.QUERY:
            field.required = True
            field.label = _("Question to the applicant")
            field.error_messages["required"] = gettext("Please write your question.")
            field.help_text = _(
                "The contact persons of the municipality receive the question by e-mail and "
                "answer it in the portal."
            )
        else:
            field.label = _("Note (optional)")
            field.help_text = _("The municipality sees the note in the history of its application.")


class AttachmentInline(ParentPermissionInline):
    model = ApplicationAttachment
    parent_app_model = "application"
    fields = ("download", "size_display", "uploaded_by", "uploaded_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApplicationAttachment]:
        return super().get_queryset(request).select_related("uploaded_by")

    @admin.display(description=_("file"))
    def download(self, obj: ApplicationAttachment) -> str:
        url = reverse(
            "admin:members_application_attachment", args=[quote(obj.application_id), obj.pk]
        )
        return format_html('<a href="{}">{}</a>', url, obj.original_name)

    @admin.display(description=_("size"))
    def size_display(self, obj: ApplicationAttachment) -> str:
        return filesizeformat(obj.size)


class TransitionInline(ParentPermissionInline):
    model = ApplicationTransition
    parent_app_model = "application"
    fields = ("from_status", "to_status", "actor", "created_at", "note")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApplicationTransition]:
        return super().get_queryset(request).select_related("actor")


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
        (_("3. Gemeinsame Erklärung"), {"fields": ("willing_to_sign",)}),
        (
            _("4. Ehrenamtskarte NRW or a comparable instrument"),
            {
                "fields": (
                    "ehrenamtskarte_status",
                    "ehrenamtskarte_planned_for",
                    "comparable_instrument",
                )
            },
        ),
        (_("5. Continuous participation in the network"), {"fields": ("commits_to_participate",)}),
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
            staff_step(application, _user(request), to_status, form.cleaned_data["note"])
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
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        return FileResponse(handle, as_attachment=True, filename=attachment.original_name)

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
                lambda application: staff_step(application, _user(request), to_status, note),
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
        headers = [
            *authority_headers(gettext("Organisation")),
            gettext("Status"),
            gettext("Created"),
            gettext("Submitted"),
            gettext("Decided"),
            gettext("Contact person"),
            gettext("Office or department"),
            gettext("E-mail"),
            gettext("Ehrenamtskarte NRW"),
        ]
        applications = queryset.select_related("organisation__authority__regierungsbezirk")
        rows: Iterable[list[object]] = (
            [
                *authority_cells(a.organisation.authority),
                a.get_status_display(),
                a.created_at,
                a.submitted_at,
                a.decided_at,
                a.contact_name,
                a.contact_office,
                a.contact_email,
                a.get_ehrenamtskarte_status_display(),
            ]
            for a in applications
        )
        filename = f"{capfirst(self.opts.verbose_name_plural)}-{_today()}.csv"
        return csv_response(filename, headers, rows)


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


class MembershipForm(forms.ModelForm):
    """Adds a membership by hand (e.g. of a long-standing member) or corrects its start."""

    class Meta:
        model = Membership
        fields = ("organisation", "since")

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        organisation = cleaned.get("organisation")
        if (
            self.instance.pk is None
            and organisation is not None
            and Membership.objects.filter(organisation=organisation, until__isnull=True).exists()
        ):
            self.add_error(
                "organisation",
                gettext("%(organisation)s is already a member of the network.")
                % {"organisation": organisation},
            )
        since = cleaned.get("since")
        if since and self.instance.until and since > self.instance.until:
            self.add_error(
                "since", gettext("The exit date cannot be before the start of the membership.")
            )
        return cleaned


class EndMembershipForm(forms.Form):
    until = forms.DateField(
        label=_("member until"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The last day of the membership."),
    )
    reason = forms.CharField(
        label=_("reason for leaving"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80, "class": "vLargeTextField"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = gettext(
            "Please give the reason for leaving."
        )

    def clean_until(self) -> Any:
        until = self.cleaned_data["until"]
        if until > timezone.localdate():
            raise forms.ValidationError(gettext("The exit date cannot be in the future."))
        return until


def _end(model_admin: Any, request: HttpRequest, membership: Membership, form: Any) -> None:
    """End one membership; raises WorkflowError with the message for staff."""
    if not membership.is_current:
        raise WorkflowError(
            gettext("The membership of %(organisation)s has already ended.")
            % {"organisation": membership.organisation}
        )
    end_membership(
        membership.organisation,
        _user(request),
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
        headers = [
            *authority_headers(gettext("Organisation")),
            gettext("Member since"),
            gettext("Member until"),
            gettext("Reason for leaving"),
        ]
        memberships = queryset.select_related("organisation__authority__regierungsbezirk")
        rows = (
            [
                *authority_cells(m.organisation.authority),
                m.since,
                m.until,
                m.exit_reason,
            ]
            for m in memberships
        )
        filename = f"{capfirst(self.opts.verbose_name_plural)}-{_today()}.csv"
        return csv_response(filename, headers, rows)


# --- Organisations and people -----------------------------------------------------------------


# `member_since` is annotated by OrganisationAdmin.get_queryset.
MemberFilter = filled_or_empty_filter(
    "member_since",
    _("member of the network"),
    "member",
    filled=("yes", _("member")),
    empty=("no", _("not a member")),
)


class AffiliationInline(SafeAutocompleteMixin, admin.TabularInline):
    model = Affiliation
    extra = 0
    autocomplete_fields = ("user",)
    # Only the person decides to be shown publicly (members.directory.services.set_public_contact).
    readonly_fields = ("public_contact_since",)


class InvitationInline(ParentPermissionInline):
    model = Invitation
    parent_app_model = "organisation"
    fields = ("email", "role", "invited_by", "created_at", "accepted_at", "accepted_by")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Invitation]:
        return super().get_queryset(request).select_related("invited_by", "accepted_by")


@admin.register(Organisation)
class OrganisationAdmin(SafeAutocompleteMixin, admin.ModelAdmin):
    list_display = ("authority", "ags", "region", "membership", "created_at")
    list_filter = (MemberFilter, OrganisationRegionFilter)
    search_fields = ("authority__name", "authority__ags")
    autocomplete_fields = ("authority",)
    list_select_related = ("authority__regierungsbezirk",)
    fields = ("authority", "membership", "profile_link", "created_at")
    inlines = (AffiliationInline, InvitationInline)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organisation]:
        current = Membership.objects.filter(organisation=OuterRef("pk"), until__isnull=True)
        return (
            super()
            .get_queryset(request)
            .annotate(member_since=Subquery(current.values("since")[:1]))
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        shown = ("membership", "profile_link", "created_at")
        return ("authority", *shown) if obj else shown

    @admin.display(description=_("AGS"), ordering="authority__ags")
    def ags(self, obj: Organisation) -> str:
        return obj.authority.ags

    @admin.display(description=_("government region"))
    def region(self, obj: Organisation) -> str:
        return region_of(obj.authority)

    @admin.display(description=_("member since"), ordering="member_since")
    def membership(self, obj: Organisation) -> str:
        since = getattr(obj, "member_since", None)
        return date_format(since, "SHORT_DATE_FORMAT") if since else gettext("not a member")

    @admin.display(description=_("profile"))
    def profile_link(self, obj: Organisation) -> str:
        if obj.pk is None:
            return "–"
        profile = Profile.objects.filter(organisation=obj).only("pk").first()
        if profile is not None:
            url = reverse("admin:members_profile_change", args=[quote(profile.pk)])
            return format_html('<a href="{}">{}</a>', url, gettext("Edit the profile"))
        url = reverse("admin:members_profile_add")
        return format_html(
            '<a href="{}?organisation={}">{}</a>', url, obj.pk, gettext("Create a profile")
        )


@admin.register(Affiliation)
class AffiliationAdmin(SafeAutocompleteMixin, admin.ModelAdmin):
    list_display = (
        "user",
        "organisation",
        "role",
        "office",
        "created_at",
        "public_contact_since",
    )
    list_filter = ("role",)
    search_fields = ("user__email", "user__full_name", "organisation__authority__name")
    autocomplete_fields = ("user", "organisation")
    list_select_related = ("user", "organisation__authority")
    # Only the person decides to be shown publicly (members.directory.services.set_public_contact).
    readonly_fields = ("public_contact_since",)


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Invitations are sent by the municipalities' contacts; staff only look."""

    list_display = ("email", "organisation", "role", "invited_by", "created_at", "accepted_at")
    list_filter = ("role", ("accepted_at", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("email", "organisation__authority__name", "invited_by__email")
    list_select_related = ("organisation__authority", "invited_by")
    fields = ("organisation", "email", "role", "invited_by", "created_at", "accepted_at")
    readonly_fields = fields


# Addresses typed without a scheme are taken as https (Django 6's default).
HTTPS_URLS: dict[Any, dict[str, Any]] = {models.URLField: {"assume_scheme": "https"}}


class PracticeExampleInline(admin.StackedInline):
    model = PracticeExample
    formfield_overrides = HTTPS_URLS
    extra = 0
    fields = ("title", "text", "link", "image", "image_alt", "created_at")
    readonly_fields = ("created_at",)


@admin.register(Profile)
class ProfileAdmin(SafeAutocompleteMixin, admin.ModelAdmin):
    list_display = ("organisation", "ehrenamtskarte", "updated_at")
    list_filter = ("ehrenamtskarte",)
    search_fields = ("organisation__authority__name", "organisation__authority__ags")
    autocomplete_fields = ("organisation",)
    list_select_related = ("organisation__authority",)
    readonly_fields = ("updated_at",)
    inlines = (PracticeExampleInline,)
    formfield_overrides = HTTPS_URLS


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Evidence of consent: nobody adds, changes or deletes it here, not even a superuser."""

    list_display = ("created_at", "organisation", "person", "kind", "given")
    list_filter = ("kind", "given")
    search_fields = ("organisation__authority__name",)
    list_select_related = ("organisation__authority", "user")
    date_hierarchy = "created_at"
    fields = ("created_at", "organisation", "person", "kind", "given", "details")
    readonly_fields = fields

    @admin.display(description=_("person"), ordering="user__full_name")
    def person(self, record: ConsentRecord) -> str:
        # The record outlives the account: the organisation keeps the evidence.
        return str(record.user) if record.user else gettext("deleted account")
