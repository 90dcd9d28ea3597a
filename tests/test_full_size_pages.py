"""The pages that list the whole network at its full size (issue 19).

Directory, map and signatories render their tables once per content ({% cache %} keyed on the
rows' values), the event list counts places per event, staff's registration list pages through
an index. Their queries must not grow with the data, and a cached table must never show an old
row: not to anonymous visitors, not to anyone logged in.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from benchmarks.volume import FULL, grow
from declarations.models import Signature
from meetings.models import Event, Registration
from members.models import Authority, Membership, Organisation
from tests.factories import EventFactory, StaffFactory, UserFactory
from tests.test_query_budget import SMALL

PAGES = {
    "directory": lambda: reverse("members:directory"),
    "map": lambda: reverse("members:map"),
    "signatories": lambda: reverse("declarations:signatories"),
    "event list": lambda: reverse("meetings:event_list"),
    "admin: registrations": lambda: reverse("admin:meetings_registration_changelist"),
}


@pytest.fixture
def afresh(settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    settings.PORTAL_PAGE_CACHE_SECONDS = 0


def _queries(client: Client, url: str) -> int:
    # The first request reads what a process keeps for good (the regions): not counted.
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries)


@pytest.mark.parametrize("page", PAGES)
def test_the_page_makes_the_same_queries_at_five_times_the_data(page, db, afresh):
    client = Client()
    client.force_login(StaffFactory())
    grow(SMALL, seed=1)
    small = _queries(client, PAGES[page]())
    grow(SMALL.times(4), seed=2)
    cache.clear()  # the larger data's tables made afresh, as after a change
    assert _queries(client, PAGES[page]()) == small


def _a_member_with_a_signature() -> Organisation:
    grow(SMALL, seed=3)
    return (
        Signature.objects.valid()
        .filter(organisation__in=Organisation.objects.members())[0]
        .organisation
    )


@pytest.mark.parametrize("page", ["directory", "map", "signatories"])
@pytest.mark.parametrize("logged_in", [False, True])
def test_a_renamed_member_shows_at_once_although_the_table_is_cached(page, logged_in, db, afresh):
    client = Client()
    if logged_in:
        client.force_login(StaffFactory())
    organisation = _a_member_with_a_signature()
    url = PAGES[page]()
    assert organisation.authority.name in client.get(url).content.decode()

    Authority.objects.filter(pk=organisation.authority_id).update(name="Neuhausen am Wald")

    html = client.get(url).content.decode()
    assert "Neuhausen am Wald" in html


@pytest.mark.parametrize("page", ["directory", "map"])
def test_a_member_who_leaves_is_gone_from_the_cached_table_at_once(page, db, afresh):
    client = Client()
    organisation = _a_member_with_a_signature()
    url = PAGES[page]()
    assert f'data-ags="{organisation.authority.ags}"' in client.get(url).content.decode()

    Membership.objects.filter(organisation=organisation, until__isnull=True).update(
        until="2026-01-31"
    )

    assert f'data-ags="{organisation.authority.ags}"' not in client.get(url).content.decode()


def test_the_directory_table_is_kept_under_the_key_of_its_rows_and_served_from_there(db, afresh):
    grow(SMALL, seed=4)
    first = Client().get(reverse("members:directory"))
    fragment = make_template_fragment_key("directory_table", [first.context["rows_key"]])
    assert cache.has_key(fragment)
    # What the second request shows comes from the kept fragment, not from a new rendering.
    cache.set(fragment, '<p id="from-the-cache"></p>')
    assert 'id="from-the-cache"' in Client().get(reverse("members:directory")).content.decode()


def test_the_full_size_volume_is_the_whole_register():
    # NRW has 432 authorities: the benchmark's full size makes each of them a member.
    assert FULL.members == 432
    assert FULL.all_authorities
    assert (FULL.people, FULL.events, FULL.registrations) == (2000, 200, 20000)
    assert (FULL.mailings, FULL.publications, FULL.surveys) == (500, 1000, 30)
    assert FULL.history_days >= 3650


@pytest.mark.parametrize("logged_in", [False, True])
def test_a_taken_place_and_a_new_title_show_at_once_in_the_cached_event_list(logged_in, db, afresh):
    client = Client()
    if logged_in:
        client.force_login(StaffFactory())
    event = EventFactory(title="Netzwerktreffen Münsterland", capacity=2)
    url = PAGES["event list"]()
    first = client.get(url)
    assert cache.has_key(
        make_template_fragment_key("upcoming_events", [first.context["events_key"]])
    )
    assert 'data-places-left="2"' in first.content.decode()

    Registration.objects.create(
        event=event, user=UserFactory(), status=Registration.Status.CONFIRMED
    )
    Event.objects.filter(pk=event.pk).update(title="Netzwerktreffen Sauerland")

    html = client.get(url).content.decode()
    assert 'data-places-left="1"' in html
    assert "Netzwerktreffen Sauerland" in html
    assert "Münsterland" not in html
