from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.mailings import admin as mailing_admin  # noqa: F401 - registers the information e-mails' admin
from portal.models import OutboundEmail, OutboundEmailAttachment, User
from portal.outbox.services import schedule_delivery


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "full_name", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active", "language")
    search_fields = ("email", "full_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Person"), {"fields": ("full_name", "language")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),
    )


class AttachmentInline(admin.TabularInline):
    model = OutboundEmailAttachment
    extra = 0
    can_delete = False
    readonly_fields = ("filename", "mimetype", "file")

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ("subject", "to", "kind", "status", "attempts", "created_at", "sent_at")
    list_filter = ("status", "kind", "language", "created_at")
    search_fields = ("to", "subject")
    date_hierarchy = "created_at"
    inlines = (AttachmentInline,)
    actions = ("resend",)
    list_select_related = ()
    fields = (
        "kind",
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

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

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
