"""Signatures of the Gemeinsame Erklärung in Django admin.

Staff look at the signatures that municipalities entered in the portal, supersede wrong ones
with a reason (declarations.services.supersede), see who has not yet signed the current version
and export lists and PDFs. Admin never edits nor deletes a signature. Stored files (signed PDFs,
scans) reach staff only through the views below, never through a media URL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets, quote
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Subquery
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import content_disposition_header
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from declarations import services
from declarations.admin_forms import ScanForm, SupersedeForm
from declarations.exports import NotYetSignedResource, SignatureResource
from declarations.models import DeclarationVersion, Signature
from declarations.services import DeclarationError, attach_scan, current_version, supersede
from members.models import Affiliation, Membership, Organisation
from members.reference.admin import (
    AuthorityColumnsMixin,
    RegionFilter,
    region_of,
)
from portal.admin_tools.pages import (
    NO_SAVE_BUTTONS,
    ChangeFormContextMixin,
    FormStep,
    OwnPagesMixin,
    ReadOnlyAdminMixin,
    admin_object,
    admin_page,
    download_link,
    filled_or_empty_filter,
    object_url,
    stored_file,
)
from portal.http import logged_in_user
from portal.spreadsheets import CSV, export_response

# Who speaks for a member and is asked to sign (as members.people.services.contacts_of).
CONTACT, HEAD = Affiliation.Role.CONTACT, Affiliation.Role.HEAD
SPEAKING_ROLES = (CONTACT, HEAD)


def _today() -> str:
    return timezone.localdate().isoformat()


def _combined_pdf(signatures: Sequence[Signature], filename: str) -> HttpResponse:
    """One PDF of all given signatures, as a download."""
    response = HttpResponse(services.combined_pdf(signatures), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    return response


def may_see_signatures(request: HttpRequest) -> bool:
    user = request.user
    return user.has_perm("declarations.view_signature") or user.has_perm(
        "declarations.change_signature"
    )


class MissingLinkMixin(admin.ModelAdmin):
    """Lists that link to the page of members who have not yet signed, for those who may see
    signatures."""

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra = {**(extra_context or {})}
        if may_see_signatures(request):
            extra["missing_url"] = reverse("admin:declarations_signature_missing")
        return super().changelist_view(request, extra)


# A signature is valid as long as nothing superseded it.
ValidityFilter = filled_or_empty_filter(
    "superseded_at",
    _("validity"),
    "valid",
    filled=("superseded", _("superseded")),
    empty=("valid", _("valid")),
    empty_first=True,
)


SUPERSEDE = FormStep(
    template="admin/declarations/signature/supersede.html",
    title=_("Supersede signatures"),
    form_class=SupersedeForm,
    objects_name="signatures",
    run=lambda model_admin, request, signature, form: supersede(
        signature, logged_in_user(request), form.cleaned_data["reason"]
    ),
    done_one=lambda signature: (
        gettext("The signature of %(organisation)s has been superseded.")
        % {"organisation": signature.organisation}
    ),
    done_many=lambda count: (
        ngettext(
            "%(count)d signature has been superseded.",
            "%(count)d signatures have been superseded.",
            count,
        )
        % {"count": count}
    ),
    named=True,
)


@dataclass(frozen=True)
class MissingRow:
    """A member that has not (validly) signed the current version."""

    name: str
    ags: str
    kind: str
    region: str
    member_since: Any
    contact_emails: list[str]
    head_emails: list[str]


def members_without_signature(version: DeclarationVersion) -> list[MissingRow]:
    """Current members without a valid signature of the version, in three queries."""
    signed = Signature.objects.filter(
        version=version, organisation=OuterRef("pk"), superseded_at__isnull=True
    )
    since = Membership.objects.filter(organisation=OuterRef("pk"), until__isnull=True)
    people = (
        Affiliation.objects.filter(role__in=SPEAKING_ROLES)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )
    organisations = (
        Organisation.objects.members()
        .filter(~Exists(signed))
        .annotate(member_since=Subquery(since.values("since")[:1]))
        .select_related("authority__regierungsbezirk")
        .prefetch_related(Prefetch("affiliations", queryset=people, to_attr="speakers"))
        .order_by("authority__name", "authority__ags")
    )
    rows = []
    for o in organisations:
        speakers = getattr(o, "speakers", [])
        rows.append(
            MissingRow(
                name=o.authority.name,
                ags=o.authority.ags,
                kind=o.authority.get_kind_display(),
                region=region_of(o.authority),
                member_since=getattr(o, "member_since", None),
                contact_emails=[a.user.email for a in speakers if a.role == CONTACT],
                head_emails=[a.user.email for a in speakers if a.role == HEAD],
            )
        )
    return rows


@admin.register(Signature)
class SignatureAdmin(
    ReadOnlyAdminMixin,
    ChangeFormContextMixin,
    OwnPagesMixin,
    MissingLinkMixin,
    AuthorityColumnsMixin,
    admin.ModelAdmin,
):
    list_display = (
        "organisation_name",
        "ags",
        "kind",
        "region",
        "version_label",
        "signatory_name",
        "signatory_office",
        "signed_on",
        "verification_code",
        "valid",
    )
    list_filter = (
        "version",
        ValidityFilter,
        RegionFilter,
        ("signed_on", admin.DateFieldListFilter),
    )
    search_fields = (
        "organisation__authority__name",
        "organisation__authority__ags",
        "signatory_name",
        "verification_code",
    )
    list_select_related = ("version", "organisation__authority__regierungsbezirk")
    ordering = ("-version__published_on", "organisation__authority__name", "-submitted_at")
    actions = (
        SUPERSEDE.as_action("supersede_signatures", _("Supersede the selected signatures")),
        "export_csv",
        "combined_pdf",
    )
    fieldsets = (
        (
            _("Signature"),
            {
                "fields": (
                    "organisation",
                    "ags",
                    "kind",
                    "region",
                    "version",
                    "signatory_name",
                    "signatory_office",
                    "place",
                    "signed_on",
                    "authorisation_confirmed",
                    "on_paper",
                    "submitted_by",
                    "submitted_at",
                )
            },
        ),
        (
            _("Documents"),
            {
                "fields": (
                    "verification_code",
                    "pdf_link",
                    "pdf_sha256",
                    "pdf_rendered_at",
                    "scan_link",
                )
            },
        ),
        (
            _("Validity and history"),
            {
                "fields": (
                    "valid",
                    "superseded_at",
                    "superseded_by",
                    "superseded_reason",
                    "signatures_of_organisation",
                )
            },
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Signature]:
        return (
            super()
            .get_queryset(request)
            .select_related(
                "version",
                "organisation__authority__regierungsbezirk",
                "submitted_by",
                "superseded_by",
            )
        )

    # Signatures come from the portal and are never edited nor deleted: a wrong one is superseded.
    still_allowed = ("change",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return flatten_fieldsets(self.fieldsets)

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method == "POST":
            raise PermissionDenied  # nothing to save; superseding has its own page
        return super().changeform_view(request, object_id, form_url, extra_context)

    # --- Columns and read-only fields ---------------------------------------------------

    @admin.display(description=_("version"), ordering="version__label")
    def version_label(self, obj: Signature) -> str:
        return obj.version.label

    @admin.display(description=_("valid"), boolean=True, ordering="superseded_at")
    def valid(self, obj: Signature) -> bool:
        return obj.is_valid

    @admin.display(description=_("PDF"))
    def pdf_link(self, obj: Signature) -> str:
        if not obj.pdf:
            return gettext("Not made yet.")
        return download_link(self, "pdf", obj, gettext("Download the signed PDF"))

    @admin.display(description=_("scan of the signed declaration"))
    def scan_link(self, obj: Signature) -> str:
        if not obj.scan:
            return gettext("No scan was uploaded.")
        return download_link(self, "scan", obj, gettext("Download the scan"))

    @admin.display(description=_("all signatures of the organisation"))
    def signatures_of_organisation(self, obj: Signature) -> str:
        signatures = (
            Signature.objects.filter(organisation_id=obj.organisation_id)
            .select_related("version")
            .order_by("-submitted_at")
        )
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}">{} – {}</a>{}</li>',
                (
                    (
                        reverse("admin:declarations_signature_change", args=[quote(s.pk)]),
                        s.version.label,
                        s.signed_on.strftime("%d.%m.%Y"),
                        "" if s.is_valid else format_html(" ({})", gettext("superseded")),
                    )
                    for s in signatures
                ),
            ),
        )

    # --- Pages of their own ------------------------------------------------------------

    def change_form_context(self, request: HttpRequest, obj: Signature | None) -> dict[str, Any]:
        context: dict[str, Any] = dict(NO_SAVE_BUTTONS)
        if obj is not None and obj.is_valid and self.has_change_permission(request, obj):
            context["supersede_url"] = object_url(self, "supersede", obj)
            if obj.on_paper:
                context["scan_upload_url"] = object_url(self, "scan_upload", obj)
        return context

    def own_pages(self) -> list[tuple[str, str, Any]]:
        return [
            ("missing/", "missing", self.missing_view),
            ("missing/export/", "missing_export", self.missing_export_view),
            ("combined-pdf/<int:version_id>/", "combined_pdf", self.combined_pdf_view),
            ("<path:object_id>/supersede/", "supersede", SUPERSEDE.view_for(self)),
            ("<path:object_id>/pdf/", "pdf", self.pdf_view),
            ("<path:object_id>/scan/", "scan", self.scan_view),
            ("<path:object_id>/scan/upload/", "scan_upload", self.scan_upload_view),
        ]

    def pdf_view(self, request: HttpRequest, object_id: str) -> FileResponse:
        """The stored signed PDF, exactly as it was sent to the municipality."""
        signature = admin_object(self, request, object_id)
        return stored_file(
            signature.pdf,
            f"Gemeinsame-Erklaerung-{signature.version.label}-{signature.verification_code}.pdf",
        )

    def scan_view(self, request: HttpRequest, object_id: str) -> FileResponse:
        signature = admin_object(self, request, object_id)
        return stored_file(
            signature.scan,
            f"Scan-{signature.version.label}-{signature.verification_code}.pdf",
        )

    def scan_upload_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """A later scan of a paper signature (staff who may change signatures)."""
        signature = admin_object(self, request, object_id, change=True)
        if request.method == "POST":
            form = ScanForm(request.POST, request.FILES)
            if form.is_valid():
                try:
                    attach_scan(signature, form.cleaned_data["scan"], form.extension)
                except DeclarationError as error:
                    form.add_error(None, error)
                else:
                    self.message_user(request, gettext("The scan has been stored."))
                    return HttpResponseRedirect(object_url(self, "change", signature))
        else:
            form = ScanForm()
        return admin_page(
            self,
            request,
            "admin/declarations/signature/scan.html",
            gettext("Upload a scan"),
            form=form,
            original=signature,
        )

    def combined_pdf_view(self, request: HttpRequest, version_id: int) -> HttpResponse:
        """One PDF of all valid signatures of a version."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        version = get_object_or_404(DeclarationVersion, pk=version_id)
        signatures = list(
            self.get_queryset(request)
            .filter(version=version, superseded_at__isnull=True)
            .order_by("organisation__authority__name")
        )
        if not signatures:
            self.message_user(
                request,
                gettext("Version %(label)s has no valid signatures yet.")
                % {"label": version.label},
                messages.WARNING,
            )
            return HttpResponseRedirect(
                reverse("admin:declarations_declarationversion_change", args=[quote(version.pk)])
            )
        filename = f"Gemeinsame-Erklaerung-{version.label}-Unterschriften.pdf"
        return _combined_pdf(signatures, filename)

    # --- Exports -----------------------------------------------------------------------

    @admin.action(description=_("Export as CSV (Excel)"), permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet[Signature]) -> HttpResponse:
        signatures = queryset.select_related("version", "organisation__authority__regierungsbezirk")
        # A call inside an f-string is never extracted for translation: the name comes first.
        name = gettext("Signatures")
        return export_response(SignatureResource(), signatures, CSV, f"{name}-{_today()}.csv")

    @admin.action(
        description=_("Download combined PDF of the selected valid signatures"),
        permissions=["view"],
    )
    def combined_pdf(
        self, request: HttpRequest, queryset: QuerySet[Signature]
    ) -> HttpResponse | None:
        signatures = list(
            queryset.filter(superseded_at__isnull=True).order_by(
                "-version__published_on", "organisation__authority__name"
            )
        )
        if not signatures:
            self.message_user(
                request, gettext("None of the selected signatures is valid."), messages.WARNING
            )
            return None
        return _combined_pdf(signatures, f"Gemeinsame-Erklaerung-Unterschriften-{_today()}.pdf")

    # --- Who has not yet signed --------------------------------------------------------

    def missing_view(self, request: HttpRequest) -> TemplateResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        version = current_version()
        rows = members_without_signature(version) if version else []
        request.current_app = self.admin_site.name
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Who has not yet signed the current version"),
            "opts": self.opts,
            "version": version,
            "rows": rows,
            "member_count": Organisation.objects.members().count(),
            "export_url": reverse("admin:declarations_signature_missing_export"),
        }
        return TemplateResponse(request, "admin/declarations/signature/missing.html", context)

    def missing_export_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        version = current_version()
        if version is None:
            raise Http404
        name = gettext("Not yet signed")
        filename = f"{name}-{version.label}-{_today()}.csv"
        rows = members_without_signature(version)
        return export_response(NotYetSignedResource(), rows, CSV, filename)
