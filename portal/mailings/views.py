"""Leaving the information e-mails, and choosing which of them to get.

The unsubscribe link of each information e-mail carries a signed token
(portal.mailings.unsubscribe): whoever holds it may unsubscribe that one address, without
logging in, and nobody can turn it into another address. Opening the link only asks; a button
confirms, so that link scanners of mail servers unsubscribe nobody. Mail programs that offer
"unsubscribe" themselves post `List-Unsubscribe=One-Click` to the same address (RFC 8058); they
have no CSRF token, and need none, because the token already proves the address.

What is recorded and how is portal.mailings.preferences' business.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from portal.accounts.models import User
from portal.mailings.forms import PreferencesForm
from portal.mailings.models import Topic, Unsubscribe
from portal.mailings.preferences import current_choices, record_unsubscribe, save_preferences
from portal.mailings.unsubscribe import UnsubscribeRequest, read_token, unsubscribe_token
from portal.outbox.models import FailedAddress

ONE_CLICK_FIELD = "List-Unsubscribe"
ONE_CLICK_VALUE = "One-Click"

# The members' archive of past mailings lives in a domain app, which alone knows who may read
# it; it registers a function that gives the archive's address to those people (else None).
ArchiveLink = Callable[[HttpRequest], str | None]
_archive_links: list[ArchiveLink] = []


def register_archive_link(link: ArchiveLink) -> ArchiveLink:
    if link not in _archive_links:
        _archive_links.append(link)
    return link


def archive_url(request: HttpRequest) -> str | None:
    return next((url for link in _archive_links if (url := link(request))), None)


def _topic_of(wish: UnsubscribeRequest) -> Topic | None:
    # A topic that no longer exists sends nothing any more; the reader still wants out, so the
    # link then stands for all information e-mails.
    if wish.topic_id is None:
        return None
    return Topic.objects.filter(pk=wish.topic_id).first()


def masked(email: str) -> str:
    """The address with most of its local part hidden: whoever forwards the mail or sees the
    screen learns the domain, not the person."""
    local, _at, domain = email.partition("@")
    return f"{local[:1]}…@{domain}" if domain else "…"


# --- Unsubscribe link -------------------------------------------------------------------------


def _is_one_click(request: HttpRequest) -> bool:
    return request.method == "POST" and request.POST.get(ONE_CLICK_FIELD) == ONE_CLICK_VALUE


@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    # Only the mail program's one-click post goes without CSRF check; a form in the browser is
    # checked like every other form.
    if _is_one_click(request):
        return _one_click(request, token)
    return _unsubscribe_page(request, token)


# The answer is German text: without a charset, a mail program may read its umlauts as Latin-1.
PLAIN_TEXT = "text/plain; charset=utf-8"


def _one_click(request: HttpRequest, token: str) -> HttpResponse:
    wish = read_token(token)
    if wish is None:
        return HttpResponse(
            _("This unsubscribe link is not valid."), status=404, content_type=PLAIN_TEXT
        )
    record_unsubscribe(wish.email, _topic_of(wish), Unsubscribe.Source.ONE_CLICK)
    return HttpResponse(_("You have been unsubscribed."), content_type=PLAIN_TEXT)


@csrf_protect
def _unsubscribe_page(request: HttpRequest, token: str) -> HttpResponse:
    wish = read_token(token)
    if wish is None:
        return render(request, "portal/unsubscribe.html", {"state": "invalid"}, status=404)
    topic = _topic_of(wish)
    context: dict[str, Any] = {
        "state": "confirm",
        "address": masked(wish.email),
        "topic": topic,
        "token": token,
    }
    if request.method == "POST":
        record_unsubscribe(wish.email, topic, Unsubscribe.Source.LINK)
        context["state"] = "done"
        if topic is not None:
            context["all_token"] = unsubscribe_token(wish.email, None)
    return render(request, "portal/unsubscribe.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def email_preferences(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            save_preferences(user, form.cleaned_data["topics"], form.cleaned_data["no_mail"])
            messages.success(request, _("Your e-mail preferences have been saved."))
            return redirect("email_preferences")
    else:
        ticked, all_off = current_choices(user)
        form = PreferencesForm(initial={"topics": sorted(ticked), "no_mail": all_off})
    undeliverable = FailedAddress.objects.filter(
        email__iexact=user.email, cleared_at__isnull=True
    ).exists()
    return render(
        request,
        "portal/email_preferences.html",
        {"form": form, "undeliverable": undeliverable, "archive_url": archive_url(request)},
    )
