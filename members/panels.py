from __future__ import annotations

from typing import cast

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from members.archive import may_read_archive
from members.models import Affiliation, Application
from portal.dashboard import register_panel
from portal.models import User


@register_panel(order=10)
def organisation_panel(request: HttpRequest) -> SafeString:
    user = cast(User, request.user)  # the dashboard is behind login_required
    affiliation = (
        Affiliation.objects.select_related("organisation__authority").filter(user=user).first()
    )
    membership = application = None
    if affiliation:
        organisation = affiliation.organisation
        membership = organisation.memberships.filter(until__isnull=True).first()
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


@register_panel(order=50)
def mailings_panel(request: HttpRequest) -> SafeString:
    user = cast(User, request.user)
    return render_to_string(
        "members/panel_mailings.html", {"archive": may_read_archive(user)}, request=request
    )
