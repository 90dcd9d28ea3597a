"""An invitation opened before logging in is accepted when its person logs in.

The link in the invitation mail keeps its token in the session (members.people.views); after
signing up and confirming the address (allauth logs the person in, in the same browser) or after
logging in, the invitation is accepted at once, so that the person lands in the municipality
without opening the link again.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils.translation import gettext as _

from members.errors import WorkflowError
from members.people.services import PENDING_INVITATION, accept_invitation_token
from portal.models import User


@receiver(user_logged_in, dispatch_uid="members.accept_pending_invitation")
def accept_pending_invitation(
    sender: Any, request: HttpRequest | None, user: User, **kwargs: Any
) -> None:
    if request is None or not hasattr(request, "session"):
        return
    token = request.session.pop(PENDING_INVITATION, None)
    if not isinstance(token, str):
        return
    try:
        affiliation = accept_invitation_token(token, user)
    except WorkflowError as error:
        messages.error(request, " ".join(error.messages))
        return
    messages.success(
        request,
        _("Welcome! You now belong to %(organisation)s as %(role)s.")
        % {"organisation": affiliation.organisation, "role": affiliation.get_role_display()},
    )
