"""Information e-mails in Django admin: writing, choosing the audience, previewing, sending.

Staff with the right to add or change mailings write drafts; only those with
"portal.send_mailing" send tests, send, schedule and cancel. What a mailing is and how it goes
out is the business of portal.mailings' services: these views call them and show their refusals
as messages. The forms are in portal.mailings.forms; topics and unsubscribes have their lists in
portal.mailings.admin_lists.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.cache import patch_vary_headers
from django.utils.decorators import method_decorator
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from portal.admin_tools.pages import (
    ChangeFormContextMixin,
    OwnPagesMixin,
    admin_object,
    admin_page,
    copied_from_link,
    copies_made,
    object_url,
)
from portal.http import HtmxHttpRequest, logged_in_user
from portal.mailings import segments, services
from portal.mailings.audience import recipients_for, validate_for_sending
from portal.mailings.forms import BERLIN, MailingForm, ScheduleForm
from portal.mailings.letters import preview
from portal.mailings.models import Mailing, MailingRecipient
from portal.outbox.models import OutboundEmail

# Nothing of these has gone out yet: they may be changed, sent or scheduled (again).
EDITABLE = (Mailing.Status.DRAFT, Mailing.Status.SCHEDULED, Mailing.Status.CANCELLED)
WITH_PROGRESS = (Mailing.Status.SENDING, Mailing.Status.SENT)
TEMPLATES = "admin/portal/mailing/"
SEND_PERMISSION = "portal.send_mailing"


def _may_send(request: HttpRequest) -> bool:
    return request.user.has_perm(SEND_PERMISSION)


def _reasons(error: ValidationError) -> list[str]:
    return [str(message) for message in error.messages]


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
class MailingAdmin(ChangeFormContextMixin, OwnPagesMixin, admin.ModelAdmin):
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
        "copied_from_display",
    )
    actions = ("copy_as_template",)

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
            obj.created_by = logged_in_user(request)
        super().save_model(request, obj, form, change)

    # No page in between: a mailing has no date to move; its copy is a draft to edit.
    @admin.action(
        description=_("Copy as template for new information e-mails"), permissions=["add"]
    )
    def copy_as_template(
        self, request: HttpRequest, queryset: QuerySet[Mailing]
    ) -> HttpResponse | None:
        user = logged_in_user(request)
        return copies_made(
            self, request, [services.copy_mailing(mailing, user) for mailing in queryset]
        )

    @admin.display(description=_("copied from"))
    def copied_from_display(self, mailing: Mailing) -> str:
        return copied_from_link(self, mailing)

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

    def change_form_context(self, request: HttpRequest, obj: Mailing | None) -> dict[str, Any]:
        context: dict[str, Any] = {
            "audience_editable": obj is None or self.has_change_permission(request, obj),
            "may_send": _may_send(request),
        }
        if obj is not None and obj.pk:
            context.update(self._audience_summary(obj))
            context.update(self._progress_context(obj))
            context["tool_urls"] = self._tool_urls(request, obj)
        return context

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
                summary["recipients_now"] = len(recipients_for(mailing))
            except ValueError as error:
                summary["audience_problem"] = str(error)
        return summary

    def _progress_context(self, mailing: Mailing) -> dict[str, Any]:
        if mailing.status not in WITH_PROGRESS:
            return {}
        return {
            "progress": services.progress(mailing),
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
        return object_url(self, name, mailing)

    def own_pages(self) -> list[tuple[str, str, Any]]:
        return [
            (f"<path:object_id>/{name}/", name, function)
            for name, function in (
                ("preview", self.preview_view),
                ("test", self.test_view),
                ("send", self.send_view),
                ("schedule", self.schedule_view),
                ("cancel", self.cancel_view),
                ("progress", self.progress_view),
            )
        ]

    def _refused(self, request: HttpRequest, error: ValidationError) -> None:
        """Each reason why the services refused a step, as an error message."""
        for reason in _reasons(error):
            self.message_user(request, reason, messages.ERROR)

    def _carry_out(self, request: HttpRequest, step: Callable[[], object], done: str) -> None:
        """A step of the services: `done` as success message, or each reason it was refused."""
        try:
            step()
        except ValidationError as error:
            self._refused(request, error)
        else:
            self.message_user(request, done, messages.SUCCESS)

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
            subject, text, html = preview(mailing, logged_in_user(request))
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
        user = logged_in_user(request)
        self._carry_out(
            request,
            lambda: services.send_test(mailing, user),
            gettext("A test has been sent to %(email)s.") % {"email": user.email},
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
            validate_for_sending(mailing)
            context["count"] = len(recipients_for(mailing))
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
            count = len(recipients_for(mailing))
            services.send_now(mailing, logged_in_user(request))
        except ValidationError as error:
            self._refused(request, error)
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
                services.schedule(mailing, when, logged_in_user(request))
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
            self._carry_out(
                request,
                lambda: services.cancel(mailing, logged_in_user(request)),
                gettext("The schedule has been cancelled."),
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
