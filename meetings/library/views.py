"""The library's pages: the list with search and filters, an item and its file.

Who sees what and the search are meetings.library.services.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import ngettext
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from meetings.events.models import Event
from meetings.events.services import is_member
from meetings.library.forms import LibraryFilterForm
from meetings.library.models import LibraryTopic, Publication
from meetings.library.services import hidden_publications, visible_publications
from meetings.library.uploads import DocumentType, type_of
from portal.caching import cached_for_anonymous
from portal.downloads import file_response
from portal.http import HtmxHttpRequest, wants_partial

PER_PAGE = 20
Visibility = Publication.Visibility


def _page_query(request: HttpRequest) -> str:
    """The list's query string without the page: the pagination adds its own."""
    params = request.GET.copy()
    params.pop("seite", None)
    return params.urlencode()


@cached_for_anonymous(query=("q", "kind", "topic", "year", "seite"))
@require_safe
@vary_on_headers("HX-Request")
def library(request: HtmxHttpRequest) -> HttpResponse:
    visible = visible_publications(request.user)
    form = LibraryFilterForm(
        request.GET,
        topics=list(LibraryTopic.objects.values_list("pk", "name")),
        years=list(visible.order_by("-year").values_list("year", flat=True).distinct()),
    )
    results = form.apply(visible).prefetch_related("topics")
    page: Page = Paginator(results, PER_PAGE).get_page(request.GET.get("seite"))
    count = page.paginator.count
    # Only a count, the same for every visitor who may not see them: fine in a shared copy.
    hidden_count = form.apply(hidden_publications(request.user)).count()
    partial = wants_partial(request)
    template = "meetings/library_list.html" + ("#library-results" if partial else "")
    return render(
        request,
        template,
        {
            "form": form,
            "page": page,
            "count": count,
            "count_text": ngettext("%(count)d item", "%(count)d items", count) % {"count": count},
            "hidden_count": hidden_count,
            "page_numbers": _page_numbers(page),
            "page_query": _page_query(request),
            "library_url": reverse("meetings:library"),
            "partial": partial,
        },
    )


def _page_numbers(page: Page) -> list[int | None]:
    """The first, the last and the pages around the current one; None stands for a gap."""
    total = page.paginator.num_pages
    wanted = {1, total, *range(page.number - 2, page.number + 3)}
    numbers: list[int | None] = []
    previous = 0
    for number in sorted(n for n in wanted if 1 <= n <= total):
        if previous and number - previous > 1:
            numbers.append(None)
        numbers.append(number)
        previous = number
    return numbers


# --- One item and its file --------------------------------------------------------------------


def _publication_for_user(request: HttpRequest, pk: int) -> Publication:
    """The item if the user may see it; 404 otherwise, so that hidden items stay unknown."""
    return get_object_or_404(
        visible_publications(request.user).select_related(
            "event", "practice_example__profile__organisation__authority"
        ),
        pk=pk,
    )


@dataclass(frozen=True)
class Attachment:
    name: str
    kind: DocumentType | None
    size: int


@cached_for_anonymous
@require_safe
def publication_detail(request: HttpRequest, pk: int) -> HttpResponse:
    publication = _publication_for_user(request, pk)
    user = request.user
    event = publication.event
    if event is not None and event.status == Event.Status.DRAFT:
        event = None  # its page is not public yet, not even for staff
    municipality = None
    if publication.practice_example is not None:
        organisation = publication.practice_example.profile.organisation
        # Only members have a public profile.
        if is_member(organisation):
            municipality = organisation.authority
    attachment = None
    if publication.file:
        attachment = Attachment(
            publication.file_name, type_of(publication.file.name), publication.file_size
        )
    link = publication.link if publication.link.lower().startswith(("https://", "http://")) else ""
    return render(
        request,
        "meetings/library_detail.html",
        {
            "publication": publication,
            "topics": list(publication.topics.all()),
            "event": event,
            "municipality": municipality,
            "attachment": attachment,
            "link": link,
            "staff": user.is_authenticated and user.is_staff,
        },
    )


@require_safe
def publication_file(request: HttpRequest, pk: int) -> HttpResponseBase:
    publication = _publication_for_user(request, pk)
    if not publication.file:
        raise Http404
    # The stored name's extension is the one the upload check gave it (meetings.library.uploads).
    kind = type_of(publication.file.name)
    response = file_response(
        publication.file,
        publication.file_name or PurePath(publication.file.name).name,
        kind.content_type if kind else "",
        extension=kind.extension if kind else "",
    )
    if publication.visibility != Visibility.PUBLIC or not publication.is_published:
        patch_cache_control(response, private=True)
    return response
