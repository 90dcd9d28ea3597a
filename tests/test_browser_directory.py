"""The public network pages in Chromium: axe on the directory, a profile and the map; keyboard."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from members.directory import svgmap
from members.models import Authority, PracticeExample, Profile
from tests.conftest import assert_accessible
from tests.factories import AffiliationFactory, MembershipFactory, OrganisationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def members(live_server):
    """A town with a full profile, a district and a government region as members."""
    svgmap.forget_base_map()  # the outlines were loaded anew for this transactional test
    created = {}
    for ags in ("05570004", "05570000", "05900000", "05334002"):
        organisation = OrganisationFactory(authority=Authority.objects.get(ags=ags))
        MembershipFactory(organisation=organisation)
        created[ags] = organisation
    profile = Profile.objects.create(
        organisation=created["05570004"],
        introduction="Ahlen fördert das Ehrenamt.\n\n<script>alert(1)</script>",
        coordination_office="Ehrenamtsbüro im Rathaus",
        ehrenamtskarte="participating",
        website="https://www.ahlen.example/ehrenamt",
    )
    PracticeExample.objects.create(
        profile=profile, title="Ehrenamtsmesse", text="Einmal im Jahr.", link="https://x.example"
    )
    AffiliationFactory(
        organisation=created["05570004"],
        office="Ehrenamtsbüro",
        public_contact_since=timezone.now(),
    )
    yield created
    svgmap.forget_base_map()


def test_the_directory_passes_axe_and_filters_in_place(page: Page, live_server, members):
    page.goto(live_server.url + "/netzwerk/mitglieder/")
    expect(page.locator("#directory-table tbody tr")).to_have_count(4)
    assert_accessible(page)

    page.locator("#id_regierungsbezirk").select_option("05500000")
    page.locator("#directory-filter button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"regierungsbezirk=05500000"))
    expect(page.locator("#directory-table tbody tr")).to_have_count(2)
    expect(page.locator("#directory-count [data-count]")).to_have_attribute("data-count", "2")
    assert_accessible(page)


def test_an_invalid_filter_shows_an_accessible_error(page: Page, live_server, members):
    page.goto(live_server.url + "/netzwerk/mitglieder/?kind=Dorf")
    expect(page.locator("#id_kind_error")).to_be_visible()
    expect(page.locator("#directory-table tbody tr")).to_have_count(4)
    assert_accessible(page)


def test_a_member_profile_passes_axe(page: Page, live_server, members):
    page.goto(live_server.url + "/netzwerk/mitglieder/")
    page.locator('#directory-table tr[data-ags="05570004"] a').click()

    expect(page).to_have_url(re.compile(r"/netzwerk/mitglieder/05570004/$"))
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("#profile-introduction")).to_contain_text("<script>alert(1)</script>")
    expect(page.locator("#profile-contacts li")).to_have_count(1)
    assert_accessible(page)


def test_the_map_passes_axe(page: Page, live_server, members):
    page.goto(live_server.url + "/netzwerk/karte/")
    expect(page.locator("svg.network-map__svg a")).to_have_count(4)
    expect(page.locator("#map-list li")).to_have_count(4)
    assert_accessible(page)


def test_the_keyboard_reaches_a_member_inside_the_map_and_opens_its_profile(
    page: Page, live_server, members
):
    page.goto(live_server.url + "/netzwerk/karte/")
    inside_map = "() => !!document.activeElement.closest('svg.network-map__svg')"
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate(inside_map):
            break
    assert page.evaluate(inside_map), "Tab never reached the map"
    focused = page.locator("svg.network-map__svg a:focus")
    expect(focused).to_have_count(1)
    ags = focused.get_attribute("data-ags")
    # The focus is visible: the shape gets a thick black stroke (static/css/portal.css).
    shape = focused.locator("use, path")
    expect(shape).to_have_css("stroke-width", "4px")
    expect(shape).to_have_css("stroke", "rgb(0, 0, 0)")

    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(rf"/netzwerk/mitglieder/{ags}/$"))


def test_the_skip_link_jumps_over_the_map_to_the_list(page: Page, live_server, members):
    page.goto(live_server.url + "/netzwerk/karte/")
    skip = page.locator(".network-map__skip")
    skip.focus()
    page.keyboard.press("Enter")

    expect(page.locator("#map-list-heading")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#map-list li a").first).to_be_focused()
