"""Panels of the staff's overview (portal.staff_dashboard): members over time, applications by
status, members without attendance at events, and the open surveys. Each counts in one query,
however many rows there are."""

from __future__ import annotations

import datetime
from typing import Any, cast

from django.contrib import admin
from django.db.models import Count, Exists, Model, OuterRef, Q
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext, pgettext

from members.applications.models import Application, Membership
from members.people.models import Organisation
from members.surveys.models import Survey, SurveyResponse
from portal.charts import line_chart
from portal.copying import Offset
from portal.staff_dashboard.views import (
    change_url,
    changelist_url,
    may_view,
    register_staff_panel,
)

QUARTERS_SHOWN = 12  # three years of completed quarters, then today


def quarter_ends(today: datetime.date, count: int = QUARTERS_SHOWN) -> list[datetime.date]:
    """The last days of the `count` quarters completed before today, oldest first."""
    year, quarter = today.year, (today.month - 1) // 3  # the quarter before the current one
    ends = []
    for _ in range(count):
        if quarter == 0:
            year, quarter = year - 1, 4
        ends.append(_last_day_of_quarter(year, quarter))
        quarter -= 1
    return ends[::-1]


def _last_day_of_quarter(year: int, quarter: int) -> datetime.date:
    first_of_next = datetime.date(year + quarter // 4, quarter * 3 % 12 + 1, 1)
    return first_of_next - datetime.timedelta(days=1)


def _quarter_label(day: datetime.date) -> str:
    return pgettext("quarter of a year, as in Q1 2026", "Q%(quarter)d %(year)d") % {
        "quarter": (day.month - 1) // 3 + 1,
        "year": day.year,
    }


def members_over_time(today: datetime.date) -> list[dict[str, Any]]:
    """How many organisations were members at the end of each quarter, and now.

    A membership counts on every day from `since` to `until` (its last day); now means a
    membership without an end, as everywhere else in the portal. One query."""
    days = quarter_ends(today)

    def member_on(day: datetime.date) -> Q:
        return Q(since__lte=day) & (Q(until__isnull=True) | Q(until__gte=day))

    counts = Membership.objects.aggregate(
        now=Count("organisation", distinct=True, filter=Q(until__isnull=True)),
        **{
            f"q{index}": Count("organisation", distinct=True, filter=member_on(day))
            for index, day in enumerate(days)
        },
    )
    rows = [
        {"label": _quarter_label(day), "day": day, "count": counts[f"q{index}"]}
        for index, day in enumerate(days)
    ]
    rows.append({"label": gettext("today"), "day": today, "count": counts["now"]})
    return rows


@register_staff_panel(order=10)
def members_panel(request: HttpRequest) -> SafeString | None:
    if not may_view(request, Membership):
        return None
    today = timezone.localdate()
    rows = members_over_time(today)
    first, last = rows[0], rows[-1]
    description = gettext(
        "Members of the network at the end of each quarter: %(first)s on %(first_day)s, "
        "%(last)s today."
    ) % {
        "first": first["count"],
        "first_day": formats.date_format(first["day"], "SHORT_DATE_FORMAT"),
        "last": last["count"],
    }
    chart = line_chart(
        [(row["label"], row["count"]) for row in rows],
        title=gettext("Members over time"),
        description=description,
        id_prefix="staff-members-chart",
    )
    return render_to_string(
        "members/staff/members_panel.html",
        {
            "rows": rows,
            "current": last["count"],
            "current_url": changelist_url(Membership, membership="current"),
            "chart": chart,
        },
        request=request,
    )


@register_staff_panel(order=20)
def applications_panel(request: HttpRequest) -> SafeString | None:
    if not may_view(request, Application):
        return None
    counts = Application.objects.aggregate(
        **{status: Count("pk", filter=Q(status=status)) for status in Application.Status.values}
    )
    rows = [
        {
            "status": status,
            "label": label,
            "count": counts[status],
            # The list's own status filter (list_filter "status").
            "url": changelist_url(Application, status__exact=status),
        }
        for status, label in Application.Status.choices
    ]
    return render_to_string(
        "members/staff/applications_panel.html",
        {"panel": "applications", "rows": rows, "all_url": changelist_url(Application)},
        request=request,
    )


@register_staff_panel(order=60)
def surveys_panel(request: HttpRequest) -> SafeString | None:
    """The surveys open now with the responses submitted and begun. Without a rate: who was
    asked is an audience of segments, and counting it would resolve each one."""
    if not may_view(request, Survey):
        return None
    now = timezone.now()
    surveys = (
        Survey.objects.filter(opens_at__lte=now, closes_at__gt=now)
        .only("title", "closes_at")
        .annotate(
            submitted=Count(
                "responses", filter=Q(responses__status=SurveyResponse.Status.SUBMITTED)
            ),
            drafts=Count("responses", filter=Q(responses__status=SurveyResponse.Status.DRAFT)),
        )
        .order_by("closes_at", "pk")
    )
    linked = admin.site.is_registered(Survey)
    rows = [{"survey": survey, "url": change_url(survey) if linked else ""} for survey in surveys]
    if not rows:
        return None
    return render_to_string(
        "members/staff/surveys_panel.html", {"panel": "surveys", "rows": rows}, request=request
    )


ATTENDANCE_YEARS = (1, 2, 3)  # the choices of the list filter "without attendance since"


@register_staff_panel(order=25)
def attendance_panel(request: HttpRequest) -> SafeString | None:
    """Current members nobody of which was checked in at an event for one, two or three years,
    each number leading to the organisations' list with the filters "member" and "without
    attendance since" (members.people.admin.NoAttendanceSinceFilter), where each municipality's
    page shows its history. One query."""
    if not may_view(request, Organisation):
        return None
    # Registrations belong to meetings, which builds on members: named by the reverse relation.
    registration = cast("type[Model]", Organisation._meta.get_field("registrations").related_model)
    now = timezone.now()

    def attended_since(years: int) -> Exists:
        return Exists(
            registration._default_manager.filter(
                organisation=OuterRef("pk"), attended_at__gte=now - Offset(years=years)
            )
        )

    counts = Organisation.objects.members().aggregate(
        **{f"y{years}": Count("pk", filter=~Q(attended_since(years))) for years in ATTENDANCE_YEARS}
    )
    rows = [
        {
            "years": years,
            "count": counts[f"y{years}"],
            "url": changelist_url(Organisation, member="yes", no_attendance_since=str(years)),
        }
        for years in ATTENDANCE_YEARS
    ]
    return render_to_string(
        "members/staff/attendance_panel.html",
        {"panel": "attendance", "rows": rows},
        request=request,
    )
