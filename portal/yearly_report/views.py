"""The yearly report's page in admin (/admin/jahresbericht/): choose a year and a language,
request the report, follow its progress, download the PDF or the spreadsheet again.

Behind admin_view (active staff only, the staff-MFA rule) and the permission "view yearly
report" (portal.view_yearlyreport): the report holds the figures of every app, so one
permission of its own decides, granted to those who may see the whole network's figures.
While a report is being made, the page polls its progress with htmx; without JavaScript a link
loads the page again.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.admin.sites import AdminSite
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_safe

from portal.downloads import file_response
from portal.http import HtmxHttpRequest, wants_partial
from portal.yearly_report.admin_forms import ReportRequestForm
from portal.yearly_report.models import YearlyReport
from portal.yearly_report.services import request_report

PERMISSION = "portal.view_yearlyreport"
TEMPLATE = "admin/yearly_report.html"
SHOWN = 20  # the latest reports on the page


def may_see_reports(request: HttpRequest) -> bool:
    return request.user.has_perm(PERMISSION)


def _check(request: HttpRequest) -> None:
    if not may_see_reports(request):
        raise PermissionDenied


def _page(request: HttpRequest, site: AdminSite, form: ReportRequestForm) -> TemplateResponse:
    request.current_app = site.name
    reports = list(YearlyReport.objects.select_related("requested_by")[:SHOWN])
    return TemplateResponse(
        request,
        TEMPLATE,
        {
            **site.each_context(request),
            "title": gettext("Yearly report"),
            "form": form,
            "reports": reports,
            "polling": any(report.in_progress for report in reports),
        },
        status=400 if form.errors else 200,
    )


def report_page(request: HttpRequest, site: AdminSite) -> HttpResponse:
    _check(request)
    if request.method != "POST":
        last_year = timezone.localdate().year - 1
        return _page(request, site, ReportRequestForm(initial={"year": last_year}))
    form = ReportRequestForm(request.POST)
    if not form.is_valid():
        return _page(request, site, form)
    report, created = request_report(
        form.cleaned_data["year"], form.cleaned_data["language"], request.user
    )
    if created:
        messages.success(
            request, gettext("The report for %(year)s is being made.") % {"year": report.year}
        )
    else:
        messages.info(
            request,
            gettext("The report for %(year)s in this language is already being made.")
            % {"year": report.year},
        )
    return HttpResponseRedirect(reverse("admin:yearly_report") + f"#report-{report.pk}")


def report_list(request: HtmxHttpRequest) -> HttpResponse:
    """The list of reports alone, for htmx while one is being made; the page without htmx."""
    _check(request)
    if not wants_partial(request):
        return HttpResponseRedirect(reverse("admin:yearly_report") + "#reports")
    reports = list(YearlyReport.objects.select_related("requested_by")[:SHOWN])
    response = HttpResponse(
        render_to_string(
            TEMPLATE + "#reports",
            {"reports": reports, "polling": any(report.in_progress for report in reports)},
            request=request,
        )
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


def report_file(request: HttpRequest, pk: int, kind: str) -> FileResponse:
    _check(request)
    report = get_object_or_404(YearlyReport, pk=pk, status=YearlyReport.Status.DONE)
    file = report.pdf if kind == "pdf" else report.xlsx
    return file_response(file, f"Jahresbericht-{report.year}-{report.language}")


def admin_urls(site: AdminSite) -> list[URLPattern]:
    """The report's pages in admin's namespace, for portal.staff_dashboard.views.admin_urls."""

    @require_http_methods(["GET", "HEAD", "POST"])
    def page(request: HttpRequest) -> HttpResponse:
        return report_page(request, site)

    @require_safe
    def listing(request: HtmxHttpRequest) -> HttpResponse:
        return report_list(request)

    def download(kind: str) -> Callable[[HttpRequest, int], FileResponse]:
        @require_safe
        def view(request: HttpRequest, pk: int) -> FileResponse:
            return report_file(request, pk, kind)

        return view

    return [
        path("jahresbericht/", site.admin_view(page), name="yearly_report"),
        path("jahresbericht/liste/", site.admin_view(listing), name="yearly_report_list"),
        # Named "…_pdf" and "…_xlsx" like admin's other file views.
        path(
            "jahresbericht/<int:pk>/pdf/",
            site.admin_view(download("pdf")),
            name="yearly_report_pdf",
        ),
        path(
            "jahresbericht/<int:pk>/xlsx/",
            site.admin_view(download("xlsx")),
            name="yearly_report_xlsx",
        ),
    ]
