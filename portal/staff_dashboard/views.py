"""The staff's overview of the network in Django admin (/admin/uebersicht/).

The figures belong to the domain apps (members, applications, events, signatures), and portal
must not import them: each app registers its panels here in its AppConfig.ready(), as with the
personal dashboard (portal.pages.dashboard). A panel is a function `(request) -> SafeString | None`;
it returns None when the member of staff may not see its model in admin, so that nobody
reads numbers on the overview that admin would not show them. Panels count with a fixed
number of queries, however much data there is.

The page sits in admin's URL namespace and behind admin_view: only active staff get in, and
the staff-MFA rule (portal.accounts.middleware) covers it like every other page under /admin/.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.admin.sites import AdminSite
from django.contrib.admin.utils import quote
from django.db.models import F, Model
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from portal.dashboard import Panels
from portal.mailings import letters
from portal.mailings import services as mailings
from portal.mailings.models import Mailing
from portal.outbox.models import OutboundEmail
from portal.yearly_report import views as yearly_report

_panels = Panels()
register_staff_panel = _panels.register
render_staff_panels = _panels.render

TEMPLATE = "admin/staff_dashboard.html"


# --- Helpers for panels -----------------------------------------------------------------------


def may_view(request: HttpRequest, model: type[Model]) -> bool:
    """Whether admin would show this person the model's list: its ModelAdmin decides, so a
    panel follows the same rule as the list its numbers link to."""
    try:
        model_admin = admin.site.get_model_admin(model)
    except NotRegistered:
        opts = model._meta
        return any(
            request.user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}")
            for action in ("view", "change")
        )
    return model_admin.has_view_or_change_permission(request)


def changelist_url(model: type[Model], **filters: Any) -> str:
    """The admin list of the model, filtered as given (the list's own filter parameters,
    such as status__exact="submitted")."""
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    return f"{url}?{urlencode(filters)}" if filters else url


def change_url(obj: Model) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[quote(obj.pk)])


# --- The page ---------------------------------------------------------------------------------


def overview(request: HttpRequest, site: AdminSite) -> TemplateResponse:
    request.current_app = site.name
    return TemplateResponse(
        request,
        TEMPLATE,
        {
            **site.each_context(request),
            "title": gettext("Overview of the network"),
            "panels": render_staff_panels(request),
            "yearly_report_url": (
                reverse("admin:yearly_report") if yearly_report.may_see_reports(request) else ""
            ),
        },
    )


def admin_urls(site: AdminSite) -> tuple[list[URLPattern | URLResolver], str, str]:
    """Admin's URLs with the overview among them, for path("admin/", …) in portal/urls.py.

    Admin's own patterns end with a catch-all, so the overview goes first."""

    @require_safe
    def staff_dashboard(request: HttpRequest) -> HttpResponse:
        return overview(request, site)

    patterns: list[URLPattern | URLResolver] = [
        path("uebersicht/", site.admin_view(staff_dashboard), name="staff_dashboard"),
        *yearly_report.admin_urls(site),
        *site.get_urls(),
    ]
    return patterns, "admin", site.name


# --- The portal's own panel: the last information e-mails ------------------------------------

LAST_MAILINGS = 5


@register_staff_panel(order=50)
def mailings_panel(request: HttpRequest) -> SafeString | None:
    """The last information e-mails that went out, with how far their delivery is.

    The figures come from portal.mailings.services.progress_of_many, the same counting as on a
    mailing's own page, for all of them in one query."""
    if not may_view(request, Mailing):
        return None
    recent = list(
        Mailing.objects.filter(status__in=(Mailing.Status.SENDING, Mailing.Status.SENT))
        .only("subject", "status", "started_at", "finished_at", "recipient_count")
        .order_by(F("started_at").desc(nulls_last=True), "-id")[:LAST_MAILINGS]
    )
    outbox = may_view(request, OutboundEmail)
    progress = mailings.progress_of_many(recent)
    rows = [_mailing_row(mailing, progress[mailing.pk], outbox) for mailing in recent]
    scheduled = Mailing.objects.filter(status=Mailing.Status.SCHEDULED).count()
    return render_to_string(
        "portal/staff/mailings_panel.html",
        {
            "panel": "mailings",
            "rows": rows,
            "scheduled": scheduled,
            "scheduled_url": changelist_url(Mailing, status__exact=Mailing.Status.SCHEDULED),
            "all_url": changelist_url(Mailing),
        },
        request=request,
    )


def _mailing_row(mailing: Mailing, progress: mailings.Progress, outbox: bool) -> dict[str, Any]:
    links: dict[str, str] = {}
    if outbox:
        # The fan-out stores each mail with the mailing as its related object (letters.KIND).
        own = {"kind__exact": letters.KIND, "related_id__exact": str(mailing.pk)}
        links = {
            "total": changelist_url(OutboundEmail, **own),
            "sent": changelist_url(OutboundEmail, **own, status__exact=OutboundEmail.Status.SENT),
            "failed": changelist_url(
                OutboundEmail, **own, status__exact=OutboundEmail.Status.FAILED
            ),
            "remaining": changelist_url(
                OutboundEmail, **own, status__exact=OutboundEmail.Status.QUEUED
            ),
        }
    return {
        "mailing": mailing,
        "url": change_url(mailing),
        "when": mailing.finished_at or mailing.started_at,
        "progress": progress,
        "links": links,
    }
