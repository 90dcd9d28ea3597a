"""The members' sections of the yearly report (portal.yearly_report): members at the start and
end of the year, who joined and who left (with the reasons), by Regierungsbezirk and type, the
map, and the surveys with their response rates. Each reads its rows in a fixed number of
queries and counts in Python."""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import formats
from django.utils.translation import gettext, pgettext

from members.applications.models import Membership
from members.directory import svgmap
from members.reference.admin import region_of
from members.reference.models import Authority
from members.surveys import services as surveys
from members.surveys.models import Survey, SurveyResponse
from portal.charts import bar_chart, line_chart
from portal.models import User
from portal.yearly_report.registry import Section, Table, percent, register_section, year_bounds


@dataclass(frozen=True)
class _Stay:
    """A membership as the report counts it: member from `since` to `until` (its last day)."""

    organisation: int
    authority: Authority
    since: datetime.date
    until: datetime.date | None
    reason: str

    def on(self, day: datetime.date) -> bool:
        return self.since <= day and (self.until is None or self.until >= day)


def _stays(year: int) -> list[_Stay]:
    """The memberships that touch the year or the last day before it. One query."""
    day_before = datetime.date(year - 1, 12, 31)
    rows = (
        Membership.objects.filter(since__lte=datetime.date(year, 12, 31))
        .filter(Q(until__isnull=True) | Q(until__gte=day_before))
        .select_related("organisation__authority__regierungsbezirk")
        .order_by("since", "pk")
    )
    return [
        _Stay(
            row.organisation_id, row.organisation.authority, row.since, row.until, row.exit_reason
        )
        for row in rows
    ]


def _members_on(stays: list[_Stay], day: datetime.date) -> dict[int, _Stay]:
    return {stay.organisation: stay for stay in stays if stay.on(day)}


def _date(day: datetime.date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


@register_section(order=10)
def members_section(year: int) -> Section:
    """Start is the last day of the year before, end the last day of the year: start plus
    joined minus left is end. Joined: the membership's first day lies in the year; left: its
    first day without membership (the day after "member until") does."""
    title = gettext("Members")
    stays = _stays(year)
    first, last = datetime.date(year - 1, 12, 31), datetime.date(year, 12, 31)
    start, end = _members_on(stays, first), _members_on(stays, last)
    joined = [stay for stay in stays if stay.since.year == year]
    left = [stay for stay in stays if stay.until is not None and first <= stay.until < last]
    if not (start or end or joined or left):
        return Section(
            "members",
            title,
            empty=gettext("No municipality was a member in %(year)s.") % {"year": year},
        )
    month_ends = [
        datetime.date(year, month % 12 + 1, 1) - datetime.timedelta(days=1)
        for month in range(1, 13)
    ]
    month_ends[-1] = last
    monthly = [(formats.date_format(day, "M"), len(_members_on(stays, day))) for day in month_ends]
    groups = {"start": start.values(), "joined": joined, "left": left, "end": end.values()}
    summary = [
        (gettext("Members on %(day)s") % {"day": _date(first)}, len(start)),
        (gettext("joined"), len(joined)),
        (gettext("left"), len(left)),
        (gettext("Members on %(day)s") % {"day": _date(last)}, len(end)),
    ]
    tables = [
        Table(
            gettext("Members at the end of each month"),
            [gettext("Month"), gettext("Members")],
            monthly,
            chart=line_chart(
                monthly,
                title=gettext("Members at the end of each month"),
                description=", ".join(f"{label}: {count}" for label, count in monthly),
                id_prefix="report-members-chart",
            ),
        ),
        Table(
            gettext("Members at the start and end of the year"), ["", gettext("Number")], summary
        ),
        _breakdown(
            "region",
            gettext("By government region"),
            gettext("Government region"),
            groups,
            lambda stay: region_of(stay.authority) or "–",
        ),
        _breakdown(
            "type",
            gettext("By type"),
            gettext("Type"),
            groups,
            lambda stay: str(stay.authority.get_kind_display()),
        ),
        Table(
            gettext("Joined in %(year)s") % {"year": year},
            [
                gettext("Name"),
                gettext("Type"),
                gettext("Government region"),
                gettext("Member since"),
            ],
            [[*_who(stay), stay.since] for stay in joined],
        ),
        Table(
            gettext("Left in %(year)s") % {"year": year},
            [
                gettext("Name"),
                gettext("Type"),
                gettext("Government region"),
                gettext("Member until"),
                gettext("Reason for leaving"),
            ],
            [[*_who(stay), stay.until, stay.reason or "–"] for stay in left],
        ),
        _map_table(year, list(end.values())),
    ]
    return Section("members", title, tables)


def _who(stay: _Stay) -> list[object]:
    authority = stay.authority
    return [authority.name, authority.get_kind_display(), region_of(authority) or "–"]


def _breakdown(
    key: str,
    caption: str,
    heading: str,
    groups: Mapping[str, Collection[_Stay]],
    group_of: Callable[[_Stay], str],
) -> Table:
    """The four figures (start, joined, left, end) per group, with a chart of the end."""
    counts = {name: Counter(group_of(stay) for stay in stays) for name, stays in groups.items()}
    names = sorted(set().union(*counts.values()))
    rows = [[name, *(counts[figure][name] for figure in groups)] for name in names]
    header = [
        heading,
        gettext("Start of year"),
        gettext("joined"),
        gettext("left"),
        gettext("End of year"),
    ]
    chart = bar_chart(
        [(name, counts["end"][name]) for name in names],
        title=caption,
        description=", ".join(f"{name}: {counts['end'][name]}" for name in names),
        id_prefix=f"report-members-{key}",
    )
    return Table(caption, header, rows, chart=chart)


def _map_table(year: int, members: list[_Stay]) -> Table:
    caption = gettext("Map of the members on 31 December %(year)s") % {"year": year}
    ordered = sorted(members, key=lambda stay: stay.authority.name)
    drawn = svgmap.render_map(
        [
            svgmap.MapMember(s.authority.ags, s.authority.name, s.authority.kind, "")
            for s in ordered
        ],
        title=caption,
        description=gettext("%(count)s members, listed in the table beside the map.")
        % {"count": len(ordered)},
        inline=True,
    )
    return Table(
        caption,
        [gettext("Name"), gettext("Type"), gettext("Government region")],
        [_who(stay) for stay in ordered],
        chart=drawn,
        note=gettext(
            "Member towns and municipalities in dark blue, member districts in light blue, "
            "member government regions hatched."
        ),
    )


# --- Surveys ----------------------------------------------------------------------------------


@register_section(order=60)
def surveys_section(year: int) -> Section:
    """The surveys open at some time in the year. Who was asked is the audience as it resolves
    now (as on the survey's results page); each distinct audience is resolved once."""
    title = gettext("Surveys")
    begin, end = year_bounds(year)
    chosen = list(
        Survey.objects.filter(opens_at__lt=end, closes_at__gte=begin)
        .annotate(
            submitted=Count(
                "responses", filter=Q(responses__status=SurveyResponse.Status.SUBMITTED)
            )
        )
        .order_by("opens_at", "pk")
    )
    if not chosen:
        return Section(
            "surveys", title, empty=gettext("No survey ran in %(year)s.") % {"year": year}
        )
    audience = surveys.AudienceCache()
    asked = {survey.pk: audience.user_ids(survey) for survey in chosen}
    organisation_of = dict(
        User.objects.filter(pk__in=set().union(*asked.values()), is_active=True).values_list(
            "pk", "affiliation__organisation"
        )
    )
    rows = []
    for number, survey in enumerate(chosen, start=1):
        people = [user for user in asked[survey.pk] if user in organisation_of]
        if surveys.is_per_organisation(survey):
            expected = len({organisation_of[user] for user in people} - {None})
        else:
            expected = len(people)
        rows.append(
            [
                number,
                survey.title,
                survey.opens_at,
                survey.closes_at,
                expected,
                survey.submitted,
                percent(survey.submitted, expected),
            ]
        )
    chart = bar_chart(
        [(str(row[0]), row[5]) for row in rows],
        title=gettext("Responses submitted per survey"),
        description=", ".join(f"{row[1]}: {row[5]}" for row in rows),
        id_prefix="report-surveys-chart",
    )
    header = [
        pgettext("number", "No."),
        gettext("Survey"),
        gettext("opens"),
        gettext("closes"),
        gettext("asked"),
        gettext("responses"),
        gettext("response rate"),
    ]
    return Section(
        "surveys",
        title,
        [Table(gettext("Surveys and their response rates"), header, rows, chart=chart)],
    )
