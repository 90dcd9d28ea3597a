"""The library: publications, documentation and method material of the network.

Who sees what: public items everyone; members-only items the people of a municipality that is
a member now (meetings.documents.sees_members_documents) and staff; unpublished items staff
only. Anything else is absent everywhere: not listed, not found, not counted, 404 on its page
and its file.

Search: on PostgreSQL a German full-text search (stemming, so "Ehrenamtskarten" finds
"Ehrenamtskarte") over title, summary, topic names and the linked event's and practice
example's titles, ranked; elsewhere (the embedded SQLite) `search_fallback`, where every word
has to occur in one of those texts after a crude German stemming.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, cast

from django import forms
from django.core.paginator import Page, Paginator
from django.db import connection, transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from meetings.documents import sees_members_documents
from meetings.library_uploads import DocumentType, type_of
from meetings.models import Event, LibraryTopic, Publication
from meetings.services import is_member
from portal.caching import cached_for_anonymous
from portal.http import HtmxHttpRequest
from portal.models import User

PER_PAGE = 20
QUERY_MAX_LENGTH = 200
# More words than this are not a search but a pasted text; the rest is ignored.
FALLBACK_MAX_WORDS = 10
SEARCH_CONFIG = "german"
Visibility = Publication.Visibility
ThroughTopic = Publication.topics.through


# --- Who sees what ----------------------------------------------------------------------------


def visible_publications(user: User | Any) -> QuerySet[Publication]:
    """The items of the library the user may see (staff: all, also unpublished ones)."""
    publications = Publication.objects.all()
    if user.is_authenticated and user.is_staff:
        return publications
    publications = publications.filter(is_published=True)
    if sees_members_documents(user):
        return publications
    return publications.filter(visibility=Visibility.PUBLIC)


def event_publications(event: Event, user: User | Any) -> list[Publication]:
    """The items of the library that belong to the event, as the user may see them."""
    return list(visible_publications(user).filter(event=event).order_by("-year", "title"))


# --- Search -----------------------------------------------------------------------------------


def search(publications: QuerySet[Publication], query: str) -> QuerySet[Publication]:
    """The publications that match the query, best first; the database decides how."""
    if not query.strip():
        return publications
    if connection.vendor == "postgresql":
        return _full_text_search(publications, query)
    return search_fallback(publications, query)


def _full_text_search(publications: QuerySet[Publication], query: str) -> QuerySet[Publication]:
    # Imported here: the embedded SQLite mode never needs PostgreSQL's search.
    from django.contrib.postgres.aggregates import StringAgg
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

    # The topics' names as one text per publication: a join would repeat the publication.
    topic_names = Subquery(
        ThroughTopic.objects.filter(publication=OuterRef("pk"))
        .values("publication")
        .annotate(names=StringAgg("librarytopic__name", delimiter=" "))
        .values("names")  # type: ignore[misc]  # the stubs do not see the annotation
    )
    vector = (
        SearchVector("title", weight="A", config=SEARCH_CONFIG)
        + SearchVector("summary", weight="B", config=SEARCH_CONFIG)
        + SearchVector(topic_names, weight="C", config=SEARCH_CONFIG)
        + SearchVector("event__title", "practice_example__title", weight="D", config=SEARCH_CONFIG)
    )
    # websearch: quotes, "or" and "-word" as people type them; never a syntax error.
    search_query = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
    return (
        publications.annotate(document=vector, rank=SearchRank(vector, search_query))
        .filter(document=search_query)
        .order_by("-rank", "-year", "title", "pk")
    )


# Longest first: "Ehrenamtskarten" loses "en", not only "n".
GERMAN_ENDINGS = ("ern", "en", "er", "es", "em", "e", "n", "s")
STEM_MIN_LENGTH = 4


def crude_stem(word: str) -> str:
    """A rough German stem: the word without one common ending, if enough is left."""
    word = word.lower()
    for ending in GERMAN_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= STEM_MIN_LENGTH:
            return word[: -len(ending)]
    return word


def search_fallback(publications: QuerySet[Publication], query: str) -> QuerySet[Publication]:
    """Search without PostgreSQL: every word (roughly stemmed) occurs in the title, the
    summary, a topic's name or the linked event's or practice example's title."""
    words = re.findall(r"\w+", query)[:FALLBACK_MAX_WORDS]
    for word in words:
        stem = crude_stem(word)
        in_topics = ThroughTopic.objects.filter(librarytopic__name__icontains=stem).values(
            "publication_id"
        )
        publications = publications.filter(
            Q(title__icontains=stem)
            | Q(summary__icontains=stem)
            | Q(pk__in=in_topics)
            | Q(event__title__icontains=stem)
            | Q(practice_example__title__icontains=stem)
        )
    return publications


# --- The list ---------------------------------------------------------------------------------


def _with_all(choices: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    return [("", pgettext_lazy("library filter", "all")), *choices]


class LibraryFilterForm(forms.Form):
    """Search and filters of the list (GET). A value that is not understood is reported next
    to its field and ignored."""

    q = forms.CharField(
        label=_("Search words"),
        required=False,
        max_length=QUERY_MAX_LENGTH,
        error_messages={
            "max_length": _("Please use at most %(limit_value)d characters (now %(show_value)d).")
        },
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    topic = forms.TypedChoiceField(label=_("Topic"), required=False, coerce=int, empty_value=None)
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)

    def __init__(
        self, *args: Any, topics: list[tuple[int, str]], years: list[int], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        fields = cast(dict[str, forms.ChoiceField], self.fields)
        fields["kind"].choices = _with_all(list(Publication.Kind.choices))
        fields["topic"].choices = _with_all([(str(pk), name) for pk, name in topics])
        fields["year"].choices = _with_all([(str(year), str(year)) for year in years])

    def apply(self, publications: QuerySet[Publication]) -> QuerySet[Publication]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        if kind := data.get("kind"):
            publications = publications.filter(kind=kind)
        if topic := data.get("topic"):
            publications = publications.filter(topics=topic)
        if year := data.get("year"):
            publications = publications.filter(year=year)
        return search(publications, data.get("q") or "")

    @property
    def is_filtered(self) -> bool:
        return any(value for value in getattr(self, "cleaned_data", {}).values())


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
    # htmx asks for the results only; a history restore needs the whole page.
    partial = bool(request.htmx) and not request.htmx.history_restore_request
    template = "meetings/library_list.html" + ("#library-results" if partial else "")
    return render(
        request,
        template,
        {
            "form": form,
            "page": page,
            "count": count,
            "count_text": ngettext("%(count)d item", "%(count)d items", count) % {"count": count},
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
    try:
        handle = publication.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    kind = type_of(publication.file.name)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=publication.file_name or PurePath(publication.file.name).name,
        content_type=kind.content_type if kind else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    if publication.visibility != Visibility.PUBLIC or not publication.is_published:
        patch_cache_control(response, private=True)
    return response


# --- Files leave with their item --------------------------------------------------------------


@receiver(post_delete, sender=Publication)
def _remove_file(sender: type[Publication], instance: Publication, **kwargs: Any) -> None:
    """A deleted item's file goes too, once the deletion is committed."""
    name, storage = instance.file.name, instance.file.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def remove_replaced_file(name: str) -> None:
    """Delete a file that an item no longer uses, once the change is committed."""
    if not name:
        return
    storage = Publication._meta.get_field("file").storage
    transaction.on_commit(lambda: storage.delete(name))
