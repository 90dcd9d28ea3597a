from __future__ import annotations

import logging
from urllib.parse import urlencode

import redis
from allauth.account import views as allauth_views
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language as django_set_language

from portal.accounts.forms import LanguageForm
from portal.caching import cached_for_anonymous
from portal.dashboard import render_panels

logger = logging.getLogger(__name__)


def _page(template: str):
    @cached_for_anonymous
    @require_GET
    def view(request: HttpRequest) -> HttpResponse:
        return render(request, template)

    view.__name__ = template.rsplit("/", 1)[-1].removesuffix(".html")
    return view


# allauth's login page: never kept, its form carries the visitor's CSRF token.
login = allauth_views.login

home = _page("pages/home.html")
join = _page("pages/join.html")
imprint = _page("pages/imprint.html")
privacy = _page("pages/privacy.html")
accessibility = _page("pages/accessibility.html")
data_sources = _page("pages/data_sources.html")


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/dashboard.html", {"panels": render_panels(request)})


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
        target = request.POST.get("next", "/")
        if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
            target = "/"
        # Not redirect(): it would take a word such as "home" for the name of a URL pattern.
        return HttpResponseRedirect(target)
    if request.user.is_authenticated:
        request.user.language = form.cleaned_data["language"]
        request.user.save(update_fields=["language"])
    return django_set_language(request)


def admin_login(request: HttpRequest) -> HttpResponse:
    """Staff log in like everyone else, so that allauth asks for their second factor."""
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = ""
    query = urlencode({"next": target or reverse("admin:index")})
    return redirect(f"{reverse(settings.LOGIN_URL)}?{query}")


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_cache() -> None:
    cache.set("health-check", "ok", 10)
    if cache.get("health-check") != "ok":
        raise RuntimeError("cache did not return the value just stored")


def _check_broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"
    client = redis.Redis.from_url(
        str(settings.CELERY_BROKER_URL), socket_connect_timeout=2, socket_timeout=2
    )
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """For load balancers and compose healthchecks: 200 when database, cache and broker answer."""
    checks: dict[str, str] = {}
    for name, check in (
        ("database", _check_database),
        ("cache", _check_cache),
        ("broker", _check_broker),
    ):
        try:
            checks[name] = check() or "ok"
        except Exception as exc:
            logger.warning("Health check %s failed: %s", name, exc)
            checks[name] = "error"
    healthy = all(value != "error" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503
    )


def bare(request: HttpRequest) -> HttpResponse:
    """The benchmark's yardstick: a Django view that does nothing."""
    return HttpResponse(b"ok", content_type="text/plain")
