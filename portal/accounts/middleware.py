from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _


class StaffMfaMiddleware:
    """Staff must set up two-factor authentication before they may use Django admin."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.PORTAL_STAFF_MFA_REQUIRED and self._needs_mfa(request):
            messages.warning(
                request,
                _(
                    "Please set up two-factor authentication with an authenticator app "
                    "before you use the administration."
                ),
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)

    @staticmethod
    def _needs_mfa(request: HttpRequest) -> bool:
        # The path first: outside admin the user row need not be read at all.
        if not request.path.startswith(reverse("admin:index")):
            return False
        user = request.user
        if not (user.is_authenticated and user.is_staff):
            return False
        return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
