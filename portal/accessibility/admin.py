"""Barrier reports and sign-language videos in admin."""

from __future__ import annotations

import datetime

from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from portal.accessibility.admin_forms import SignLanguageVideoForm
from portal.accessibility.models import BarrierReport, SignLanguageVideo


@admin.register(BarrierReport)
class BarrierReportAdmin(admin.ModelAdmin):
    list_display = ["reference", "created_at", "status", "answer_deadline", "page"]
    list_filter = ["status"]
    search_fields = ["reference", "page", "description"]
    readonly_fields = [
        "reference",
        "created_at",
        "answer_deadline",
        "page",
        "description",
        "reply_email",
        "language",
    ]
    fields = [*readonly_fields, "status", "staff_notes"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # reports come from the form on the website

    @admin.display(description=_("answer due by"), ordering="created_at")
    def answer_deadline(self, report: BarrierReport) -> str:
        due: datetime.date = report.answer_due
        open_ = report.status in (BarrierReport.Status.NEW, BarrierReport.Status.IN_PROGRESS)
        if open_ and due < timezone.localdate():
            return _("%(date)s (overdue)") % {"date": date_format(due)}
        return date_format(due)


@admin.register(SignLanguageVideo)
class SignLanguageVideoAdmin(admin.ModelAdmin):
    form = SignLanguageVideoForm
    list_display = ["topic", "updated_at"]
