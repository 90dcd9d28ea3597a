"""A requested yearly report: its year and language, how far its rendering is, and its files."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class YearlyReport(models.Model):
    """One rendering of the "Jahresbericht Kommunen-Netzwerk <year>", kept so it can be
    downloaded again. The figures are those of the moment it was rendered."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting")
        RENDERING = "rendering", _("being made")
        DONE = "done", _("ready")
        FAILED = "failed", _("failed")

    IN_PROGRESS = (Status.QUEUED, Status.RENDERING)

    year = models.PositiveSmallIntegerField(_("year"))
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress in per cent"), default=0)
    pdf = models.FileField(_("PDF"), upload_to="reports/", blank=True)
    xlsx = models.FileField(_("spreadsheet"), upload_to="reports/", blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("yearly report")
        verbose_name_plural = _("yearly reports")
        ordering: ClassVar = ["-requested_at", "-pk"]
        constraints: ClassVar = [
            # A second request while one is waiting or being made finds this one instead of
            # starting another render (portal.yearly_report.services.request_report).
            models.UniqueConstraint(
                fields=["year", "language"],
                condition=models.Q(status__in=["queued", "rendering"]),
                name="one_yearly_report_in_progress",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} ({self.language})"

    @property
    def in_progress(self) -> bool:
        return self.status in self.IN_PROGRESS
