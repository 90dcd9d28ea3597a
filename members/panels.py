from __future__ import annotations

from typing import cast

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.timezone import localtime
from django.utils.translation import gettext, pgettext

from members.applications.models import Application
from members.applications.services import current_membership_for
from members.people.models import Affiliation
from members.people.services import affiliation_for, organisation_for
from members.surveys import services as surveys
from members.surveys.models import SurveyResponse
from portal.models import User
from portal.pages.dashboard import register_panel


@register_panel(order=10)
def organisation_panel(request: HttpRequest) -> SafeString:
    affiliation = affiliation_for(request)
    membership = current_membership_for(request)
    application = None
    if affiliation:
        organisation = affiliation.organisation
        application = (
            organisation.applications.filter(status__in=Application.OPEN_STATUSES).first()
            if membership is None
            else None
        )
    return render_to_string(
        "members/panel_organisation.html",
        {
            "affiliation": affiliation,
            "membership": membership,
            "application": application,
            "speaks_for_organisation": affiliation is not None
            and affiliation.role != Affiliation.Role.COLLEAGUE,
        },
        request=request,
    )


@register_panel(order=40)
def surveys_panel(request: HttpRequest) -> SafeString | None:
    user = cast(User, request.user)
    open_entries = surveys.surveys_for(
        user, organisation_for(request), include_closed=False, cached=True
    )
    if not open_entries:
        return None
    # Up to every open survey of the network: its line is made here, at a fraction of what
    # the template's url tag, conditions and blocktranslate cost for each (issue 19's profile).
    lines = [_survey_line(entry) for entry in open_entries]
    return render_to_string("members/panel_surveys.html", {"lines": lines}, request=request)


def _survey_line(entry: surveys.SurveyEntry) -> dict[str, str]:
    response = entry.response
    if response is None:
        closes = date_format(localtime(entry.survey.closes_at), "SHORT_DATE_FORMAT")
        state = gettext("answer by %(date)s") % {"date": closes}
    elif response.status == SurveyResponse.Status.SUBMITTED:
        state = pgettext("survey response", "submitted")
    else:
        state = gettext("draft saved")
    return {"url": surveys.survey_url(entry.survey), "title": entry.survey.title, "state": state}


@register_panel(order=50)
def mailings_panel(request: HttpRequest) -> SafeString:
    user = cast(User, request.user)
    # As may_read_archive(user), from what the other panels already looked up.
    archive = user.is_staff or current_membership_for(request) is not None
    return render_to_string("members/panel_mailings.html", {"archive": archive}, request=request)
