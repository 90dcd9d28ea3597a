"""The outbox in admin: every stored mail with its state, and the addresses that failed."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import quote
from django.db.models import Q, QuerySet
from django.http import FileResponse, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.admin_tools.pages import (
    OwnPagesMixin,
    ReadOnlyAdminMixin,
    admin_object,
    filled_or_empty_filter,
)
from portal.downloads import file_response
from portal.outbox.models import (
    FailedAddress,
    OutboundEmail,
    OutboundEmailAttachment,
    kind_label,
)
from portal.outbox.services import schedule_delivery


class AttachmentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = OutboundEmailAttachment
    extra = 0
    fields = ("download", "mimetype")
    readonly_fields = fields
    still_allowed = ("change",)

    @admin.display(description=_("file"))
    def download(self, attachment: OutboundEmailAttachment) -> str:
        # Through the mail's own page, which checks admin's permission (no media URL).
        args = [quote(attachment.email_id), attachment.pk]
        url = reverse("admin:portal_outboundemail_attachment", args=args)
        return format_html('<a href="{}">{}</a>', url, attachment.filename)


class KindFilter(admin.SimpleListFilter):
    """The kinds of the stored mails, by the names staff read (the filter on the field itself
    would list the internal keys)."""

    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        kinds = OutboundEmail.objects.order_by().values_list("kind", flat=True).distinct()
        return sorted(((kind, kind_label(kind)) for kind in kinds), key=lambda item: item[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet[OutboundEmail]):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(OutboundEmail)
class OutboundEmailAdmin(OwnPagesMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("subject", "to", "kind_label", "status", "attempts", "created_at", "sent_at")
    list_filter = ("status", KindFilter, "language", "created_at")
    search_fields = ("to", "subject")
    date_hierarchy = "created_at"
    inlines = (AttachmentInline,)
    actions = ("resend",)
    list_select_related = ()
    fields = (
        "kind_label",
        "to",
        "from_email",
        "reply_to",
        "subject",
        "language",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "last_attempt_at",
        "next_attempt_at",
        "sent_at",
        "related_type",
        "related_id",
        "headers",
        "body_text",
        "body_html",
    )
    readonly_fields = fields
    still_allowed = ("delete",)

    def own_pages(self) -> list[tuple[str, str, Any]]:
        return [
            ("<path:object_id>/attachment/<int:attachment_id>/", "attachment", self.attachment_view)
        ]

    def attachment_view(
        self, request: HttpRequest, object_id: str, attachment_id: int
    ) -> FileResponse:
        """An attachment as it was sent; the portal made it, so its stored type holds."""
        email = admin_object(self, request, object_id)
        attachment = get_object_or_404(email.attachments, pk=attachment_id)
        return file_response(attachment.file, attachment.filename, attachment.mimetype)

    @admin.display(description=_("kind"), ordering="kind")
    def kind_label(self, email: OutboundEmail) -> str:
        return email.get_kind_display()

    def has_resend_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("portal.resend_outboundemail")

    @admin.action(
        description=_("Send the selected failed or waiting e-mails again"), permissions=["resend"]
    )
    def resend(self, request: HttpRequest, queryset: QuerySet[OutboundEmail]) -> None:
        # A mail being sent may be on its way right now: resetting it would let a second
        # sender send it again. Once its claim ran out (its worker died), it may be reset.
        in_flight = Q(status=OutboundEmail.Status.SENDING, next_attempt_at__gt=timezone.now())
        pending = queryset.exclude(status=OutboundEmail.Status.SENT).exclude(in_flight)
        ids = list(pending.values_list("pk", flat=True))
        pending.update(
            status=OutboundEmail.Status.QUEUED, attempts=0, next_attempt_at=timezone.now()
        )
        for email_id in ids:
            schedule_delivery(email_id)
        self.message_user(
            request,
            ngettext(
                "%(count)d e-mail will be sent again.",
                "%(count)d e-mails will be sent again.",
                len(ids),
            )
            % {"count": len(ids)},
            messages.SUCCESS,
        )


FixedFilter = filled_or_empty_filter(
    "cleared_at",
    _("fixed"),
    "fixed",
    filled=("yes", _("fixed")),
    empty=("no", _("not yet")),
    empty_first=True,
)


@admin.register(FailedAddress)
class FailedAddressAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Addresses the mail server refused for good: mailings skip them until staff mark them as
    fixed (for example after the person gave a new address or the mailbox works again)."""

    list_display = ("email", "short_reason", "failed_at", "is_fixed")
    list_filter = (FixedFilter, "failed_at")
    search_fields = ("email", "reason")
    date_hierarchy = "failed_at"
    fields = ("email", "reason", "failed_at", "cleared_at")
    readonly_fields = fields
    actions = ("mark_fixed",)
    still_allowed = ("change", "delete")

    @admin.display(description=_("reason"))
    def short_reason(self, failed: FailedAddress) -> str:
        return Truncator(failed.reason).chars(120)

    @admin.display(description=_("fixed"), boolean=True, ordering="cleared_at")
    def is_fixed(self, failed: FailedAddress) -> bool:
        return failed.cleared_at is not None

    @admin.action(
        description=_("Mark as fixed: send to these addresses again"), permissions=["change"]
    )
    def mark_fixed(self, request: HttpRequest, queryset: QuerySet[FailedAddress]) -> None:
        count = queryset.filter(cleared_at__isnull=True).update(cleared_at=timezone.now())
        self.message_user(
            request,
            ngettext(
                "%(count)d address is marked as fixed and gets information e-mails again.",
                "%(count)d addresses are marked as fixed and get information e-mails again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
