"""The library's stored search document (issue 19): made once per change instead of for every
item in each search, it must always be the document the item's texts make now."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from meetings.library import services as library
from meetings.library.models import Publication, refresh_search_documents, search_document
from members.models import PracticeExample, Profile
from tests.factories import EventFactory, OrganisationFactory, PublicationFactory, TopicFactory

pytestmark = pytest.mark.django_db


def stale():
    """Titles of the items whose stored document is not the one their texts make now."""
    rows = Publication.objects.annotate(now=search_document()).values(
        "title", "search_vector", "now"
    )
    return [row["title"] for row in rows if row["search_vector"] != row["now"]]


def found(query):
    return [item.title for item in library.search(Publication.objects.all(), query)]


@pytest.fixture
def example():
    profile = Profile.objects.create(organisation=OrganisationFactory())
    return PracticeExample.objects.create(profile=profile, title="Ehrenamtsmesse", text="Jährlich.")


@pytest.fixture
def item(example):
    card = TopicFactory(name="Ehrenamtskarte")
    event = EventFactory(title="Netzwerktreffen Bielefeld")
    return PublicationFactory(
        title="Leitfaden", event=event, practice_example=example, topics=[card]
    )


def test_a_new_item_is_found_by_each_of_its_texts(item):
    assert stale() == []
    for query in ("Leitfaden", "Arbeitshilfe", "Ehrenamtskarten", "Bielefeld", "Ehrenamtsmesse"):
        assert found(query) == ["Leitfaden"], query


def test_editing_an_item_stores_its_new_document(item):
    item.title = "Handreichung Freiwilligenagentur"
    item.save()

    assert stale() == []
    assert found("Freiwilligenagenturen") == ["Handreichung Freiwilligenagentur"]
    assert found("Leitfaden") == []


def test_topics_added_removed_and_cleared_from_either_side_are_in_the_document(item):
    strategy = TopicFactory(name="Engagementstrategie")
    item.topics.add(strategy)
    assert found("Engagementstrategien") == ["Leitfaden"]
    item.topics.remove(strategy)
    assert found("Engagementstrategien") == []
    strategy.publications.add(item)
    assert found("Engagementstrategien") == ["Leitfaden"]
    strategy.publications.clear()
    assert found("Engagementstrategien") == []
    item.topics.clear()
    assert stale() == []
    assert found("Ehrenamtskarten") == []


def test_renaming_or_deleting_a_topic_changes_the_document_of_its_items(item):
    card = item.topics.get()
    card.name = "Ehrenamtspass"
    card.save()
    assert found("Ehrenamtspass") == ["Leitfaden"]
    assert found("Ehrenamtskarten") == []

    card.delete()
    assert stale() == []
    assert found("Ehrenamtspass") == []


def test_renaming_or_deleting_the_event_changes_the_document(item):
    event = item.event
    event.title = "Netzwerktreffen Münster"
    event.save()
    assert found("Münster") == ["Leitfaden"]
    assert found("Bielefeld") == []

    event.delete()
    assert stale() == []
    assert found("Münster") == []


def test_renaming_or_deleting_the_practice_example_changes_the_document(item, example):
    example.title = "Freiwilligentag"
    example.save()
    assert found("Freiwilligentag") == ["Leitfaden"]

    example.delete()
    assert stale() == []
    assert found("Freiwilligentag") == []


def test_the_search_reads_the_stored_document_and_makes_none(item):
    with CaptureQueriesContext(connection) as queries:
        found("Leitfaden")

    (query,) = queries.captured_queries
    assert "to_tsvector" not in query["sql"]
    assert '"search_vector" @@' in query["sql"]


def test_items_written_without_signals_get_their_document_when_refreshed(item):
    Publication.objects.filter(pk=item.pk).update(search_vector=None)
    assert stale() == ["Leitfaden"]

    refresh_search_documents()

    assert stale() == []


def test_on_other_databases_nothing_is_stored_and_the_fallback_searches(monkeypatch, example):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    PublicationFactory(title="Engagementbörsen im Vergleich", practice_example=example)

    assert Publication.objects.get().search_vector is None
    assert found("Engagementbörse") == ["Engagementbörsen im Vergleich"]
