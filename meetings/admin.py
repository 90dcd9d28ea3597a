from __future__ import annotations

from typing import cast

from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from meetings import services
from meetings.models import Event, Registration
from portal.models import User


class RegistrationInline(admin.TabularInline):
    model = Registration
    extra = 0
    can_delete = False
    fields = ("user", "organisation", "status", "created_at", "listed_consent", "needs")
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        # Registrations go through the service, which counts the places.
        return False


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "starts_at", "format", "audience", "status", "fill_rate")
    list_filter = ("status", "kind", "format", "audience")
    search_fields = ("title", "venue")
    date_hierarchy = "starts_at"
    inlines = (RegistrationInline,)
    fieldsets = (
        (None, {"fields": ("kind", "title", "description", "status")}),
        (_("Time and place"), {"fields": ("starts_at", "ends_at", "format", "venue", "address")}),
        (_("Online"), {"fields": ("meeting_link",)}),
        (
            _("Registration"),
            {
                "fields": (
                    "audience",
                    "capacity",
                    "limit_per_organisation",
                    "waitlist_enabled",
                    "registration_opens_at",
                    "registration_closes_at",
                    "cancellation_deadline",
                )
            },
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Event]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                confirmed_count=Count("registrations", filter=Q(registrations__status="confirmed")),
                waitlisted_count=Count(
                    "registrations", filter=Q(registrations__status="waitlisted")
                ),
            )
        )

    @admin.display(description=_("fill rate"))
    def fill_rate(self, event: Event) -> str:
        confirmed = getattr(event, "confirmed_count", 0)
        waiting = getattr(event, "waitlisted_count", 0)
        places = f"{confirmed}/{event.capacity}" if event.capacity else str(confirmed)
        return f"{places} (+{waiting})" if waiting else places


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ("user", "organisation", "event", "status", "created_at", "attended_at")
    list_filter = ("status", "event")
    search_fields = ("user__email", "user__full_name", "organisation__authority__name")
    list_select_related = ("user", "organisation__authority", "event")
    readonly_fields = (
        "event",
        "user",
        "organisation",
        "registered_by",
        "status",
        "created_at",
        "confirmed_at",
        "cancelled_at",
    )
    fields = (*readonly_fields, "listed_consent", "needs", "attended_at")
    actions = ("cancel_registrations",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Cancel the selected registrations"), permissions=["change"])
    def cancel_registrations(self, request: HttpRequest, queryset: QuerySet[Registration]) -> None:
        cancelled = promoted = 0
        for registration in queryset.exclude(status=Registration.Status.CANCELLED):
            moved_up = services.cancel(registration, cast(User, request.user))
            cancelled += 1
            promoted += moved_up is not None
        self.message_user(
            request,
            ngettext(
                "%(count)d registration cancelled; %(promoted)d moved up from the waiting list.",
                "%(count)d registrations cancelled; %(promoted)d moved up from the waiting list.",
                cancelled,
            )
            % {"count": cancelled, "promoted": promoted},
            messages.SUCCESS,
        )
