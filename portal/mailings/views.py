"""Leaving the information e-mails, and choosing which of them to get.

The unsubscribe link of each information e-mail carries a signed token (portal.unsubscribe):
whoever holds it may unsubscribe that one address, without logging in, and nobody can turn it
into another address. Opening the link only asks; a button confirms, so that link scanners of
mail servers unsubscribe nobody. Mail programs that offer "unsubscribe" themselves post
`List-Unsubscribe=One-Click` to the same address (RFC 8058); they have no CSRF token, and need
none, because the token already proves the address.

Unsubscribes only hold back information e-mails: nothing here touches the outbox, so mails about
applications, registrations and declarations still reach everyone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from portal.mailings.unsubscribe import UnsubscribeRequest, read_token, unsubscribe_token
from portal.models import FailedAddress, Subscription, Topic, Unsubscribe, User

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


# --- Recording --------------------------------------------------------------------------------


def record_unsubscribe(email: str, topic: Topic | None, source: str) -> Unsubscribe:
    """Note that an address wants no more information e-mails of a topic (None: of any).

    Idempotent: an address that is already unsubscribed keeps its first row and its date."""
    email = email.strip().lower()
    existing = Unsubscribe.objects.filter(email__iexact=email, topic=topic).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            return Unsubscribe.objects.create(email=email, topic=topic, source=source)
    except IntegrityError:
        # Mail program and reader clicked at the same moment; the other request recorded it.
        return Unsubscribe.objects.get(email__iexact=email, topic=topic)


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


def _one_click(request: HttpRequest, token: str) -> HttpResponse:
    wish = read_token(token)
    if wish is None:
        return HttpResponse(
            _("This unsubscribe link is not valid."), status=404, content_type="text/plain"
        )
    record_unsubscribe(wish.email, _topic_of(wish), Unsubscribe.Source.ONE_CLICK)
    return HttpResponse(_("You have been unsubscribed."), content_type="text/plain")


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


# --- Preferences ------------------------------------------------------------------------------


class TopicChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        topic = cast(Topic, obj)
        return f"{topic.name} – {topic.description}" if topic.description else topic.name


class PreferencesForm(forms.Form):
    topics = TopicChoiceField(
        label=gettext_lazy("Topics"),
        queryset=Topic.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Tick the topics you want to hear about."),
    )
    no_mail = forms.BooleanField(
        label=gettext_lazy("I do not want any information e-mails."),
        required=False,
        help_text=gettext_lazy(
            "Then no information e-mail reaches you, whatever the topic. Messages about your "
            "application, your registrations and the joint declaration still do."
        ),
    )


def _current_choices(user: User) -> tuple[set[int], bool]:
    """The topics shown as ticked (subscribed and not unsubscribed) and whether all are off."""
    subscribed = set(Subscription.objects.filter(user=user).values_list("topic_id", flat=True))
    unsubscribed = set(
        Unsubscribe.objects.filter(email__iexact=user.email).values_list("topic_id", flat=True)
    )
    return subscribed - unsubscribed, None in unsubscribed


def save_preferences(user: User, topics: Iterable[Topic], no_mail: bool) -> None:
    """Subscribe the user to exactly these topics and switch all information e-mails on or off.

    A topic the user unticks is recorded as unsubscribed, so that mailings of that topic to a
    wider audience skip the user too; a ticked topic clears an earlier unsubscribe."""
    wanted = {topic.pk: topic for topic in topics}
    ticked, _all_off = _current_choices(user)
    with transaction.atomic():
        Subscription.objects.filter(user=user).exclude(topic_id__in=wanted).delete()
        for topic in wanted.values():
            Subscription.objects.get_or_create(user=user, topic=topic)
        Unsubscribe.objects.filter(email__iexact=user.email, topic_id__in=wanted).delete()
        for topic in Topic.objects.filter(pk__in=ticked - wanted.keys()):
            record_unsubscribe(user.email, topic, Unsubscribe.Source.PREFERENCES)
        if no_mail:
            record_unsubscribe(user.email, None, Unsubscribe.Source.PREFERENCES)
        else:
            Unsubscribe.objects.filter(email__iexact=user.email, topic__isnull=True).delete()


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
        ticked, all_off = _current_choices(user)
        form = PreferencesForm(initial={"topics": sorted(ticked), "no_mail": all_off})
    undeliverable = FailedAddress.objects.filter(
        email__iexact=user.email, cleared_at__isnull=True
    ).exists()
    return render(
        request,
        "portal/email_preferences.html",
        {"form": form, "undeliverable": undeliverable, "archive_url": archive_url(request)},
    )
