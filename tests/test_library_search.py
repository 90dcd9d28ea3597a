"""The library: search (PostgreSQL and the fallback), filters, pages and bad input."""

from __future__ import annotations

import pytest

from meetings.library import services as library
from meetings.library import views as library_views
from meetings.models import Publication
from members.models import PracticeExample, Profile
from tests.factories import EventFactory, PublicationFactory, TopicFactory
from tests.support import library as support
from tests.support.library import LIBRARY, Visibility, listed, log_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


# Fixtures of tests/support/library.py that these tests ask for by name.
items = support.items
people = support.people


# --- Search -----------------------------------------------------------------------------------


def titles(queryset) -> list[str]:
    return [publication.title for publication in queryset]


def test_the_german_search_finds_a_word_in_another_form(client):
    PublicationFactory(title="Die Ehrenamtskarte in kleinen Gemeinden")
    PublicationFactory(title="Freiwilligenagenturen gründen")
    html = client.get(LIBRARY, {"q": "Ehrenamtskarten"}).content.decode()
    assert "Die Ehrenamtskarte in kleinen Gemeinden" in html
    assert "Freiwilligenagenturen gründen" not in html
    assert 'data-count="1"' in html


def test_search_ranks_the_title_above_the_summary():
    in_summary = PublicationFactory(
        title="Anerkennungskultur", summary="Auch die Engagementstrategie gehört dazu."
    )
    in_title = PublicationFactory(title="Eine Engagementstrategie entwickeln", year=2019)
    found = library.search(Publication.objects.all(), "Engagementstrategien")
    assert list(found) == [in_title, in_summary]


def test_search_looks_into_topics_events_and_practice_examples(member_a):
    topic = TopicFactory(name="Freiwilligenagenturen")
    by_topic = PublicationFactory(title="Beratung vor Ort", topics=[topic])
    event = EventFactory(title="Werkstatt Vereinsberatung")
    by_event = PublicationFactory(title="Dokumentation", event=event)
    profile = Profile.objects.create(organisation=member_a)
    example = PracticeExample.objects.create(profile=profile, title="Lotsenprogramm", text="…")
    by_example = PublicationFactory(title="Steckbrief", practice_example=example)
    PublicationFactory(title="Etwas ganz anderes")
    everything = Publication.objects.all()

    assert list(library.search(everything, "Freiwilligenagentur")) == [by_topic]
    assert list(library.search(everything, "Vereinsberatung")) == [by_event]
    assert list(library.search(everything, "Lotsenprogramme")) == [by_example]


def test_a_publication_with_several_topics_is_found_once():
    topics = [TopicFactory(name=name) for name in ("Ehrenamt", "Ehrenamtskarte", "Ehrenamtsbörse")]
    PublicationFactory(title="Ehrenamt stärken", topics=topics)
    assert len(library.search(Publication.objects.all(), "Ehrenamt")) == 1


def test_web_search_syntax_is_understood():
    PublicationFactory(title="Ehrenamtskarte Kreis Borken")
    PublicationFactory(title="Jugendleitercard und Ehrenamtskarte im Kreis Unna")
    everything = Publication.objects.all()
    assert titles(library.search(everything, "Ehrenamtskarte -Jugendleitercard")) == [
        "Ehrenamtskarte Kreis Borken"
    ]
    assert titles(library.search(everything, '"Ehrenamtskarte Kreis"')) == [
        "Ehrenamtskarte Kreis Borken"
    ]
    assert len(library.search(everything, "Borken or Unna")) == 2


def test_an_empty_search_changes_nothing():
    PublicationFactory.create_batch(2)
    assert library.search(Publication.objects.all(), "   ").count() == 2


def test_the_crude_stem_strips_one_common_ending():
    assert library.crude_stem("Ehrenamtskarten") == "ehrenamtskart"
    assert library.crude_stem("Ehrenamtskarte") == "ehrenamtskart"
    assert library.crude_stem("Vereine") == "verein"
    assert library.crude_stem("Kindern") == "kind"
    assert library.crude_stem("Haus") == "haus", "too short to lose anything"


def test_the_fallback_finds_a_word_in_another_form():
    PublicationFactory(title="Die Ehrenamtskarte in kleinen Gemeinden")
    PublicationFactory(title="Freiwilligenagenturen gründen")
    found = library.search_fallback(Publication.objects.all(), "Ehrenamtskarten")
    assert titles(found) == ["Die Ehrenamtskarte in kleinen Gemeinden"]


def test_the_fallback_needs_every_word_somewhere():
    topic = TopicFactory(name="Engagementstrategie")
    both = PublicationFactory(
        title="Leitfaden für Kommunen", summary="Schritt für Schritt.", topics=[topic]
    )
    PublicationFactory(title="Leitfaden für Vereine")
    event = EventFactory(title="Netzwerktreffen Engagementstrategie")
    by_event = PublicationFactory(title="Leitfaden aus dem Treffen", event=event)
    everything = Publication.objects.all()

    found = library.search_fallback(everything, "Leitfäden Engagementstrategien")
    assert set(found) == set(), "Leitfäden is no form the crude stem knows"
    found = library.search_fallback(everything, "Leitfaden Engagementstrategien")
    assert set(found) == {both, by_event}
    assert library.search_fallback(everything, "Leitfaden Schritte").get() == both


def test_the_fallback_is_used_on_other_databases(monkeypatch):
    PublicationFactory(title="Engagementbörsen im Vergleich")
    monkeypatch.setattr(library.connection, "vendor", "sqlite")
    found = library.search(Publication.objects.all(), "Engagementbörse")
    assert titles(found) == ["Engagementbörsen im Vergleich"]
    assert "rank" not in found.query.annotations


# --- Filters, pages, bad input ----------------------------------------------------------------


def test_filters_by_kind_topic_and_year(client):
    strategy = TopicFactory(name="Engagementstrategie")
    card = TopicFactory(name="Ehrenamtskarte")
    wanted = PublicationFactory(
        title="Gesucht", kind=Publication.Kind.DOCUMENTATION, year=2024, topics=[strategy]
    )
    PublicationFactory(kind=Publication.Kind.PUBLICATION, year=2024, topics=[strategy])
    PublicationFactory(kind=Publication.Kind.DOCUMENTATION, year=2023, topics=[strategy])
    PublicationFactory(kind=Publication.Kind.DOCUMENTATION, year=2024, topics=[card])

    response = client.get(LIBRARY, {"kind": "documentation", "topic": strategy.pk, "year": 2024})
    assert listed(response) == {wanted.pk}
    assert listed(client.get(LIBRARY, {"topic": card.pk})) == {
        p.pk for p in Publication.objects.filter(topics=card)
    }
    assert len(listed(client.get(LIBRARY, {"year": 2024}))) == 3


def test_the_year_filter_offers_only_years_the_visitor_can_see(client):
    PublicationFactory(year=2021)
    PublicationFactory(year=2018, visibility=Visibility.MEMBERS)
    html = client.get(LIBRARY).content.decode()
    assert '<option value="2021">' in html
    assert '<option value="2018">' not in html


@pytest.mark.parametrize(
    "params",
    [
        {"seite": "abc"},
        {"seite": "99999"},
        {"seite": "-1"},
        {"year": "xyz"},
        {"year": "1800"},
        {"kind": "bogus"},
        {"topic": "999999"},
        {"topic": "'; drop table"},
        {"q": "x" * 5000},
        {"q": "\x00 \\ ' \" & | ! : * ( )"},
    ],
)
def test_bad_input_never_fails(client, params):
    PublicationFactory.create_batch(3)
    response = client.get(LIBRARY, params)
    assert response.status_code == 200
    assert listed(response), "what is not understood is ignored"


def test_an_invalid_filter_is_explained_next_to_its_field(client):
    PublicationFactory(title="Ehrenamtskarte")
    html = client.get(LIBRARY, {"kind": "bogus", "q": "x" * 300}).content.decode()
    assert 'id="id_kind_error"' in html
    assert 'id="id_q_error"' in html
    assert 'aria-invalid="true"' in html
    assert "x" * 300 in html, "what was typed stays in the field"


def test_markup_in_the_search_is_shown_as_text(client):
    html = client.get(LIBRARY, {"q": '<script>alert("x")</script>'}).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_the_list_is_paginated_and_keeps_the_search(client):
    for n in range(45):
        PublicationFactory(title=f"Ehrenamtskarte Teil {n:02d}")
    first = client.get(LIBRARY, {"q": "Ehrenamtskarte"})
    assert len(listed(first)) == 20
    html = first.content.decode()
    assert 'data-count="45"' in html
    assert "data-pagination" in html
    assert 'href="/wissen/?q=Ehrenamtskarte&amp;seite=2"' in html
    assert 'aria-current="page"' in html

    last = client.get(LIBRARY, {"q": "Ehrenamtskarte", "seite": "3"})
    assert len(listed(last)) == 5
    assert listed(client.get(LIBRARY, {"q": "Ehrenamtskarte", "seite": "99999"})) == listed(last)
    assert listed(client.get(LIBRARY, {"seite": "abc"})) == listed(
        client.get(LIBRARY, {"seite": "1"})
    )


def test_page_numbers_leave_gaps_in_long_lists():
    from django.core.paginator import Paginator

    page = Paginator(range(200), 20).get_page(5)
    assert library_views._page_numbers(page) == [1, None, 3, 4, 5, 6, 7, None, 10]
    assert library_views._page_numbers(Paginator(range(30), 20).get_page(1)) == [1, 2]


def test_an_empty_result_says_so(client):
    PublicationFactory(title="Ehrenamtskarte")
    html = client.get(LIBRARY, {"q": "Klimaschutz"}).content.decode()
    assert "data-no-results" in html
    assert 'data-count="0"' in html


def test_htmx_gets_only_the_results_with_the_count(client):
    PublicationFactory(title="Ehrenamtskarte kompakt")
    response = client.get(LIBRARY, {"q": "Ehrenamtskarten"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html
    assert "Ehrenamtskarte kompakt" in html
    assert 'id="library-count" data-hx-swap-oob="innerHTML"' in html
    assert "HX-Request" in response["Vary"]
    restore = client.get(
        LIBRARY,
        {"q": "Ehrenamtskarten"},
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in restore.content.decode()


def test_the_form_works_without_javascript_and_with_htmx(client):
    html = client.get(LIBRARY).content.decode()
    assert 'method="get" action="/wissen/"' in html
    assert 'hx-get="/wissen/"' in html
    assert 'hx-push-url="true"' in html
    assert 'role="search"' in html


def test_only_safe_methods_are_allowed(client, items):
    assert client.post(LIBRARY).status_code == 405
    assert client.post(f"{LIBRARY}{items['public'].pk}/").status_code == 405
    assert client.head(LIBRARY).status_code == 200


@pytest.mark.parametrize("who", ["anonymous", "member contact", "staff"])
def test_the_list_needs_as_many_queries_for_50_items_as_for_5(
    client, people, who, django_assert_max_num_queries
):
    log_in(client, people[who])
    topics = [TopicFactory(name=f"Thema {n}") for n in range(3)]

    def add(count: int) -> None:
        for n in range(count):
            PublicationFactory(
                title=f"Ehrenamtskarte {n}",
                visibility=Visibility.MEMBERS if n % 2 else Visibility.PUBLIC,
                topics=topics[: n % 3 + 1],
            )

    searches = ({}, {"q": "Ehrenamtskarten"}, {"topic": topics[0].pk, "seite": "2"})
    add(5)
    few = {}
    for number, query in enumerate(searches):
        with django_assert_max_num_queries(12) as captured:
            client.get(LIBRARY, query)
        few[number] = len(captured.captured_queries)
    add(45)
    for number, query in enumerate(searches):
        with django_assert_max_num_queries(few[number]):
            response = client.get(LIBRARY, query)
        assert listed(response), query
