from __future__ import annotations

from typing import cast

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from members.applications.models import Application
from members.applications.services import current_membership_for
from members.people.models import Affiliation
from members.people.services import affiliation_for
from members.surveys import services as surveys
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
    affiliation = affiliation_for(request)
    open_entries = surveys.surveys_for(
        user,
        include_closed=False,
        cached=True,
        organisation=affiliation.organisation if affiliation else None,
    )
    if not open_entries:
        return None
    return render_to_string(
        "members/panel_surveys.html", {"open_entries": open_entries}, request=request
    )


@register_panel(order=50)
def mailings_panel(request: HttpRequest) -> SafeString:
    user = cast(User, request.user)
    # As may_read_archive(user), from what the other panels already looked up.
    archive = user.is_staff or current_membership_for(request) is not None
    return render_to_string("members/panel_mailings.html", {"archive": archive}, request=request)
