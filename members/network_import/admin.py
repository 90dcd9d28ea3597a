"""The network import in admin: "Netzwerk importieren", the log, the template, the export, and
"Zugang einrichten" for imported people.

The preview keeps the uploaded file in the media storage under its SHA-256 until it is
confirmed; the confirmation runs the same import again, this time written, and only if the
file is still the one that was previewed.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from members.network_import import previews
from members.network_import.admin_forms import ConfirmForm, UploadForm
from members.network_import.models import ImportedPerson, ImportLog
from members.network_import.services import ImportReport, export_book, invite_imported, run_import
from portal.admin_tools.pages import OwnPagesMixin, ReadOnlyAdminMixin, admin_page, apply_each
from portal.models import User
from portal.spreadsheets import xlsx_response

IMPORT_PERMISSION = "members.add_importlog"


@admin.register(ImportLog)
class ImportLogAdmin(OwnPagesMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("imported_at", "file_name", "imported_by", "summary", "not_in_file")
    fields = ("imported_at", "imported_by", "file_name", "sha256", "summary", "not_in_file")
    readonly_fields = fields
    change_list_template = "admin/members/importlog/change_list.html"

    @admin.display(description=_("counts"))
    def summary(self, obj: ImportLog) -> str:
        return "; ".join(
            gettext("%(sheet)s: %(new)s new, %(changed)s changed, %(unchanged)s unchanged")
            % {"sheet": sheet, **counts}
            for sheet, counts in obj.counts.items()
        )

    def own_pages(self) -> list[tuple[str, str, Any]]:
        return [
            ("import/", "import", self.import_view),
            ("template/", "template", self.template_view),
            ("export/", "export", self.export_view),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        extra = {"may_import": request.user.has_perm(IMPORT_PERMISSION), **(extra_context or {})}
        return super().changelist_view(request, extra)

    def _check(self, request: HttpRequest) -> None:
        if not request.user.has_perm(IMPORT_PERMISSION):
            raise PermissionDenied

    def template_view(self, request: HttpRequest) -> HttpResponse:
        self._check(request)
        return xlsx_response(export_book(example=True), "Netzwerk-Import-Vorlage.xlsx")

    def export_view(self, request: HttpRequest) -> HttpResponse:
        self._check(request)
        today = timezone.localdate().isoformat()
        return xlsx_response(export_book(), f"Netzwerk-{today}.xlsx")

    def _page(self, request: HttpRequest, **context: Any) -> TemplateResponse:
        return admin_page(
            self,
            request,
            "admin/members/importlog/import.html",
            gettext("Import the network"),
            **context,
        )

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload → preview of every row → confirm; nothing is written before the last step."""
        self._check(request)
        user = cast(User, request.user)
        if request.method != "POST":
            return self._page(request, form=UploadForm())
        if "confirm" in request.POST or "again" in request.POST:
            return self._from_pending(request, user)
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._page(request, form=form)
        upload = form.cleaned_data["file"]
        create_versions = form.cleaned_data["create_versions"]
        report = run_import(upload, upload.name, user, create_versions=create_versions)
        if report.file_error:
            form.add_error("file", report.file_error)
            return self._page(request, form=form)
        upload.seek(0)
        previews.keep(upload.read())
        return self._preview(request, report, create_versions)

    def _preview(
        self, request: HttpRequest, report: ImportReport, create_versions: bool
    ) -> TemplateResponse:
        confirm = ConfirmForm(
            initial={
                "sha256": report.sha256,
                "file_name": report.file_name,
                "create_versions": create_versions,
            }
        )
        return self._page(request, report=report, confirm=confirm)

    def _from_pending(self, request: HttpRequest, user: User) -> HttpResponse:
        form = ConfirmForm(request.POST)
        content = previews.read(form.cleaned_data["sha256"]) if form.is_valid() else None
        if content is None:
            self.message_user(
                request,
                gettext("The preview has expired. Please upload the file again."),
                messages.ERROR,
            )
            return HttpResponseRedirect(reverse("admin:members_importlog_import"))
        file_name = form.cleaned_data["file_name"]
        create_versions = form.cleaned_data["create_versions"] or "again" in request.POST
        if "again" in request.POST:  # the preview once more, creating the missing versions
            return self._preview(
                request, run_import(content, file_name, user, create_versions=True), True
            )
        report = run_import(content, file_name, user, confirm=True, create_versions=create_versions)
        if not report.ok or report.log is None:
            return self._preview(request, report, create_versions)
        previews.drop(report.sha256)
        self.message_user(
            request,
            gettext("The file has been imported. %(summary)s")
            % {"summary": " ".join(f"{line}." for line in report.summary())},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:members_importlog_change", args=[report.log.pk]))


@admin.register(ImportedPerson)
class ImportedPersonAdmin(admin.ModelAdmin):
    list_display = ("full_name", "email", "organisation", "role", "invited_at")
    list_filter = ("role", ("invited_at", admin.EmptyFieldListFilter))
    search_fields = ("full_name", "email", "organisation__authority__name")
    list_select_related = ("organisation__authority",)
    fields = ("organisation", "role", "full_name", "email", "phone", "office", "invited_at")
    readonly_fields = ("organisation", "invited_at")
    actions = ("set_up_access",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # people come in through the import

    @admin.action(description=_("Set up access (send the invitation)"), permissions=["change"])
    def set_up_access(self, request: HttpRequest, queryset: QuerySet[ImportedPerson]) -> None:
        staff = cast(User, request.user)
        apply_each(
            self,
            request,
            queryset.select_related("organisation__authority"),
            lambda person: invite_imported(person, staff),
            lambda count: gettext("%(count)s invitations have been sent.") % {"count": count},
            named=True,
        )
