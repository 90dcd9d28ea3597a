"""Organisations, their people, invitations and the evidence of consent in Django admin."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import admin
from django.contrib.admin.utils import quote
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from members.people import services
from members.people.models import (
    Affiliation,
    ConsentRecord,
    Invitation,
    Organisation,
    OrganisationQuerySet,
)
from members.reference.admin import RegionFilter, region_of
from portal.admin_tools.pages import (
    ChangeFormContextMixin,
    ReadOnlyAdminMixin,
    filled_or_empty_filter,
)
from portal.admin_tools.widgets import SafeAutocompleteMixin
from portal.copying import Offset
from portal.http import logged_in_user


class ParentPermissionInline(ReadOnlyAdminMixin, admin.TabularInline):
    """A read-only inline that whoever may see the parent object may see too."""

    extra = 0
    # The relations its columns show, fetched with its rows.
    related: tuple[str, ...] = ()

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        return queryset.select_related(*self.related) if self.related else queryset

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        parent = self.parent_model._meta
        user = request.user
        return user.has_perm(f"{parent.app_label}.view_{parent.model_name}") or user.has_perm(
            f"{parent.app_label}.change_{parent.model_name}"
        )


class OrganisationRegionFilter(RegionFilter):
    authority_path = "authority"


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
    fields = ("email", "role", "invited_by", "created_at", "accepted_at", "accepted_by")
    readonly_fields = fields
    related = ("invited_by", "accepted_by")


class NoAttendanceSinceFilter(admin.SimpleListFilter):
    """Municipalities nobody of which was checked in at an event for some years: whom to
    approach before the summit's invitations go out. Check-ins are the events' registrations
    (meetings), named by their reverse relation to Organisation."""

    title = _("without attendance since")
    parameter_name = "no_attendance_since"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("1", _("one year")), ("2", _("two years")), ("3", _("three years"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() not in {"1", "2", "3"}:
            return queryset
        since = timezone.now() - Offset(years=int(cast(str, self.value())))
        return queryset.exclude(registrations__attended_at__gte=since)


@admin.register(Organisation)
class OrganisationAdmin(ChangeFormContextMixin, SafeAutocompleteMixin, admin.ModelAdmin):
    list_display = ("authority", "ags", "region", "membership", "created_at")
    list_filter = (MemberFilter, OrganisationRegionFilter, NoAttendanceSinceFilter)
    change_form_template = "admin/members/organisation/change_form.html"
    search_fields = ("authority__name", "authority__ags")
    autocomplete_fields = ("authority",)
    list_select_related = ("authority__regierungsbezirk",)
    fields = ("authority", "membership", "profile_link", "created_at")
    inlines = (AffiliationInline, InvitationInline)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organisation]:
        return cast(OrganisationQuerySet, super().get_queryset(request)).with_member_since()

    def change_form_context(self, request: HttpRequest, obj: Organisation | None) -> dict[str, Any]:
        if obj is None:
            return {}
        return {"history": services.history(obj, logged_in_user(request))}

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
        # The profile (members.directory) builds on this package: its reverse relation names it.
        profile = getattr(obj, "profile", None)
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
