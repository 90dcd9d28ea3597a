"""The library: who sees which item, in the list, the search, the download and the event
page's list."""

from __future__ import annotations

import datetime

import pytest

from meetings.library import services as library
from meetings.models import Publication
from tests.factories import EventFactory, MembershipFactory, PublicationFactory
from tests.support import library as support
from tests.support.library import LIBRARY, Visibility, listed, log_in, pdf_bytes, with_file

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


# Fixtures of tests/support/library.py that these tests ask for by name.
items = support.items
people = support.people


SEES = {
    "anonymous": {"public"},
    "no organisation": {"public"},
    "member contact": {"public", "members"},
    "member colleague": {"public", "members"},
    "other municipality": {"public"},
    "staff": {"public", "members", "draft public", "draft members"},
}


# --- Who sees what ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", list(SEES))
def test_each_role_sees_exactly_its_items_in_list_search_and_count(client, people, items, who):
    log_in(client, people[who])
    expected = {items[name].pk for name in SEES[who]}

    for query in ("", "?q=Ehrenamtskarte"):
        response = client.get(LIBRARY + query)
        assert response.status_code == 200
        assert listed(response) == expected, query
        assert f'data-count="{len(expected)}"' in response.content.decode()


@pytest.mark.parametrize("who", list(SEES))
def test_hidden_items_are_not_found_nor_downloadable(client, people, items, who):
    log_in(client, people[who])
    for name, publication in items.items():
        with_file(publication, pdf_bytes())
        visible = name in SEES[who]
        page = client.get(f"{LIBRARY}{publication.pk}/")
        assert page.status_code == (200 if visible else 404), name
        download = client.get(f"{LIBRARY}{publication.pk}/datei/")
        assert download.status_code == (200 if visible else 404), name
        if not visible:
            assert publication.title not in page.content.decode()


def test_a_former_member_sees_public_items_only(client, items, organisation_a, contact_a):
    MembershipFactory(organisation=organisation_a, until=datetime.date(2025, 12, 31))
    client.force_login(contact_a)
    assert listed(client.get(LIBRARY)) == {items["public"].pk}
    assert client.get(f"{LIBRARY}{items['members'].pk}/").status_code == 404


def test_staff_see_unpublished_items_marked(client, items, staff_user):
    client.force_login(staff_user)
    html = client.get(LIBRARY).content.decode()
    assert html.count("data-unpublished") == 2
    detail = client.get(f"{LIBRARY}{items['draft public'].pk}/").content.decode()
    assert "data-unpublished" in detail


def test_members_see_which_items_are_only_for_them(client, items, contact_a, member_a):
    client.force_login(contact_a)
    html = client.get(LIBRARY).content.decode()
    assert html.count("data-members-only") == 1
    assert "data-unpublished" not in html


def test_anonymous_visitors_are_told_that_members_find_more(client, items):
    html = client.get(LIBRARY).content.decode()
    assert 'data-members-hint="1"' in html
    assert "/konto/login/?next=/wissen/" in html


def test_the_hint_says_what_the_search_hides_and_nothing_when_it_hides_nothing(client, items):
    assert 'data-members-hint="1"' in client.get(LIBRARY, {"q": "Interne"}).text
    assert "data-members-hint" not in client.get(LIBRARY, {"q": "Öffentliche"}).text
    Publication.objects.filter(visibility=Visibility.MEMBERS).delete()
    assert "data-members-hint" not in client.get(LIBRARY).text


def test_a_non_member_is_told_without_a_login_link_and_a_member_not_at_all(
    client, items, contact_a, member_a, contact_b
):
    html = log_in(client, contact_b).get(LIBRARY).text
    assert 'data-members-hint="1"' in html
    assert "/konto/login/" not in html
    assert "data-members-hint" not in log_in(client, contact_a).get(LIBRARY).text


def test_visible_publications_follow_the_same_rules(people, items):
    for who, names in SEES.items():
        user = people[who]
        if user is None:
            from django.contrib.auth.models import AnonymousUser

            user = AnonymousUser()
        assert set(library.visible_publications(user)) == {items[n] for n in names}, who


# --- The event page ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", list(SEES))
def test_the_event_page_lists_the_items_the_visitor_may_see(client, people, items, who):
    event = EventFactory()
    for publication in items.values():
        publication.event = event
        publication.save()
    log_in(client, people[who])
    html = client.get(f"/veranstaltungen/{event.pk}/").content.decode()
    expected = {items[name].pk for name in SEES[who]}
    assert listed(html) == expected


def test_an_event_without_items_has_no_library_section(client):
    event = EventFactory()
    PublicationFactory(event=event, visibility=Visibility.MEMBERS)
    assert "data-publications" not in client.get(f"/veranstaltungen/{event.pk}/").content.decode()
