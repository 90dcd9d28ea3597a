"""Who may use the municipality's own pages (people, profile): the user's affiliation.

Everything there belongs to the organisation of the logged-in user. Only contact persons and
the head of administration ("speakers") change anything but their own entry (403 otherwise).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from members.people.models import Affiliation
from members.people.services import affiliation_of
from portal.models import User

SPEAKERS = (Affiliation.Role.CONTACT, Affiliation.Role.HEAD)


def is_speaker(affiliation: Affiliation) -> bool:
    return affiliation.role in SPEAKERS


def with_affiliation(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Log in first; then pass the user's affiliation, or send people without one away."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        affiliation = affiliation_of(cast(User, request.user))  # logged in, see above
        if affiliation is None:
            messages.info(
                request,
                _(
                    "Your account does not belong to a municipality yet. Once your "
                    "municipality invites you, or you apply for it, you will find its people "
                    "and its profile here."
                ),
            )
            return redirect("dashboard")
        return view(request, affiliation, *args, **kwargs)

    return wrapper


def require_speaker(affiliation: Affiliation) -> None:
    if not is_speaker(affiliation):
        raise PermissionDenied
