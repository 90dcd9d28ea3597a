"""Logging in (allauth's page, also for admin) and the language switch."""

from __future__ import annotations

from urllib.parse import urlencode

from allauth.account import views as allauth_views
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from portal.accounts.forms import LanguageForm

# allauth's login page: never kept, its form carries the visitor's CSRF token.
login = allauth_views.login


# Without a token for anonymous visitors: the footer's form is on every page kept for them
# (portal/caching.py), and for them the switch only sets the language cookie, which nobody
# gains anything by forging. A logged-in person's choice is also stored in the account, and
# that is checked as every other form is.
@csrf_exempt
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, which also remembers the choice for the user's e-mails."""
    if request.user.is_authenticated:
        return csrf_protect(_switch_language)(request)
    return _switch_language(request)


def _switch_language(request: HttpRequest) -> HttpResponse:
    form = LanguageForm(request.POST)
    if not form.is_valid() or not check_for_language(form.cleaned_data["language"]):
        # Not redirect(): it would take a word such as "home" for the name of a URL pattern.
        return HttpResponseRedirect(_own_address(request, request.POST.get("next", ""), "/"))
    if request.user.is_authenticated:
        request.user.language = form.cleaned_data["language"]
        request.user.save(update_fields=["language"])
    return django_set_language(request)


def admin_login(request: HttpRequest) -> HttpResponse:
    """Staff log in like everyone else, so that allauth asks for their second factor."""
    target = _own_address(request, request.GET.get("next", ""), reverse("admin:index"))
    return redirect(f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': target})}")


def _own_address(request: HttpRequest, target: str, default: str) -> str:
    """`target` if it leads to this site, else `default`: no open redirect."""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return default
