"""Django's admin autodiscovery imports this module: it imports the admin modules of the
meetings' capabilities, which register their models, and registers the event's page.

The event's page gathers what the capabilities built on events add to it: time slots
(meetings.sessions), documents (meetings.documents) and the check-in at the door
(meetings.checkin). Those capabilities import meetings.events, so it cannot import them: the
page is put together here, above them all.
"""

from __future__ import annotations

from django.contrib import admin
from django.urls import URLPattern

from meetings.checkin import views as checkin
from meetings.documents.admin import EventDocumentInline
from meetings.events import admin as events_admin
from meetings.events import admin_lists as events_admin_lists
from meetings.events.models import Event
from meetings.library import admin as library_admin
from meetings.sessions import admin as sessions_admin
from portal.admin_tools.pages import own_urls

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

    def get_urls(self) -> list[URLPattern]:
        return own_urls(self, checkin.admin_pages(self)) + super().get_urls()
