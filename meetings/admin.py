"""The network team's side of events in Django admin.

Staff keep events with their programme, time slots (sessions have their own page, as admin
has no nested inlines) and documentation; they see the registrations with the fill rate, check
people in at the door, export participant lists and name badges, write to everyone registered
and cancel events. Places are only ever given by meetings.events.services, mails only go
through meetings.events.notices and the outbox.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import URLPattern, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

import meetings.library.admin  # noqa: F401 - registers the library's admin
from meetings.checkin import views as checkin
from meetings.documents.models import EventDocument
from meetings.documents.services import file_name, validate_event_document
from meetings.events import exports, notices, pdf, services
from meetings.events.models import (
    Event,
    ProgrammeItem,
    Registration,
    RegistrationQuestion,
    participant_email,
    participant_name,
)
from meetings.sessions import services as sessions
from meetings.sessions.models import Session, TimeSlot
from members.models import Organisation
from portal.admin_tools.lists import QuickChangelistMixin
from portal.admin_tools.pages import (
    ChangeFormContextMixin,
    ReadOnlyAdminMixin,
    admin_object,
    admin_page,
    filled_or_empty_filter,
    object_url,
    own_urls,
)
from portal.admin_tools.widgets import SafeAutocompleteMixin
from portal.http import HtmxHttpRequest
from portal.models import User

Status = Registration.Status
SUBJECT_MAX_LENGTH = 200
BODY_MAX_LENGTH = 10_000
CANCEL_MESSAGE_MAX_LENGTH = 5_000
TOO_LONG = _("Please use at most %(limit_value)d characters (now %(show_value)d).")
# Where a refusal of meetings.events.notices.message_registrants belongs on the form.
ERROR_FIELDS = {"no_subject": "subject", "no_body": "body", "no_recipients": "statuses"}


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # admin views are only open to logged-in staff


def _may_view_registrations(request: HttpRequest) -> bool:
    user = request.user
    return user.has_perm("meetings.view_registration") or user.has_perm(
        "meetings.change_registration"
    )


def _may_change_registrations(request: HttpRequest) -> bool:
    return request.user.has_perm("meetings.change_registration")


def _organisation(registration: Registration) -> str:
    return exports.organisation_name(registration)


SMALL_TEXT: dict[type[models.Field], dict[str, Any]] = {
    models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 40})}
}


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


class EventDocumentForm(forms.ModelForm):
    """An uploaded document is checked by its content; type and size are stored with it."""

    class Meta:
        model = EventDocument
        fields = ("title", "kind", "visibility", "file")

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if isinstance(upload, UploadedFile):
            content_type = validate_event_document(upload)
            self.instance.content_type = content_type
            self.instance.size = upload.size or 0
            title = self.cleaned_data.get("title") or upload.name or ""
            # The stored name tells what the file really is, whatever the upload was called.
            upload.name = file_name(title, content_type)
        return upload


class EventDocumentInline(admin.TabularInline):
    model = EventDocument
    form = EventDocumentForm
    extra = 0
    fields = ("title", "kind", "visibility", "file", "size_display", "download")
    readonly_fields = ("size_display", "download")

    @admin.display(description=_("size"))
    def size_display(self, document: EventDocument) -> str:
        return filesizeformat(document.size) if document.pk else "–"

    @admin.display(description=_("open"))
    def download(self, document: EventDocument) -> str:
        if not document.pk:
            return "–"
        url = reverse("meetings:document", args=[document.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Open"))


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
        return _organisation(registration)


# --- Forms of the event's tools ---------------------------------------------------------------


class CancelEventsForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the registrants (optional)"),
        required=False,
        max_length=CANCEL_MESSAGE_MAX_LENGTH,
        error_messages={"max_length": TOO_LONG},
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80, "class": "vLargeTextField"}),
        help_text=_(
            "Added to the cancellation e-mail, for example the reason or a new date. Everyone "
            "with a place or on the waiting list gets the e-mail."
        ),
    )


RECIPIENT_CHOICES = [
    (Status.CONFIRMED.value, pgettext_lazy("recipients", "participants with a place")),
    (Status.WAITLISTED.value, pgettext_lazy("recipients", "people on the waiting list")),
]


class MessageForm(forms.Form):
    """Staff's e-mail to the registrants of an event; meetings.events.notices sends it."""

    statuses = forms.MultipleChoiceField(
        label=_("To"),
        choices=RECIPIENT_CHOICES,
        initial=[Status.CONFIRMED],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Please choose who gets the e-mail.")},
    )
    subject = forms.CharField(
        label=_("Subject"),
        max_length=SUBJECT_MAX_LENGTH,
        widget=forms.TextInput(attrs={"class": "vTextField"}),
        error_messages={"required": _("Please enter a subject."), "max_length": TOO_LONG},
    )
    body = forms.CharField(
        label=_("Text"),
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 14, "cols": 80, "class": "vLargeTextField"}),
        help_text=_(
            "Plain text. The e-mail greets each person by name and ends with a link to their "
            "registration."
        ),
        error_messages={
            "required": _("Please enter the text of the e-mail."),
            "max_length": TOO_LONG,
        },
    )

    def __init__(self, *args: Any, counts: dict[str, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.MultipleChoiceField, self.fields["statuses"])
        # The number of recipients of each choice, so that staff see whom they write to.
        field.choices = [
            (value, f"{label} ({counts.get(value, 0)})") for value, label in RECIPIENT_CHOICES
        ]


# --- Events -----------------------------------------------------------------------------------


@admin.register(Event)
class EventAdmin(ChangeFormContextMixin, admin.ModelAdmin):
    list_display = ("title", "kind", "starts_at", "format", "audience", "status", "fill_rate")
    list_filter = ("status", "kind", "format", "audience", ("starts_at", admin.DateFieldListFilter))
    search_fields = ("title", "venue")
    date_hierarchy = "starts_at"
    inlines = (
        ProgrammeItemInline,
        RegistrationQuestionInline,
        TimeSlotInline,
        EventDocumentInline,
        RegistrationInline,
    )
    actions = ("cancel_events",)
    fieldsets = (
        (None, {"fields": ("kind", "title", "description", "status", "cancelled_at")}),
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
    readonly_fields = ("cancelled_at",)
    # Links typed without a scheme are meeting rooms on the web: https, as Django 6 will do.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "status" and formfield is not None:
            formfield.help_text = _(
                "Saving the event as cancelled tells everyone with a place or on the waiting "
                "list by e-mail. To add a message to them, use the action on the list instead."
            )
        return formfield

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

    # --- Saving: a change of status to "cancelled" tells everyone registered ------------

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        if formset.model is EventDocument:
            # A replaced file must not stay on the disk (removed documents: see documents.py).
            stale = [
                document_form.initial["file"].name
                for document_form in formset.initial_forms
                if "file" in document_form.changed_data and document_form.initial.get("file")
            ]
            storage = EventDocument._meta.get_field("file").storage

            def remove() -> None:
                for name in stale:
                    if name:
                        storage.delete(name)

            transaction.on_commit(remove)

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
        super().save_model(request, obj, form, change)
        if cancelling:
            count = notices.cancel_event(obj, _user(request))
            self.message_user(request, _cancelled_message(1, count), messages.SUCCESS)
        elif change and {"capacity", "waitlist_enabled", "status"} & set(form.changed_data):
            _report_moved_up(self, request, len(services.fill_free_places(obj)))

    # --- Change page: the tools of the event --------------------------------------------

    def change_form_context(self, request: HttpRequest, obj: Event | None) -> dict[str, Any]:
        return {"tool_urls": self._tool_urls(request, obj)} if obj is not None and obj.pk else {}

    def _tool_urls(self, request: HttpRequest, event: Event) -> dict[str, str]:
        urls: dict[str, str] = {}
        if not _may_view_registrations(request):
            return urls
        for name in (
            "checkin",
            "participants_csv",
            "participants_xlsx",
            "participants_pdf",
            "participant_list_pdf",
            "badges_pdf",
        ):
            urls[name] = object_url(self, name, event)
        if _may_change_registrations(request):
            urls["message"] = object_url(self, "message", event)
        return urls

    def get_urls(self) -> list[URLPattern]:
        own = own_urls(
            self,
            [
                ("<path:object_id>/checkin/", "checkin", self.checkin_view),
                (
                    "<path:object_id>/checkin/<int:registration_id>/",
                    "checkin_mark",
                    self.checkin_mark_view,
                ),
                (
                    "<path:object_id>/participants.csv",
                    "participants_csv",
                    self.participants_csv_view,
                ),
                (
                    "<path:object_id>/participants.xlsx",
                    "participants_xlsx",
                    self.participants_xlsx_view,
                ),
                (
                    "<path:object_id>/participants.pdf",
                    "participants_pdf",
                    self.participants_pdf_view,
                ),
                (
                    "<path:object_id>/participant-list.pdf",
                    "participant_list_pdf",
                    self.participant_list_pdf_view,
                ),
                ("<path:object_id>/badges.pdf", "badges_pdf", self.badges_pdf_view),
                ("<path:object_id>/message/", "message", self.message_view),
            ],
        )
        return own + super().get_urls()

    # --- Check-in (meetings.checkin) ----------------------------------------------------

    def checkin_view(self, request: HtmxHttpRequest, object_id: str) -> HttpResponse:
        return checkin.page(self, request, object_id)

    def checkin_mark_view(
        self, request: HtmxHttpRequest, object_id: str, registration_id: int
    ) -> HttpResponse:
        return checkin.mark(self, request, object_id, registration_id)

    # --- Lists and badges ---------------------------------------------------------------

    def _event_for_lists(self, request: HttpRequest, object_id: str) -> Event:
        event = admin_object(self, request, object_id)
        if not _may_view_registrations(request):
            raise PermissionDenied
        return cast(Event, event)

    def participants_csv_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return exports.csv_export(self._event_for_lists(request, object_id))

    def participants_xlsx_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return exports.xlsx_export(self._event_for_lists(request, object_id))

    def participants_pdf_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        event = self._event_for_lists(request, object_id)
        return exports.file_response(
            pdf.participant_list(event, for_participants=False),
            "application/pdf",
            exports.filename(event, gettext("participants for the team"), "pdf"),
        )

    def participant_list_pdf_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        event = self._event_for_lists(request, object_id)
        return exports.file_response(
            pdf.participant_list(event, for_participants=True),
            "application/pdf",
            exports.filename(event, gettext("list of participants"), "pdf"),
        )

    def badges_pdf_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        event = self._event_for_lists(request, object_id)
        if not event.registrations.filter(status=Status.CONFIRMED).exists():
            self.message_user(
                request,
                gettext("There are no confirmed participants to make name badges for."),
                messages.WARNING,
            )
            return HttpResponseRedirect(object_url(self, "change", event))
        return exports.file_response(
            pdf.badges(event),
            "application/pdf",
            exports.filename(event, gettext("name badges"), "pdf"),
        )

    # --- E-mail to all registrants ------------------------------------------------------

    def message_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        event = admin_object(self, request, object_id)
        if not _may_change_registrations(request):
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
                    _user(request),
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
                mails += notices.cancel_event(event, _user(request), form.cleaned_data["message"])
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


# --- Time slots and their sessions ------------------------------------------------------------


class SessionInline(admin.TabularInline):
    model = Session
    extra = 0
    fields = ("title", "speakers", "room", "capacity", "places_taken", "description")
    readonly_fields = ("places_taken",)
    formfield_overrides = SMALL_TEXT

    def get_queryset(self, request: HttpRequest) -> QuerySet[Session]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                confirmed_count=Count("choices", filter=Q(choices__status="confirmed")),
                waitlisted_count=Count("choices", filter=Q(choices__status="waitlisted")),
            )
        )

    @admin.display(description=_("confirmed (+waiting)"))
    def places_taken(self, session: Session) -> str:
        if not session.pk:
            return "–"
        confirmed = getattr(session, "confirmed_count", 0)
        waiting = getattr(session, "waitlisted_count", 0)
        places = f"{confirmed}/{session.capacity}" if session.capacity else str(confirmed)
        return f"{places} (+{waiting})" if waiting else places


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
            len(sessions.fill_free_places(session))
            for session, changed in formset.changed_objects
            if "capacity" in changed
        )
        _report_moved_up(self, request, moved_up)


def _report_moved_up(model_admin: admin.ModelAdmin, request: HttpRequest, count: int) -> None:
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


# --- Registrations ----------------------------------------------------------------------------


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
        return _organisation(registration)

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
