"""The portal's own pages: home, join, the legal pages, and the frame of the personal
dashboard, whose panels the domain apps register (portal.pages.dashboard)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from portal.accessibility.models import ANSWER_WEEKS
from portal.accessibility.statement import LAST_CHECK
from portal.caching import cached_for_anonymous
from portal.pages.dashboard import render_panels


def _page(template: str):
    @cached_for_anonymous
    @require_GET
    def view(request: HttpRequest) -> HttpResponse:
        return render(request, template)

    view.__name__ = template.rsplit("/", 1)[-1].removesuffix(".html")
    return view


home = _page("pages/home.html")
join = _page("pages/join.html")
imprint = _page("pages/imprint.html")
privacy = _page("pages/privacy.html")
data_sources = _page("pages/data_sources.html")


@cached_for_anonymous
@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    contact = settings.ACCESSIBILITY_ENFORCEMENT_CONTACT
    context = {
        "answer_weeks": ANSWER_WEEKS,
        "last_check": LAST_CHECK,
        "enforcement_contact": [line.strip() for line in contact.split("|") if line.strip()],
    }
    return render(request, "pages/accessibility.html", context)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/dashboard.html", {"panels": render_panels(request)})
