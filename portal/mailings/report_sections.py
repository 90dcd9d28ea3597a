"""The information e-mails' section of the yearly report (portal.yearly_report): the mailings
that went out in the year with their delivery, and the unsubscribes of the year by topic. Two
queries for the mailings (the same counting as on a mailing's page) and one for unsubscribes."""

from __future__ import annotations

from django.db.models import Count
from django.utils.translation import gettext, pgettext

from portal.charts import bar_chart
from portal.mailings.models import Mailing, Unsubscribe
from portal.mailings.services import progress_of_many
from portal.yearly_report.registry import Section, Table, register_section, year_bounds


@register_section(order=50)
def mailings_section(year: int) -> Section:
    title = gettext("Information e-mails")
    begin, end = year_bounds(year)
    mailings = list(
        Mailing.objects.filter(
            started_at__gte=begin,
            started_at__lt=end,
            status__in=(Mailing.Status.SENDING, Mailing.Status.SENT),
        ).order_by("started_at", "pk")
    )
    unsubscribes = list(
        Unsubscribe.objects.filter(created_at__gte=begin, created_at__lt=end)
        .values("topic__name")
        .annotate(count=Count("pk"))
        .order_by("topic__name")
    )
    if not mailings and not unsubscribes:
        return Section(
            "mailings",
            title,
            empty=gettext("No information e-mail was sent in %(year)s.") % {"year": year},
        )
    progress = progress_of_many(mailings)
    rows = [
        [
            number,
            mailing.started_at,
            mailing.subject,
            progress[mailing.pk].total,
            progress[mailing.pk].sent,
            progress[mailing.pk].failed,
        ]
        for number, mailing in enumerate(mailings, start=1)
    ]
    header = [
        pgettext("number", "No."),
        gettext("Sent on"),
        gettext("Subject"),
        gettext("Recipients"),
        gettext("Delivered"),
        gettext("Failed"),
    ]
    unsubscribed = sum(row["count"] for row in unsubscribes)
    totals = [
        (gettext("Information e-mails"), len(mailings)),
        (gettext("Recipients"), sum(figures.total for figures in progress.values())),
        (gettext("Delivered"), sum(figures.sent for figures in progress.values())),
        (gettext("Failed"), sum(figures.failed for figures in progress.values())),
        (gettext("Unsubscribed"), unsubscribed),
    ]
    chart = bar_chart(
        totals[1:],
        title=gettext("Information e-mails of the year"),
        description=", ".join(f"{label}: {count}" for label, count in totals),
        id_prefix="report-mailings-chart",
    )
    topic_rows = [
        [row["topic__name"] or gettext("all information e-mails"), row["count"]]
        for row in unsubscribes
    ]
    tables = [Table(gettext("The year in figures"), ["", gettext("Number")], totals, chart=chart)]
    if rows:
        tables.append(Table(gettext("Information e-mails and their delivery"), header, rows))
    if topic_rows:
        tables.append(
            Table(
                gettext("Unsubscribed, by topic"), [gettext("Topic"), gettext("Number")], topic_rows
            )
        )
    return Section("mailings", title, tables)
