"""Django's admin autodiscovery imports this module: it imports the admin modules of the
meetings' capabilities, which register their models, and registers the event's page.

The event's page gathers what the capabilities built on events add to it: time slots
(meetings.sessions), documents (meetings.documents) and the check-in at the door
(meetings.checkin). Those capabilities import meetings.events, so it cannot import them: the
page is put together here, above them all.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from meetings.checkin import views as checkin
from meetings.documents.admin import EventDocumentInline
from meetings.events import admin as events_admin
from meetings.events import admin_lists as events_admin_lists
from meetings.events.admin_forms import CopyEventsForm
from meetings.events.models import Event
from meetings.library import admin as library_admin
from meetings.sessions import admin as sessions_admin
from meetings.sessions.services import copy_event_with_sessions
from portal.admin_tools.pages import admin_page, copies_made, own_urls

__all__ = ["EventAdmin", "events_admin_lists", "library_admin", "sessions_admin"]


@admin.register(Event)
class EventAdmin(events_admin.EventAdmin):
    inlines = (
        events_admin.ProgrammeItemInline,
        events_admin.RegistrationQuestionInline,
        sessions_admin.TimeSlotInline,
        EventDocumentInline,
        events_admin.RegistrationInline,
    )
    tools = ("checkin", *events_admin.EventAdmin.tools)
    actions = (*events_admin.EventAdmin.actions, "copy_as_template")

    def get_urls(self) -> list[URLPattern]:
        return own_urls(self, checkin.admin_pages(self)) + super().get_urls()

    # Here and not in meetings.events.admin: the copy takes the time slots and sessions along.
    @admin.action(description=_("Copy as template for new events"), permissions=["add"])
    def copy_as_template(
        self, request: HttpRequest, queryset: QuerySet[Event]
    ) -> HttpResponse | None:
        events = list(queryset)
        confirmed = "apply" in request.POST
        form = CopyEventsForm(request.POST if confirmed else None, events=events)
        if confirmed and form.is_valid():
            by = form.offset()
            return copies_made(
                self, request, [copy_event_with_sessions(event, by) for event in events]
            )
        return admin_page(
            self,
            request,
            "admin/copy_records.html",
            gettext("Copy as template for new events"),
            action="copy_as_template",
            records=events,
            form=form,
        )
