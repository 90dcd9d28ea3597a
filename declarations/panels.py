"""The dashboard panel: whether the user's municipality has signed the current version."""

from __future__ import annotations

from typing import cast

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from declarations.models import Signature
from declarations.services import current_version
from declarations.views import Standing, standing
from members.people.services import affiliation_for
from portal.models import User
from portal.pages.dashboard import register_panel

SHOWN = (Standing.SIGNED, Standing.MAY_SIGN, Standing.COLLEAGUE)


@register_panel(order=20)
def declaration_panel(request: HttpRequest) -> SafeString | None:
    version = current_version()
    if version is None:
        return None
    position = standing(cast(User, request.user), version, affiliation_for(request))
    organisation = position.organisation
    if position.state not in SHOWN or organisation is None:
        return None  # no municipality, or not a member yet: the membership panel says what next
    signed_before = (
        position.state == Standing.MAY_SIGN
        and Signature.objects.valid().filter(organisation=organisation).exists()
    )
    return render_to_string(
        "declarations/panel.html",
        {
            "state": position.state,
            "version": version,
            "organisation": organisation,
            "signature": position.signature,
            "signed_before": signed_before,
        },
        request=request,
    )
