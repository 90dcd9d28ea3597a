"""The network team's side of the Gemeinsame Erklärung in Django admin: its versions.

Staff write drafts of new versions, publish them (declarations.services.publish) and keep the
partner signatories; admin never edits a published version's text. The signatures have their
admin in declarations.admin_signatures. The blank forms reach staff only through the view
below, never through a media URL.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from declarations.admin_signatures import SPEAKING_ROLES, MissingLinkMixin, may_see_signatures
from declarations.models import DeclarationVersion, PartnerSignatory
from declarations.services import DeclarationError, current_version, publish
from declarations.text import render_body
from members.models import Affiliation, Organisation
from portal.admin_tools.pages import (
    ChangeFormContextMixin,
    OwnPagesMixin,
    admin_object,
    admin_page,
    download_link,
    object_url,
    stored_file,
)
from portal.models import User

MARKDOWN_HELP = _(
    "Markdown: an empty line starts a new paragraph; a line starting with “## ” is a heading, "
    "with “### ” a subheading; lines starting with “- ” or “1. ” make a list; *emphasis*, "
    "**bold**; [text](https://example.org) makes a link; “> ” a quotation. Anything else, "
    "HTML included, is removed. Save to see the preview."
)


class PartnerSignatoryInline(admin.TabularInline):
    """The partners signing beside the municipalities; staff keep them, also after publishing."""

    model = PartnerSignatory
    extra = 0
    fields = ("position", "kind", "name", "represented_by", "signed_on")


@admin.register(DeclarationVersion)
class DeclarationVersionAdmin(
    ChangeFormContextMixin, OwnPagesMixin, MissingLinkMixin, admin.ModelAdmin
):
    list_display = ("title", "label", "published_on", "is_current", "valid_signatures")
    list_display_links = ("title", "label")
    search_fields = ("title", "label")
    actions = ("publish_version",)
    inlines = (PartnerSignatoryInline,)
    draft_fields = ("title", "label", "body")
    shown_fields = ("preview", "published_on", "is_current", "blank_form_link", "created_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[DeclarationVersion]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                valid_signature_count=Count(
                    "signatures", filter=Q(signatures__superseded_at__isnull=True)
                )
            )
        )

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return (*self.draft_fields, *self.shown_fields) if obj else self.draft_fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is None:
            return ()
        if obj.is_published:
            # A published version never changes: a correction is a new version.
            return (*self.draft_fields, *self.shown_fields)
        return self.shown_fields

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "body" and formfield is not None:
            formfield.help_text = MARKDOWN_HELP
            formfield.widget.attrs["rows"] = 24
        return formfield

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        # Deleting goes one by one through the version's page, where the rules below apply.
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not super().has_delete_permission(request, obj):
            return False
        if obj is None:
            return True
        # Signatures refer to the exact text they signed, and the portal needs a current one.
        return not obj.is_current and not obj.signatures.exists()

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            super().save_model(request, obj, form, change)
            return
        with transaction.atomic():
            stored = DeclarationVersion.objects.select_for_update().get(pk=obj.pk)
            if stored.is_published:
                # Perhaps published in the meantime: the text stays as it was published.
                if set(form.changed_data) & set(self.draft_fields):
                    self.message_user(
                        request,
                        gettext("This version has been published; its text was not changed."),
                        messages.WARNING,
                    )
                return
            # Only the draft's own fields: never write back a stale publication state.
            obj.save(update_fields=[name for name in self.draft_fields if name in form.fields])

    # --- Columns and read-only fields ---------------------------------------------------

    @admin.display(description=_("valid signatures"), ordering="valid_signature_count")
    def valid_signatures(self, obj: DeclarationVersion) -> str:
        count = getattr(obj, "valid_signature_count", 0)
        url = reverse("admin:declarations_signature_changelist")
        return format_html(
            '<a href="{}?version__id__exact={}&amp;valid=valid">{}</a>', url, obj.pk, count
        )

    @admin.display(description=_("preview"))
    def preview(self, obj: DeclarationVersion) -> SafeString | str:
        if not obj.body:
            return "–"
        return format_html('<div class="declaration-preview">{}</div>', render_body(obj.body))

    @admin.display(description=_("blank form for signing by hand"))
    def blank_form_link(self, obj: DeclarationVersion) -> str:
        if not obj.blank_form:
            return gettext("Not made yet.")
        return download_link(self, "blank_form", obj, gettext("Download the blank form"))

    # --- Change page: publish, signatures, who is missing -------------------------------

    def change_form_context(
        self, request: HttpRequest, obj: DeclarationVersion | None
    ) -> dict[str, Any]:
        context: dict[str, Any] = {}
        if obj is not None and obj.pk:
            if not obj.is_published and self.has_change_permission(request, obj):
                context["publish_url"] = object_url(self, "publish", obj)
            if obj.is_published and may_see_signatures(request):
                signatures = reverse("admin:declarations_signature_changelist")
                context["signatures_url"] = f"{signatures}?version__id__exact={obj.pk}"
                context["combined_pdf_url"] = reverse(
                    "admin:declarations_signature_combined_pdf", args=[obj.pk]
                )
                if obj.is_current:
                    context["missing_url"] = reverse("admin:declarations_signature_missing")
        return context

    def own_pages(self) -> list[tuple[str, str, Any]]:
        return [
            ("<path:object_id>/publish/", "publish", self.publish_view),
            ("<path:object_id>/blank-form/", "blank_form", self.blank_form_view),
        ]

    def _publish(self, request: HttpRequest, version: DeclarationVersion) -> bool:
        try:
            publish(version, cast(User, request.user))  # admin is only for staff
        except DeclarationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return False
        self.message_user(
            request,
            gettext(
                "Version %(label)s has been published and is now the current version. The "
                "members' contact persons and heads of administration are asked by e-mail "
                "to sign it."
            )
            % {"label": version.label},
            messages.SUCCESS,
        )
        return True

    def _publish_page(
        self, request: HttpRequest, version: DeclarationVersion, action: str = ""
    ) -> TemplateResponse:
        members = Organisation.objects.members()
        return admin_page(
            self,
            request,
            "admin/declarations/declarationversion/publish.html",
            gettext("Publish version %(label)s") % {"label": version.label},
            action=action,
            version=version,
            current=current_version(),
            member_count=members.count(),
            recipient_count=Affiliation.objects.filter(
                organisation__in=members, role__in=SPEAKING_ROLES
            ).count(),
            cancel_url=object_url(self, "change", version),
        )

    def publish_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Publish from the version's page: a confirmation page, then the step."""
        version = admin_object(self, request, object_id, change=True)
        if request.method == "POST":
            self._publish(request, version)
            return HttpResponseRedirect(object_url(self, "change", version))
        if version.is_published:
            self.message_user(
                request, gettext("This version has already been published."), messages.ERROR
            )
            return HttpResponseRedirect(object_url(self, "change", version))
        return self._publish_page(request, version)

    @admin.action(description=_("Publish the selected draft"), permissions=["change"])
    def publish_version(
        self, request: HttpRequest, queryset: QuerySet[DeclarationVersion]
    ) -> HttpResponse | None:
        versions = list(queryset[:2])
        if len(versions) != 1:
            self.message_user(
                request, gettext("Please select exactly one draft to publish."), messages.ERROR
            )
            return None
        version = versions[0]
        if "apply" in request.POST:
            self._publish(request, version)
            return None
        if version.is_published:
            self.message_user(
                request, gettext("This version has already been published."), messages.ERROR
            )
            return None
        return self._publish_page(request, version, action="publish_version")

    def blank_form_view(self, request: HttpRequest, object_id: str) -> FileResponse:
        version = admin_object(self, request, object_id)
        return stored_file(
            version.blank_form, f"Gemeinsame-Erklaerung-{version.label}-Formular.pdf"
        )
