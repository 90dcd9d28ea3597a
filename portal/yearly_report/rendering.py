"""Making the yearly report (run in the worker by tasks.render_yearly_report).

`make_report` claims a waiting report, collects the apps' sections in the report's language,
writes the PDF and the spreadsheet and records its progress as it goes, each step committed at
once, so the page can show it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone, translation

from portal.yearly_report import document
from portal.yearly_report.models import YearlyReport
from portal.yearly_report.registry import Section, section_makers

log = logging.getLogger(__name__)

# Progress in per cent: the sections take this share, the PDF and the spreadsheet the rest.
SECTIONS_SHARE = 40
PDF_DONE = 90


def collect_sections(year: int, progress: Callable[[int], object] | None = None) -> list[Section]:
    """Every registered section for the year, in the active language."""
    makers = section_makers()
    sections = []
    for index, maker in enumerate(makers, start=1):
        sections.append(maker(year))
        if progress is not None:
            progress(SECTIONS_SHARE * index // len(makers))
    return sections


def _set(report_id: int, **fields: Any) -> None:
    # Outside any transaction: every step is committed at once, so the page sees it.
    YearlyReport.objects.filter(pk=report_id).update(**fields)


def make_report(report_id: int) -> None:
    """Render the report's files; a report not waiting any more (made, or failed) is left."""
    claimed = YearlyReport.objects.filter(pk=report_id, status=YearlyReport.Status.QUEUED).update(
        status=YearlyReport.Status.RENDERING, started_at=timezone.now(), progress=0
    )
    if not claimed:
        return
    report = YearlyReport.objects.get(pk=report_id)
    try:
        with translation.override(report.language):
            sections = collect_sections(report.year, lambda done: _set(report_id, progress=done))
            pdf = document.report_pdf(report.year, sections)
            _set(report_id, progress=PDF_DONE)
            xlsx = document.report_xlsx(report.year, sections)
    except Exception:
        log.exception("The yearly report %s could not be made", report_id)
        _set(report_id, status=YearlyReport.Status.FAILED, finished_at=timezone.now())
        raise
    name = f"jahresbericht-{report.year}-{report.language}-{report.pk}"
    report.pdf.save(f"{name}.pdf", ContentFile(pdf), save=False)
    report.xlsx.save(f"{name}.xlsx", ContentFile(xlsx), save=False)
    report.status = YearlyReport.Status.DONE
    report.progress = 100
    report.finished_at = timezone.now()
    report.save(update_fields=["pdf", "xlsx", "status", "progress", "finished_at"])
