"""Parallel sessions in Django admin: an event's time slots (an inline on the event's page, put
there by meetings/admin.py) and each slot's page with its sessions, as admin has no nested
inlines. Raising a session's places moves its waiting people up at once
(meetings.sessions.services)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from meetings.events.admin import SMALL_TEXT, places_taken, report_moved_up, with_places_taken
from meetings.sessions import services
from meetings.sessions.models import Session, TimeSlot
from portal.admin_tools.widgets import SafeAutocompleteMixin


class TimeSlotInline(admin.TabularInline):
    """The slots of parallel sessions; each slot's page holds its sessions."""

    model = TimeSlot
    extra = 0
    fields = ("title", "starts_at", "ends_at", "session_count")
    readonly_fields = ("session_count",)
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[TimeSlot]:
        return super().get_queryset(request).annotate(sessions_count=Count("sessions"))

    @admin.display(description=_("sessions"))
    def session_count(self, slot: TimeSlot) -> int:
        return getattr(slot, "sessions_count", 0)


class SessionInline(admin.TabularInline):
    model = Session
    extra = 0
    fields = ("title", "speakers", "room", "capacity", "places_taken", "description")
    readonly_fields = ("places_taken",)
    formfield_overrides = SMALL_TEXT

    def get_queryset(self, request: HttpRequest) -> QuerySet[Session]:
        return with_places_taken(super().get_queryset(request), "choices")

    @admin.display(description=_("confirmed (+waiting)"))
    def places_taken(self, session: Session) -> str:
        return places_taken(session, session.capacity) if session.pk else "–"


@admin.register(TimeSlot)
class TimeSlotAdmin(SafeAutocompleteMixin, admin.ModelAdmin):
    list_display = ("title", "event", "starts_at", "ends_at")
    list_filter = (("event__starts_at", admin.DateFieldListFilter),)
    search_fields = ("title", "event__title")
    list_select_related = ("event",)
    autocomplete_fields = ("event",)
    fields = ("event", "title", "starts_at", "ends_at")
    inlines = (SessionInline,)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        # A session whose places were raised gives them to its waiting list at once.
        moved_up = sum(
            len(services.fill_free_places(session))
            for session, changed in formset.changed_objects
            if "capacity" in changed
        )
        report_moved_up(self, request, moved_up)
