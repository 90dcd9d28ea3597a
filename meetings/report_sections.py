"""The meetings' sections of the yearly report (portal.yearly_report): the events of the year
with their registrations, attendance and waiting lists, and the library's new items. One query
each."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext, pgettext

from meetings.events.models import Event, Registration
from meetings.library.models import Publication
from portal.charts import bar_chart
from portal.yearly_report.registry import Section, Table, percent, register_section, year_bounds


@register_section(order=30)
def events_section(year: int) -> Section:
    """Published and cancelled events that began in the year (drafts never took place).
    Registered: confirmed registrations; attended: checked in; waiting: still on the waiting
    list."""
    title = gettext("Events")
    begin, end = year_bounds(year)
    status = "registrations__status"
    events = list(
        Event.objects.filter(starts_at__gte=begin, starts_at__lt=end)
        .exclude(status=Event.Status.DRAFT)
        .annotate(
            registered=Count("registrations", filter=Q(**{status: Registration.Status.CONFIRMED})),
            attended=Count("registrations", filter=Q(registrations__attended_at__isnull=False)),
            waiting=Count("registrations", filter=Q(**{status: Registration.Status.WAITLISTED})),
        )
        .order_by("starts_at", "pk")
    )
    if not events:
        return Section("events", title, empty=gettext("No event in %(year)s.") % {"year": year})
    rows = [
        [
            number,
            event.starts_at,
            event.title,
            event.get_kind_display(),
            event.get_status_display(),
            event.capacity if event.capacity is not None else "–",
            event.registered,
            event.attended,
            percent(event.attended, event.registered),
            event.waiting,
        ]
        for number, event in enumerate(events, start=1)
    ]
    header = [
        pgettext("number", "No."),
        gettext("Date"),
        gettext("Event"),
        gettext("Kind"),
        gettext("Status"),
        gettext("Places"),
        pgettext("number of registrations", "Registered"),
        gettext("Attended"),
        gettext("Attendance"),
        gettext("Waiting list"),
    ]
    totals = [
        (
            pgettext("number of registrations", "Registered"),
            sum(event.registered for event in events),
        ),
        (gettext("Attended"), sum(event.attended for event in events)),
        (gettext("Waiting list"), sum(event.waiting for event in events)),
    ]
    chart = bar_chart(
        [(str(row[0]), row[7]) for row in rows],
        title=gettext("Attendance per event"),
        description=", ".join(f"{event.title}: {event.attended}" for event in events),
        id_prefix="report-events-chart",
    )
    return Section(
        "events",
        title,
        [
            Table(gettext("Events of the year"), header, rows, chart=chart),
            Table(gettext("All events together"), ["", gettext("Number")], totals),
        ],
    )


@register_section(order=70)
def library_section(year: int) -> Section:
    title = gettext("Library")
    begin, end = year_bounds(year)
    added = list(
        Publication.objects.filter(created_at__gte=begin, created_at__lt=end)
        .values("kind")
        .annotate(count=Count("pk"))
        .order_by("kind")
    )
    if not added:
        return Section(
            "library",
            title,
            empty=gettext("No item was added to the library in %(year)s.") % {"year": year},
        )
    labels = dict(Publication.Kind.choices)
    rows = [[str(labels.get(row["kind"], row["kind"])), row["count"]] for row in added]
    rows.append([gettext("Together"), sum(row["count"] for row in added)])
    chart = bar_chart(
        [(str(row[0]), row[1]) for row in rows[:-1]],
        title=gettext("Items added to the library by kind"),
        description=", ".join(f"{row[0]}: {row[1]}" for row in rows[:-1]),
        id_prefix="report-library-chart",
    )
    return Section(
        "library",
        title,
        [
            Table(
                gettext("Items added to the library"),
                [gettext("Kind"), gettext("Number")],
                rows,
                chart=chart,
            )
        ],
    )
