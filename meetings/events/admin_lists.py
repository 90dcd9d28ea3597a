"""The list of registrations in Django admin: who registered for which event, with filters for
check-in, guests and municipalities. Staff correct needs, consent and check-in and cancel
registrations; places are only ever given by meetings.events.services."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import admin, messages
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from meetings.events import exports, services
from meetings.events.models import Registration, participant_email, participant_name
from members.models import Organisation
from portal.admin_tools.lists import QuickChangelistMixin
from portal.admin_tools.pages import ReadOnlyAdminMixin, filled_or_empty_filter
from portal.models import User

CheckedInFilter = filled_or_empty_filter(
    "attended_at", _("checked in"), "checked_in", filled=("yes", _("yes")), empty=("no", _("no"))
)
GuestFilter = filled_or_empty_filter(
    "user",
    _("member or guest"),
    "guest",
    filled=("member", _("with an account")),
    empty=("guest", _("guest without an account")),
)


class MunicipalityFilter(admin.SimpleListFilter):
    """The municipalities that people registered for; guests' organisations are free text."""

    title = _("municipality")
    parameter_name = "municipality"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        # EXISTS instead of a join made DISTINCT over thousands of registrations.
        registered = Registration.objects.filter(organisation=OuterRef("pk"))
        names = (
            Organisation.objects.filter(Exists(registered))
            .order_by("authority__name")
            .values_list("pk", "authority__name")
        )
        return [(str(pk), name) for pk, name in names]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(organisation_id=int(value))
        return queryset


@admin.register(Registration)
class RegistrationAdmin(ReadOnlyAdminMixin, QuickChangelistMixin, admin.ModelAdmin):
    list_display = (
        "participant",
        "email",
        "organisation_display",
        "event",
        "status",
        "created_at",
        "attended_at",
    )
    list_filter = (
        "status",
        ("event", admin.RelatedOnlyFieldListFilter),
        ("event__kind", admin.ChoicesFieldListFilter),
        CheckedInFilter,
        GuestFilter,
        MunicipalityFilter,
    )
    search_fields = (
        "user__email",
        "user__full_name",
        "guest_name",
        "guest_email",
        "guest_organisation",
        "organisation__authority__name",
    )
    list_select_related = ("user", "organisation__authority", "event")
    readonly_fields = (
        "event",
        "user",
        "guest_name",
        "guest_email",
        "guest_organisation",
        "organisation",
        "registered_by",
        "status",
        "created_at",
        "confirmed_at",
        "cancelled_at",
        "reminded_at",
        "followed_up_at",
        "answers_display",
    )
    fields = (*readonly_fields, "listed_consent", "needs", "attended_at")
    actions = ("cancel_registrations",)
    still_allowed = ("change", "delete")

    @admin.display(description=_("participant"), ordering="user__full_name")
    def participant(self, registration: Registration) -> str:
        return participant_name(registration)

    @admin.display(description=_("answers to the event's questions"))
    def answers_display(self, registration: Registration) -> str:
        items = [item for item in registration.answers if isinstance(item, dict)]
        if not items:
            return "–"
        return format_html_join(
            mark_safe("<br>"),  # nosec B308 # a constant tag; the answers are escaped
            "{}: {}",
            ((item.get("label", ""), item.get("answer", "")) for item in items),
        )

    @admin.display(description=_("e-mail"))
    def email(self, registration: Registration) -> str:
        return participant_email(registration)

    @admin.display(
        description=_("municipality or organisation"), ordering="organisation__authority__name"
    )
    def organisation_display(self, registration: Registration) -> str:
        return exports.organisation_name(registration)

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
