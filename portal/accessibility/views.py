"""The accessibility pages: Leichte Sprache, sign language (with its videos) and the form
"Barriere melden"."""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from portal.accessibility import services
from portal.accessibility.forms import BarrierReportForm, form_stamp, same_site_path
from portal.accessibility.models import ANSWER_WEEKS, SignLanguageVideo
from portal.accessibility.topics import SLUGS, TOPICS
from portal.caching import cached_for_anonymous
from portal.downloads import ranged_file_response

# Enough for one person reporting several barriers, too few to flood the team's mailbox.
REPORTS_PER_IP_AND_HOUR = 5
HOUR = 3600
CAPTIONS_TYPE = "text/vtt; charset=utf-8"


@cached_for_anonymous
@require_GET
def easy_read_index(request: HttpRequest) -> HttpResponse:
    return render(request, "accessibility/leichte_sprache/index.html")


@cached_for_anonymous
@require_GET
def easy_read_page(request: HttpRequest, slug: str) -> HttpResponse:
    if slug not in SLUGS:
        raise Http404
    position = SLUGS.index(slug)
    context = {
        "next_slug": SLUGS[position + 1] if position + 1 < len(SLUGS) else "",
        "answer_weeks": ANSWER_WEEKS,
        "team_email": settings.PORTAL_TEAM_EMAIL,
    }
    return render(request, f"accessibility/leichte_sprache/{slug}.html", context)


@cached_for_anonymous
@require_GET
def sign_language(request: HttpRequest) -> HttpResponse:
    videos = {video.topic: video for video in SignLanguageVideo.objects.all()}
    topics = [(topic, videos.get(topic.slug)) for topic in TOPICS]
    return render(request, "accessibility/sign_language.html", {"topics": topics})


@require_safe
def sign_language_video(request: HttpRequest, pk: int) -> HttpResponseBase:
    video = get_object_or_404(SignLanguageVideo, pk=pk)
    return ranged_file_response(request, video.video, video.video_type)


@require_safe
def sign_language_captions(request: HttpRequest, pk: int) -> HttpResponseBase:
    video = get_object_or_404(SignLanguageVideo, pk=pk)
    return ranged_file_response(request, video.captions, CAPTIONS_TYPE)


def _over_limit(request: HttpRequest) -> bool:
    # allauth's way of finding the client's address, so proxies are trusted as for logins.
    key = f"accessibility:reports:{get_adapter(request).get_client_ip(request)}"
    cache.add(key, 0, timeout=HOUR)
    try:
        return cache.incr(key) > REPORTS_PER_IP_AND_HOUR
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=HOUR)
        return False


def _render_form(request: HttpRequest, form: BarrierReportForm, status: int = 200) -> HttpResponse:
    context = {"form": form, "stamp": form_stamp(), "answer_weeks": ANSWER_WEEKS}
    return render(request, "accessibility/report.html", context, status=status)


# Not cached: the form carries a CSRF token and a fresh time stamp.
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        page = same_site_path(request.GET.get("seite", ""))
        return _render_form(request, BarrierReportForm(initial={"page": page}))
    form = BarrierReportForm(request.POST)
    if form.is_trap_filled():
        # A bot: it sees the same page as a person, and nothing is stored or sent.
        return redirect("access:report_sent")
    if not form.is_valid():
        return _render_form(request, form)
    if _over_limit(request):
        form.add_error(
            None,
            _(
                "There have been too many reports from your network in the last hour. Your "
                "entries are still here: please try again later or write to us by e-mail."
            ),
        )
        return _render_form(request, form, status=429)
    data = form.cleaned_data
    filed = services.file_report(
        page=data["page"],
        description=data["description"],
        reply_email=data["reply_email"],
        language=get_language() or "",
    )
    messages.success(
        request,
        _("Thank you. Your report has been received under the reference number %(reference)s.")
        % {"reference": filed.reference},
    )
    return redirect("access:report_sent")


@never_cache
@require_safe
def report_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "accessibility/report_sent.html", {"answer_weeks": ANSWER_WEEKS})
