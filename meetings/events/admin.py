"""The network team's side of events in Django admin.

Staff keep events with their programme and questions; they see the registrations with the fill
rate, export participant lists and name badges, write to everyone registered and cancel events.
The event's page also holds time slots, documents and the check-in: meetings/admin.py adds them
from their capabilities, which build on this one. The list of registrations is
meetings.events.admin_lists. Places are only ever given by meetings.events.services, mails only
go through meetings.events.notices and the outbox.
"""

from __future__ import annotations

from typing import Any, ClassVar, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import InlineModelAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from meetings.events import exports, notices, pdf, services
from meetings.events.forms import ERROR_FIELDS, CancelEventsForm, MessageForm
from meetings.events.models import (
    Event,
    ProgrammeItem,
    Registration,
    RegistrationQuestion,
    participant_name,
)
from portal.admin_tools.pages import (
    ChangeFormContextMixin,
    ReadOnlyAdminMixin,
    admin_object,
    admin_page,
    copied_from_link,
    object_url,
    own_urls,
)
from portal.http import logged_in_user

Status = Registration.Status
SMALL_TEXT: dict[type[models.Field], dict[str, Any]] = {
    models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 40})}
}


def may_view_registrations(request: HttpRequest) -> bool:
    user = request.user
    return user.has_perm("meetings.view_registration") or may_change_registrations(request)


def may_change_registrations(request: HttpRequest) -> bool:
    return request.user.has_perm("meetings.change_registration")


def with_places_taken(queryset: QuerySet[Any], people: str) -> QuerySet[Any]:
    """Counts the confirmed and the waiting `people` (a relation) of each row, for places_taken."""
    return queryset.annotate(
        confirmed_count=Count(people, filter=Q(**{f"{people}__status": "confirmed"})),
        waitlisted_count=Count(people, filter=Q(**{f"{people}__status": "waitlisted"})),
    )


def places_taken(row: Any, capacity: int | None) -> str:
    """ "12/20 (+3)": confirmed of the places (+ waiting), from with_places_taken's counts."""
    confirmed = getattr(row, "confirmed_count", 0)
    waiting = getattr(row, "waitlisted_count", 0)
    places = f"{confirmed}/{capacity}" if capacity else str(confirmed)
    return f"{places} (+{waiting})" if waiting else places


def report_moved_up(model_admin: admin.ModelAdmin, request: HttpRequest, count: int) -> None:
    if count:
        model_admin.message_user(
            request,
            ngettext(
                "%(count)d person moved up from the waiting list and was told by e-mail.",
                "%(count)d people moved up from the waiting list and were told by e-mail.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


# --- Inlines of an event ----------------------------------------------------------------------


class ProgrammeItemInline(admin.TabularInline):
    model = ProgrammeItem
    extra = 0
    fields = ("starts_at", "ends_at", "title", "speakers", "description")
    formfield_overrides = SMALL_TEXT


class RegistrationQuestionInline(admin.StackedInline):
    model = RegistrationQuestion
    extra = 0
    fields = (("label", "kind", "required", "position"), "help_text", "choices")


class RegistrationInline(ReadOnlyAdminMixin, admin.TabularInline):
    """Registrations go through the service, which counts the places."""

    model = Registration
    extra = 0
    still_allowed = ("change",)
    fields = (
        "participant",
        "organisation_display",
        "status",
        "created_at",
        "listed_consent",
        "needs",
        "attended_at",
    )
    readonly_fields = fields
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Registration]:
        return super().get_queryset(request).select_related("user", "organisation__authority")

    @admin.display(description=_("participant"))
    def participant(self, registration: Registration) -> str:
        return participant_name(registration)

    @admin.display(description=_("municipality or organisation"))
    def organisation_display(self, registration: Registration) -> str:
        return exports.organisation_name(registration)


# --- Events -----------------------------------------------------------------------------------


class EventAdmin(ChangeFormContextMixin, admin.ModelAdmin):
    """Registered by meetings/admin.py with the inlines and pages of the other capabilities."""

    list_display = ("title", "kind", "starts_at", "format", "audience", "status", "fill_rate")
    list_filter = ("status", "kind", "format", "audience", ("starts_at", admin.DateFieldListFilter))
    search_fields = ("title", "venue")
    date_hierarchy = "starts_at"
    inlines: ClassVar[tuple[type[InlineModelAdmin], ...]] = (
        ProgrammeItemInline,
        RegistrationQuestionInline,
        RegistrationInline,
    )
    actions: tuple[str, ...] = ("cancel_events",)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "kind",
                    "title",
                    "description",
                    "status",
                    "cancelled_at",
                    "copied_from_display",
                )
            },
        ),
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
        (_("E-mails"), {"fields": ("remind_hours_before", "followup_note")}),
    )
    readonly_fields = ("cancelled_at", "copied_from_display")
    # Links typed without a scheme are meeting rooms on the web: https, as Django 6 will do.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    # The event's pages (see get_urls) linked on its change page for those who may see the
    # registrations; "message" only for those who may change them.
    tools: tuple[str, ...] = (
        "participants_csv",
        "participants_xlsx",
        "participants_pdf",
        "participant_list_pdf",
        "badges_pdf",
    )

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "status" and formfield is not None:
            formfield.help_text = _(
                "Saving the event as cancelled tells everyone with a place or on the waiting "
                "list by e-mail. To add a message to them, use the action on the list instead."
            )
        return formfield

    def get_queryset(self, request: HttpRequest) -> QuerySet[Event]:
        return with_places_taken(super().get_queryset(request), "registrations")

    @admin.display(description=_("fill rate"))
    def fill_rate(self, event: Event) -> str:
        return places_taken(event, event.capacity)

    @admin.display(description=_("copied from"))
    def copied_from_display(self, event: Event) -> str:
        return copied_from_link(self, event)

    # --- Saving: a change of status to "cancelled" tells everyone registered ------------

    def save_model(self, request: HttpRequest, obj: Event, form: Any, change: bool) -> None:
        cancelling = (
            change
            and "status" in form.changed_data
            and obj.status == Event.Status.CANCELLED
            and form.initial.get("status") != Event.Status.CANCELLED
        )
        if cancelling:
            # notices.cancel_event sets the status itself, together with the mails.
            obj.status = form.initial["status"]
        revised = Event.CALENDAR_FIELDS.intersection(form.changed_data)
        if cancelling:
            revised -= {"status"}  # counted by notices.cancel_event
        if change and revised:
            obj.revise()  # calendars take the event's new file as an update
        super().save_model(request, obj, form, change)
        if cancelling:
            count = notices.cancel_event(obj, logged_in_user(request))
            self.message_user(request, _cancelled_message(1, count), messages.SUCCESS)
        elif change and {"capacity", "waitlist_enabled", "status"} & set(form.changed_data):
            report_moved_up(self, request, len(services.fill_free_places(obj)))

    # --- Change page: the tools of the event --------------------------------------------

    def change_form_context(self, request: HttpRequest, obj: Event | None) -> dict[str, Any]:
        return {"tool_urls": self._tool_urls(request, obj)} if obj is not None and obj.pk else {}

    def _tool_urls(self, request: HttpRequest, event: Event) -> dict[str, str]:
        if not may_view_registrations(request):
            return {}
        urls = {name: object_url(self, name, event) for name in self.tools}
        if may_change_registrations(request):
            urls["message"] = object_url(self, "message", event)
        return urls

    def get_urls(self) -> list[URLPattern]:
        own = own_urls(
            self,
            [
                ("<path:object_id>/participants.csv", "participants_csv", self.csv_view),
                ("<path:object_id>/participants.xlsx", "participants_xlsx", self.xlsx_view),
                ("<path:object_id>/participants.pdf", "participants_pdf", self.team_list_view),
                (
                    "<path:object_id>/participant-list.pdf",
                    "participant_list_pdf",
                    self.participant_list_view,
                ),
                ("<path:object_id>/badges.pdf", "badges_pdf", self.badges_view),
                ("<path:object_id>/message/", "message", self.message_view),
            ],
        )
        return own + super().get_urls()

    # --- Lists and badges ---------------------------------------------------------------

    def _event_for_lists(self, request: HttpRequest, object_id: str) -> Event:
        event = admin_object(self, request, object_id)
        if not may_view_registrations(request):
            raise PermissionDenied
        return cast(Event, event)

    def csv_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return exports.csv_export(self._event_for_lists(request, object_id))

    def xlsx_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return exports.xlsx_export(self._event_for_lists(request, object_id))

    def team_list_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        event = self._event_for_lists(request, object_id)
        content = pdf.participant_list(event, for_participants=False)
        return exports.pdf_response(event, content, gettext("participants for the team"))

    def participant_list_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        event = self._event_for_lists(request, object_id)
        content = pdf.participant_list(event, for_participants=True)
        return exports.pdf_response(event, content, gettext("list of participants"))

    def badges_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        event = self._event_for_lists(request, object_id)
        if not event.registrations.filter(status=Status.CONFIRMED).exists():
            self.message_user(
                request,
                gettext("There are no confirmed participants to make name badges for."),
                messages.WARNING,
            )
            return HttpResponseRedirect(object_url(self, "change", event))
        return exports.pdf_response(event, pdf.badges(event), gettext("name badges"))

    # --- E-mail to all registrants ------------------------------------------------------

    def message_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        event = admin_object(self, request, object_id)
        if not may_change_registrations(request):
            raise PermissionDenied
        counts = dict(
            event.registrations.filter(status__in=Registration.ACTIVE)
            .values_list("status")
            .annotate(count=Count("pk"))
            .values_list("status", "count")
        )
        form = MessageForm(request.POST if request.method == "POST" else None, counts=counts)
        if form.is_bound and form.is_valid():
            try:
                sent = notices.message_registrants(
                    event,
                    list(form.cleaned_data["statuses"]),
                    form.cleaned_data["subject"],
                    form.cleaned_data["body"],
                    logged_in_user(request),
                )
            except ValidationError as error:
                form.add_error(ERROR_FIELDS.get(error.code or ""), error)
            else:
                self.message_user(
                    request,
                    ngettext(
                        "The e-mail has been queued for %(count)d person.",
                        "The e-mail has been queued for %(count)d people.",
                        sent,
                    )
                    % {"count": sent},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(object_url(self, "change", event))
        chosen = request.POST.getlist("statuses") if form.is_bound else [Status.CONFIRMED]
        return admin_page(
            self,
            request,
            "admin/meetings/event/message.html",
            gettext("E-mail to the registrants"),
            original=event,
            form=form,
            recipients=sum(counts.get(status, 0) for status in chosen if status in counts),
        )

    # --- Cancelling events from the list ------------------------------------------------

    @admin.action(description=_("Cancel events and notify registrants"), permissions=["change"])
    def cancel_events(
        self, request: HttpRequest, queryset: QuerySet[Event]
    ) -> TemplateResponse | None:
        confirmed = "apply" in request.POST
        form = CancelEventsForm(request.POST if confirmed else None)
        if confirmed and form.is_valid():
            events = mails = 0
            for event in queryset.exclude(status=Event.Status.CANCELLED):
                mails += notices.cancel_event(
                    event, logged_in_user(request), form.cleaned_data["message"]
                )
                events += 1
            if events:
                self.message_user(request, _cancelled_message(events, mails), messages.SUCCESS)
            else:
                self.message_user(
                    request,
                    gettext("The selected events had already been cancelled."),
                    messages.INFO,
                )
            return None
        return admin_page(
            self,
            request,
            "admin/meetings/event/cancel_events.html",
            gettext("Cancel events and notify registrants"),
            action="cancel_events",
            events=list(queryset),
            form=form,
        )


def _cancelled_message(events: int, mails: int) -> str:
    cancelled = ngettext(
        "%(count)d event has been cancelled.", "%(count)d events have been cancelled.", events
    ) % {"count": events}
    told = ngettext(
        "%(count)d registrant is being told by e-mail.",
        "%(count)d registrants are being told by e-mail.",
        mails,
    ) % {"count": mails}
    return f"{cancelled} {told}"
