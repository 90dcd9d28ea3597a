"""The library: publications, documentation and method material of the network.

Who sees what: public items everyone; members-only items the people of a municipality that is
a member now (meetings.documents.services.sees_members_documents) and staff; unpublished items
staff only. Anything else is absent everywhere: not listed, not found, not counted, 404 on its
page and its file.

Search: on PostgreSQL a German full-text search (stemming, so "Ehrenamtskarten" finds
"Ehrenamtskarte") over title, summary, topic names and the linked event's and practice
example's titles, ranked; elsewhere (the embedded SQLite) `search_fallback`, where every word
has to occur in one of those texts after a crude German stemming.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet

from meetings.documents.services import sees_members_documents
from meetings.events.models import Event
from meetings.library.models import SEARCH_CONFIG, Publication
from portal.models import User
from portal.text import in_any_field

# More words than this are not a search but a pasted text; the rest is ignored.
FALLBACK_MAX_WORDS = 10
# Searched by the fallback besides the topics' names.
FALLBACK_FIELDS = ("title", "summary", "event__title", "practice_example__title")
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


def hidden_publications(user: User | Any) -> QuerySet[Publication]:
    """The published items the user may not see because they are for members only."""
    if sees_members_documents(user):
        return Publication.objects.none()
    return Publication.objects.filter(is_published=True, visibility=Visibility.MEMBERS)


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
    # The document is stored with each item (meetings.library.models.search_document) and
    # GIN-indexed: made anew for all items in each of the page's queries, it took 50 ms.
    # websearch: quotes, "or" and "-word" as people type them; never a syntax error.
    search_query = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
    return (
        publications.filter(search_vector=search_query)
        .annotate(rank=SearchRank(F("search_vector"), search_query))
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
            in_any_field(stem, FALLBACK_FIELDS) | Q(pk__in=in_topics)
        )
    return publications


def remove_replaced_file(name: str) -> None:
    """Delete a file that an item no longer uses, once the change is committed."""
    if not name:
        return
    storage = Publication._meta.get_field("file").storage
    transaction.on_commit(lambda: storage.delete(name))
