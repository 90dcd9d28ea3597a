"""The declaration's section of the yearly report (portal.yearly_report): the signatures of
each version, valid at the end of the year and made in it. One query."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q
from django.utils.translation import gettext

from declarations.models import DeclarationVersion
from portal.charts import bar_chart
from portal.yearly_report.registry import Section, Table, register_section, year_bounds


@register_section(order=20)
def signatures_section(year: int) -> Section:
    """Per version published by the end of the year: signatures valid on its last day (signed
    by then and not superseded before), those signed in the year, and of these on paper."""
    title = gettext("Gemeinsame Erklärung")
    _begin, end = year_bounds(year)
    last = datetime.date(year, 12, 31)
    valid = Q(signatures__signed_on__lte=last) & (
        Q(signatures__superseded_at__isnull=True) | Q(signatures__superseded_at__gte=end)
    )
    in_year = Q(signatures__signed_on__year=year)
    versions = list(
        DeclarationVersion.objects.filter(published_on__lte=last)
        .annotate(
            valid=Count("signatures", filter=valid),
            signed=Count("signatures", filter=in_year),
            on_paper=Count("signatures", filter=in_year & Q(signatures__on_paper=True)),
        )
        .order_by("published_on", "pk")
    )
    if not any(version.valid or version.signed for version in versions):
        return Section(
            "signatures",
            title,
            empty=gettext("No signatures of the Gemeinsame Erklärung in %(year)s.")
            % {"year": year},
        )
    rows = [
        [version.label, version.title, version.valid, version.signed, version.on_paper]
        for version in versions
    ]
    header = [
        gettext("Version"),
        gettext("Title"),
        gettext("Valid signatures on 31 December"),
        gettext("Signed in the year"),
        gettext("of these on paper"),
    ]
    chart = bar_chart(
        [(version.label, version.valid) for version in versions],
        title=gettext("Valid signatures per version"),
        description=", ".join(f"{version.label}: {version.valid}" for version in versions),
        id_prefix="report-signatures-chart",
    )
    return Section(
        "signatures", title, [Table(gettext("Signatures per version"), header, rows, chart=chart)]
    )
