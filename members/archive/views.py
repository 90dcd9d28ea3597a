"""The members' archive: the information e-mails the network has sent, as web pages.

Only people of member municipalities and staff read it (a mailing may speak of the network's
internal matters); anyone else logged in gets 404, as if the archive did not exist. It lives
here and not in portal because only this app knows who is a member.
"""

from __future__ import annotations

import re
from typing import cast

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_safe

from members.people.models import Affiliation, Organisation
from portal.mailings.views import register_archive_link
from portal.markdown import LINK_STYLE, to_html
from portal.models import Mailing, User

PER_PAGE = 20


def web_version(body: str) -> SafeString:
    """The mailing's Markdown as sanitised HTML whose headings start at the second level: on
    the page the subject is the only first-level heading, and no level is skipped below it."""
    # The link colour written onto each link for mail programs is the page's own CSS here, and
    # the CSP refuses style attributes anyway.
    html = str(to_html(body)).replace(f' style="{LINK_STYLE}"', "")
    levels = [int(level) for level in re.findall(r"<h([1-6])>", html)]
    if not levels:
        return mark_safe(html)  # noqa: S308 - sanitised by to_html  # nosec B308 B703
    shift = 2 - min(levels)
    shifted = re.sub(
        r"<(/?)h([1-6])>",
        lambda match: f"<{match[1]}h{min(int(match[2]) + shift, 6)}>",
        html,
    )
    return mark_safe(shifted)  # noqa: S308 - sanitised by to_html; only heading levels changed  # nosec B308 B703


def may_read_archive(user: User) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    return Affiliation.objects.filter(
        user=user, organisation__in=Organisation.objects.members()
    ).exists()


@register_archive_link
def archive_link(request: HttpRequest) -> str | None:
    return reverse("members:archive") if may_read_archive(cast(User, request.user)) else None


def _archived() -> QuerySet[Mailing]:
    return Mailing.objects.filter(status=Mailing.Status.SENT, in_archive=True).order_by(
        F("finished_at").desc(nulls_last=True), "-pk"
    )


def _require_reader(request: HttpRequest) -> None:
    if not may_read_archive(cast(User, request.user)):
        raise Http404


@login_required
@require_safe
def archive_list(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    mailings = _archived().select_related("topic").defer("body", "include", "exclude")
    page = Paginator(mailings, PER_PAGE).get_page(request.GET.get("seite"))
    return render(request, "members/archive_list.html", {"page": page})


@login_required
@require_safe
def archive_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_reader(request)
    mailing = get_object_or_404(_archived().select_related("topic"), pk=pk)
    return render(
        request,
        "members/archive_detail.html",
        {"mailing": mailing, "body": web_version(mailing.body)},
    )
