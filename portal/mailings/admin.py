"""Information e-mails in Django admin: writing, choosing the audience, previewing, sending.

Staff with the right to add or change mailings write drafts; only those with
"portal.send_mailing" send tests, send, schedule and cancel. What a mailing is and how it goes
out is portal.mailings' business: these views call it and show its refusals as messages. The
audience is a list of segment choices (portal.segments) edited as rows of a small formset, so
that the page works without JavaScript.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from typing import Any, cast
from zoneinfo import ZoneInfo

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import URLPattern, path, reverse
from django.utils import formats, timezone
from django.utils.cache import patch_vary_headers
from django.utils.decorators import method_decorator
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from portal import markdown
from portal.admin_tools.pages import admin_object, admin_page
from portal.http import HtmxHttpRequest
from portal.mailings import segments
from portal.mailings import services as mailings
from portal.models import (
    FailedAddress,
    Mailing,
    MailingRecipient,
    OutboundEmail,
    Topic,
    Unsubscribe,
    User,
)

BERLIN = ZoneInfo("Europe/Berlin")
# Nothing of these has gone out yet: they may be changed, sent or scheduled (again).
EDITABLE = (Mailing.Status.DRAFT, Mailing.Status.SCHEDULED, Mailing.Status.CANCELLED)
WITH_PROGRESS = (Mailing.Status.SENDING, Mailing.Status.SENT)
TEMPLATES = "admin/portal/mailing/"
SEND_PERMISSION = "portal.send_mailing"
MARKDOWN_HELP = _(
    "Markdown: an empty line between paragraphs, **bold**, *italic*, "
    "[text of the link](https://…), lists with “-” or “1.”, headings with “##”, quotes with "
    "“>”. No images; HTML is removed. The greeting and the unsubscribe link are added by "
    "themselves."
)


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # admin views are only open to logged-in staff


def _may_send(request: HttpRequest) -> bool:
    return request.user.has_perm(SEND_PERMISSION)


def _reasons(error: ValidationError) -> list[str]:
    return [str(message) for message in error.messages]


# --- The audience: rows of segment choices ----------------------------------------------------


def parameter_field_name(segment_key: str, parameter: str) -> str:
    """The form field of a segment's parameter; each segment has its own, so names never
    clash between segments."""
    return f"{segment_key.replace('.', '_')}__{parameter}"


def choice_initial(choice: Mapping[str, Any]) -> dict[str, Any]:
    """The initial data of an AudienceRowForm for a stored choice (also used by surveys)."""
    key = str(choice.get("segment", ""))
    initial = {"segment": key}
    for name, value in choice.items():
        if name != "segment":
            initial[parameter_field_name(key, name)] = value
    return initial


class AudienceRowForm(forms.Form):
    """One segment with its parameters. The form holds the parameter fields of every segment
    (there is no JavaScript to swap them); only those of the chosen segment count."""

    segment = forms.ChoiceField(label=_("Segment"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        registered = segments.segments()
        segment_field = cast(forms.ChoiceField, self.fields["segment"])
        segment_field.choices = [
            ("", gettext("– none –")),
            *((segment.key, segment.label) for segment in registered),
        ]
        # segment key -> {parameter: form field name}
        self.parameters: dict[str, dict[str, str]] = {}
        for segment in registered:
            names = {}
            for name, field in segment.parameter_fields().items():
                field_name = parameter_field_name(segment.key, name)
                field.required = False  # required only when its segment is chosen
                self.fields[field_name] = field
                names[name] = field_name
            self.parameters[segment.key] = names

    def parameter_groups(self) -> list[dict[str, Any]]:
        """The parameter fields by segment, for the template."""
        return [
            {
                "key": key,
                "css": key.replace(".", "-"),
                "label": segments.get_segment(key).label,
                "fields": [self[field_name] for field_name in names.values()],
            }
            for key, names in self.parameters.items()
            if names
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        key = cleaned.get("segment") or ""
        own = self.parameters.get(key, {})
        for names in self.parameters.values():
            for field_name in names.values():
                if field_name not in own.values():
                    # What was left in another segment's fields does not matter.
                    self.errors.pop(field_name, None)
                    cleaned.pop(field_name, None)
        cleaned["choice"] = None
        if not key or any(field_name in self.errors for field_name in own.values()):
            return cleaned
        choice: dict[str, Any] = {"segment": key}
        for name, field_name in own.items():
            value = cleaned.get(field_name)
            choice[name] = value.pk if isinstance(value, models.Model) else value
        try:
            cleaned["choice"] = segments.clean_choice(choice)
        except ValidationError as error:
            for name, problems in error.message_dict.items():
                self.add_error(own[name], problems)
        return cleaned


class AudienceFormSet(forms.BaseFormSet):
    def choices(self) -> list[dict[str, Any]]:
        return [
            form.cleaned_data["choice"] for form in self.forms if form.cleaned_data.get("choice")
        ]


IncludeFormSet = forms.formset_factory(AudienceRowForm, formset=AudienceFormSet, extra=2)
ExcludeFormSet = forms.formset_factory(AudienceRowForm, formset=AudienceFormSet, extra=1)


class MailingForm(forms.ModelForm):
    """Subject, text and topic, with the audience as two formsets: who gets it, who not."""

    class Meta:
        model = Mailing
        fields = ("subject", "body", "topic", "in_archive")
        help_texts = {"body": MARKDOWN_HELP}
        widgets = {
            "body": forms.Textarea(attrs={"rows": 18, "cols": 80, "class": "vLargeTextField"})
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        data = self.data if self.is_bound else None
        self.include_rows = cast(
            AudienceFormSet,
            IncludeFormSet(
                data, prefix="include", initial=[choice_initial(c) for c in self.instance.include]
            ),
        )
        self.exclude_rows = cast(
            AudienceFormSet,
            ExcludeFormSet(
                data, prefix="exclude", initial=[choice_initial(c) for c in self.instance.exclude]
            ),
        )

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        if len(body) > mailings.MAX_BODY_CHARS:
            raise ValidationError(
                _("The text is too long: %(length)s characters, at most %(limit)s are possible."),
                params={"length": f"{len(body):,}", "limit": f"{mailings.MAX_BODY_CHARS:,}"},
            )
        if not markdown.to_text(body).strip():
            raise ValidationError(
                _(
                    "Once formatted, the text shows nothing: e-mails leave out HTML tags and "
                    "comments. Please write the message as text."
                )
            )
        return body

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        include_valid = self.include_rows.is_valid()
        exclude_valid = self.exclude_rows.is_valid()
        if not (include_valid and exclude_valid):
            raise ValidationError(_("Please correct the audience below."), code="audience")
        cleaned["include"] = self.include_rows.choices()
        cleaned["exclude"] = self.exclude_rows.choices()
        return cleaned

    def save(self, commit: bool = True) -> Mailing:
        self.instance.include = self.cleaned_data["include"]
        self.instance.exclude = self.cleaned_data["exclude"]
        return super().save(commit)


# --- Forms of the sending pages ---------------------------------------------------------------


class ScheduleForm(forms.Form):
    """When to send, in German time whatever the server's clock says."""

    date = forms.DateField(
        label=_("Date"),
        input_formats=["%Y-%m-%d", "%d.%m.%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Please enter the date."),
            "invalid": _("Please enter a date such as 24.12.2026."),
        },
    )
    time = forms.TimeField(
        label=_("Time"),
        input_formats=["%H:%M", "%H:%M:%S"],
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("German time (Europe/Berlin)."),
        error_messages={
            "required": _("Please enter the time."),
            "invalid": _("Please enter a time such as 09:30."),
        },
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("date") and cleaned.get("time"):
            when = datetime.datetime.combine(cleaned["date"], cleaned["time"], tzinfo=BERLIN)
            if when <= timezone.now():
                self.add_error("date", _("Please choose a time in the future."))
            cleaned["when"] = when
        return cleaned


# --- Mailings ---------------------------------------------------------------------------------


def _recipients_with(status: str) -> Coalesce:
    counted = (
        MailingRecipient.objects.filter(mailing=OuterRef("pk"), outbound__status=status)
        .order_by()
        .values("mailing")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(counted), 0)


@admin.register(Mailing)
class MailingAdmin(admin.ModelAdmin):
    form = MailingForm
    list_display = ("subject", "status", "when", "recipients", "sent_failed")
    list_filter = ("status", "topic")
    search_fields = ("subject",)
    readonly_fields = (
        "status",
        "scheduled_at",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
        "recipient_count",
    )

    def get_fieldsets(self, request: HttpRequest, obj: Mailing | None = None) -> Any:
        fieldsets: list[tuple[Any, dict[str, Any]]] = [
            (None, {"fields": ("subject", "body")}),
            (_("Topic and archive"), {"fields": ("topic", "in_archive")}),
        ]
        if obj is not None:
            fieldsets.append((_("Sending"), {"fields": self.readonly_fields}))
        return fieldsets

    def get_queryset(self, request: HttpRequest) -> QuerySet[Mailing]:
        # Subqueries rather than joins: the list's COUNT(*) stays a plain count.
        return (
            super()
            .get_queryset(request)
            .annotate(
                sent_count=_recipients_with(OutboundEmail.Status.SENT),
                failed_count=_recipients_with(OutboundEmail.Status.FAILED),
            )
        )

    def has_change_permission(self, request: HttpRequest, obj: Mailing | None = None) -> bool:
        # What has gone out (or is going) stays as it was sent.
        if obj is not None and obj.status not in EDITABLE:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Mailing | None = None) -> bool:
        if obj is not None and obj.status not in (Mailing.Status.DRAFT, Mailing.Status.CANCELLED):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Mailing, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = _user(request)
        super().save_model(request, obj, form, change)

    # --- The list --------------------------------------------------------------------------

    @admin.display(description=_("scheduled / finished"), ordering="scheduled_at")
    def when(self, mailing: Mailing) -> str:
        moment = {
            Mailing.Status.SCHEDULED: mailing.scheduled_at,
            Mailing.Status.SENDING: mailing.started_at,
            Mailing.Status.SENT: mailing.finished_at,
        }.get(cast(Mailing.Status, mailing.status))
        if moment is None:
            return "–"
        return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")

    @admin.display(description=_("recipients"), ordering="recipient_count")
    def recipients(self, mailing: Mailing) -> str:
        return str(mailing.recipient_count) if mailing.status in WITH_PROGRESS else "–"

    @admin.display(description=_("sent / failed"))
    def sent_failed(self, mailing: Mailing) -> str:
        if mailing.status not in WITH_PROGRESS:
            return "–"
        sent = getattr(mailing, "sent_count", 0)
        failed = getattr(mailing, "failed_count", 0)
        return f"{sent} / {failed}"

    # --- The change page: audience, count, progress, tools -----------------------------------

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Mailing | None = None,
    ) -> HttpResponse:
        context["audience_editable"] = obj is None or self.has_change_permission(request, obj)
        context["may_send"] = _may_send(request)
        if obj is not None and obj.pk:
            context.update(self._audience_summary(obj))
            context.update(self._progress_context(obj))
            context["tool_urls"] = self._tool_urls(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def response_add(self, request: HttpRequest, obj: Mailing, *args: Any) -> HttpResponse:
        if "_preview" in request.POST:
            return HttpResponseRedirect(self._url("preview", obj))
        return super().response_add(request, obj, *args)

    def response_change(self, request: HttpRequest, obj: Mailing) -> HttpResponse:
        if "_preview" in request.POST:
            return HttpResponseRedirect(self._url("preview", obj))
        return super().response_change(request, obj)

    def _audience_summary(self, mailing: Mailing) -> dict[str, Any]:
        summary: dict[str, Any] = {
            "include_descriptions": [segments.describe(c) for c in mailing.include],
            "exclude_descriptions": [segments.describe(c) for c in mailing.exclude],
        }
        if mailing.status in EDITABLE:
            try:
                summary["recipients_now"] = len(mailings.recipients_for(mailing))
            except ValueError as error:
                summary["audience_problem"] = str(error)
        return summary

    def _progress_context(self, mailing: Mailing) -> dict[str, Any]:
        if mailing.status not in WITH_PROGRESS:
            return {}
        return {
            "progress": mailings.progress(mailing),
            "progress_polling": mailing.status == Mailing.Status.SENDING,
            "progress_url": self._url("progress", mailing),
            "change_url": self._url("change", mailing),
        }

    def _tool_urls(self, request: HttpRequest, mailing: Mailing) -> dict[str, str]:
        urls = {"preview": self._url("preview", mailing)}
        if _may_send(request) and mailing.status in EDITABLE:
            urls["send"] = self._url("send", mailing)
            urls["schedule"] = self._url("schedule", mailing)
            if mailing.status == Mailing.Status.SCHEDULED:
                urls["cancel"] = self._url("cancel", mailing)
        return urls

    def _url(self, name: str, mailing: Mailing) -> str:
        return reverse(f"admin:portal_mailing_{name}", args=[quote(mailing.pk)])

    def get_urls(self) -> list[URLPattern]:
        def view(function: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
            return self.admin_site.admin_view(function)

        own = [
            path(f"<path:object_id>/{name}/", view(function), name=f"portal_mailing_{name}")
            for name, function in (
                ("preview", self.preview_view),
                ("test", self.test_view),
                ("send", self.send_view),
                ("schedule", self.schedule_view),
                ("cancel", self.cancel_view),
                ("progress", self.progress_view),
            )
        ]
        return own + super().get_urls()

    def _mailing(self, request: HttpRequest, object_id: str, *, send: bool = False) -> Mailing:
        mailing = cast(Mailing, admin_object(self, request, object_id))
        if send and not _may_send(request):
            raise PermissionDenied
        return mailing

    def _page(
        self, request: HttpRequest, template: str, title: str, mailing: Mailing, **context: Any
    ) -> HttpResponse:
        return admin_page(
            self,
            request,
            TEMPLATES + template,
            title,
            original=mailing,
            change_url=self._url("change", mailing),
            **context,
        )

    # --- Preview and test -------------------------------------------------------------------

    # The sandboxed preview frame inherits this page's CSP; the mail's own style attributes
    # (its only inline styles: scripts stay refused) must apply there as in a mail program.
    @method_decorator(csp_update({"style-src-attr": [UNSAFE_INLINE]}))
    def preview_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        mailing = self._mailing(request, object_id)
        context: dict[str, Any] = {"may_send": _may_send(request)}
        try:
            subject, text, html = mailings.preview(mailing, _user(request))
        except ValidationError as error:
            context["problems"] = _reasons(error)
        else:
            context.update(subject=subject, text=text, html=html)
        if context["may_send"]:
            context["test_url"] = self._url("test", mailing)
            if mailing.status in EDITABLE:
                context["send_url"] = self._url("send", mailing)
        return self._page(request, "preview.html", gettext("Preview"), mailing, **context)

    def test_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        mailing = self._mailing(request, object_id, send=True)
        try:
            mailings.send_test(mailing, _user(request))
        except ValidationError as error:
            for reason in _reasons(error):
                self.message_user(request, reason, messages.ERROR)
        else:
            self.message_user(
                request,
                gettext("A test has been sent to %(email)s.") % {"email": _user(request).email},
                messages.SUCCESS,
            )
        return HttpResponseRedirect(self._url("preview", mailing))

    # --- Sending now, scheduling, cancelling ------------------------------------------------

    def _sending_context(self, mailing: Mailing) -> dict[str, Any]:
        """The count, the audience and what stops the mailing from going out, if anything."""
        context: dict[str, Any] = {
            "include_descriptions": [segments.describe(c) for c in mailing.include],
            "exclude_descriptions": [segments.describe(c) for c in mailing.exclude],
        }
        try:
            mailings.validate_for_sending(mailing)
            context["count"] = len(mailings.recipients_for(mailing))
        except ValidationError as error:
            context["problems"] = _reasons(error)
        except ValueError as error:
            context["problems"] = [str(error)]
        return context

    def send_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        mailing = self._mailing(request, object_id, send=True)
        if request.method != "POST":
            return self._page(
                request,
                "send.html",
                gettext("Send the information e-mail now"),
                mailing,
                **self._sending_context(mailing),
            )
        try:
            # The count before sending: the recipients are stored a moment later, by a task.
            count = len(mailings.recipients_for(mailing))
            mailings.send_now(mailing, _user(request))
        except ValidationError as error:
            for reason in _reasons(error):
                self.message_user(request, reason, messages.ERROR)
            return HttpResponseRedirect(self._url("change", mailing))
        except ValueError as error:  # a segment that cannot be resolved any more
            self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(self._url("change", mailing))
        self.message_user(
            request,
            ngettext(
                "Sending the information e-mail to %(count)d person has started.",
                "Sending the information e-mail to %(count)d people has started.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(self._url("change", mailing))

    def schedule_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        mailing = self._mailing(request, object_id, send=True)
        initial = {}
        if mailing.scheduled_at:
            local = timezone.localtime(mailing.scheduled_at, BERLIN)
            initial = {"date": local.date(), "time": local.time()}
        form = ScheduleForm(request.POST if request.method == "POST" else None, initial=initial)
        if form.is_bound and form.is_valid():
            when = form.cleaned_data["when"]
            try:
                mailings.schedule(mailing, when, _user(request))
            except ValidationError as error:
                form.add_error(None, _reasons(error))
            else:
                self.message_user(
                    request,
                    gettext("The information e-mail will be sent on %(when)s.")
                    % {"when": formats.date_format(when.astimezone(BERLIN), "DATETIME_FORMAT")},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(self._url("change", mailing))
        return self._page(
            request,
            "schedule.html",
            gettext("Schedule the information e-mail"),
            mailing,
            form=form,
            **self._sending_context(mailing),
        )

    def cancel_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        mailing = self._mailing(request, object_id, send=True)
        if request.method == "POST":
            try:
                mailings.cancel(mailing, _user(request))
            except ValidationError as error:
                for reason in _reasons(error):
                    self.message_user(request, reason, messages.ERROR)
            else:
                self.message_user(
                    request, gettext("The schedule has been cancelled."), messages.SUCCESS
                )
            return HttpResponseRedirect(self._url("change", mailing))
        return self._page(request, "cancel.html", gettext("Cancel the schedule"), mailing)

    # --- Progress while sending -------------------------------------------------------------

    def progress_view(self, request: HtmxHttpRequest, object_id: str) -> HttpResponse:
        mailing = self._mailing(request, object_id)
        if not request.htmx:
            return HttpResponseRedirect(self._url("change", mailing) + "#mailing-progress")
        context = {"original": mailing, **self._progress_context(mailing)}
        response = HttpResponse(
            render_to_string(TEMPLATES + "change_form.html#progress", context, request=request)
        )
        patch_vary_headers(response, ["HX-Request"])
        return response


# --- Topics, failed addresses, unsubscribes ---------------------------------------------------


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "position", "subscriber_count")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    fields = ("name", "slug", "description", "position")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Topic]:
        return super().get_queryset(request).annotate(subscribers=Count("subscriptions"))

    @admin.display(description=_("subscribers"), ordering="subscribers")
    def subscriber_count(self, topic: Topic) -> int:
        return getattr(topic, "subscribers", 0)


class FixedFilter(admin.SimpleListFilter):
    title = _("fixed")
    parameter_name = "fixed"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("no", _("not yet")), ("yes", _("fixed"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "no":
            return queryset.filter(cleared_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(cleared_at__isnull=False)
        return queryset


@admin.register(FailedAddress)
class FailedAddressAdmin(admin.ModelAdmin):
    """Addresses the mail server refused for good: mailings skip them until staff mark them as
    fixed (for example after the person gave a new address or the mailbox works again)."""

    list_display = ("email", "short_reason", "failed_at", "is_fixed")
    list_filter = (FixedFilter, "failed_at")
    search_fields = ("email", "reason")
    date_hierarchy = "failed_at"
    fields = ("email", "reason", "failed_at", "cleared_at")
    readonly_fields = fields
    actions = ("mark_fixed",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

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


@admin.register(Unsubscribe)
class UnsubscribeAdmin(admin.ModelAdmin):
    """Who asked for no more information e-mails, when and how: a record, not to be edited."""

    list_display = ("email", "topic_display", "source", "created_at")
    list_filter = ("source", "topic", "created_at")
    search_fields = ("email",)
    date_hierarchy = "created_at"
    list_select_related = ("topic",)
    fields = ("email", "topic", "source", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("topic"), ordering="topic__name")
    def topic_display(self, unsubscribe: Unsubscribe) -> str:
        return str(unsubscribe.topic) if unsubscribe.topic else gettext("all information e-mails")
