"""The public member directory and the members' public profiles."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from members.models import Affiliation, Authority, PracticeExample, Profile
from tests.factories import AffiliationFactory, MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

DIRECTORY = "/netzwerk/mitglieder/"


def member(ags: str | None = None, **membership):
    """A current member; with an AGS, that authority's organisation."""
    organisation = (
        OrganisationFactory(authority=Authority.objects.get(ags=ags))
        if ags
        else OrganisationFactory()
    )
    MembershipFactory(organisation=organisation, **membership)
    return organisation


def listed(html: str) -> list[str]:
    """The AGS of every row of the directory table, in order."""
    return re.findall(r'<tr class="kern-table__row" data-ags="(\d{8})">', html)


def count_of(html: str) -> int:
    found = re.search(r'data-count="(\d+)"', html)
    assert found, "no count on the page"
    return int(found.group(1))


# --- Directory --------------------------------------------------------------------------------


def test_the_directory_lists_current_members_only_with_links_to_their_profiles(client):
    ahlen = member("05570004")
    muenster = member("05515000")
    OrganisationFactory(authority=Authority.objects.get(ags="05570008"))  # not a member
    former = member("05570012", until=datetime.date(2025, 1, 31))

    html = client.get(DIRECTORY).text

    assert listed(html) == ["05570004", "05515000"]  # by name: Ahlen, Münster
    assert count_of(html) == 2
    for organisation in (ahlen, muenster):
        url = reverse("members:profile", args=[organisation.authority.ags])
        assert f'href="{url}"' in html
    assert former.authority.ags not in listed(html)
    assert "05570008" not in html


def test_the_directory_shows_type_region_and_member_since(client):
    member("05570004", since=datetime.date(2019, 3, 15))

    html = client.get(DIRECTORY).text
    row = re.search(r'data-ags="05570004">(.*?)</tr>', html, re.S)

    assert row
    assert "Ahlen" in row.group(1)
    assert "Münster" in row.group(1)  # Regierungsbezirk
    assert 'datetime="2019-03-15"' in row.group(1)
    assert "15.03.2019" in row.group(1)


def test_the_directory_filters_by_government_region(client):
    member("05570004")  # Ahlen, RB Münster
    member("05334002")  # Aachen, RB Köln
    member("05500000")  # the Bezirksregierung Münster itself

    html = client.get(DIRECTORY, {"regierungsbezirk": "05500000"}).text

    assert sorted(listed(html)) == ["05500000", "05570004"]
    assert count_of(html) == 2


def test_the_directory_filters_by_type(client):
    member("05570004")  # Stadt
    member("05570012")  # Gemeinde
    member("05570000")  # Kreis
    member("05515000")  # kreisfreie Stadt
    member("05900000")  # Regierungsbezirk

    expected = {
        "Stadt": ["05570004"],
        "Gemeinde": ["05570012"],
        "Kreis": ["05570000"],
        "kreisfreie Stadt": ["05515000"],
        "Regierungsbezirk": ["05900000"],
    }
    for kind, agses in expected.items():
        assert listed(client.get(DIRECTORY, {"kind": kind}).text) == agses, kind


def test_the_ehrenamtskarte_filter_counts_members_without_profile_as_none(client):
    taking_part = member("05570004")
    Profile.objects.create(organisation=taking_part, ehrenamtskarte="participating")
    said_none = member("05570008")
    Profile.objects.create(organisation=said_none, ehrenamtskarte="none")
    member("05570012")  # no profile at all

    participating = client.get(DIRECTORY, {"ehrenamtskarte": "participating"}).text
    none = client.get(DIRECTORY, {"ehrenamtskarte": "none"}).text
    planned = client.get(DIRECTORY, {"ehrenamtskarte": "planned"}).text

    assert listed(participating) == ["05570004"]
    assert listed(none) == ["05570008", "05570012"]  # Beckum, Beelen
    assert listed(planned) == []
    assert count_of(planned) == 0
    assert 'id="directory-empty"' in planned


def test_filters_combine(client):
    member("05570004")
    member("05570012")
    member("05334002")

    html = client.get(DIRECTORY, {"regierungsbezirk": "05500000", "kind": "Gemeinde"}).text

    assert listed(html) == ["05570012"]


@pytest.mark.parametrize(
    "params",
    [
        {"kind": "Dorf"},
        {"regierungsbezirk": "05570000"},  # a Kreis, not a region
        {"regierungsbezirk": "<script>alert(1)</script>"},
        {"ehrenamtskarte": "x" * 500},
    ],
)
def test_an_invalid_filter_value_is_reported_next_to_its_field_and_ignored(client, params):
    member("05570004")
    member("05570012")

    response = client.get(DIRECTORY, params)

    assert response.status_code == 200
    field = next(iter(params))
    assert f'id="id_{field}_error"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert "<script>alert(1)</script>" not in response.text
    assert sorted(listed(response.text)) == ["05570004", "05570012"]  # the filter is ignored


def test_an_invalid_filter_does_not_stop_the_valid_ones(client):
    member("05570004")
    member("05570012")

    html = client.get(DIRECTORY, {"kind": "Gemeinde", "ehrenamtskarte": "bogus"}).text

    assert 'id="id_ehrenamtskarte_error"' in html
    assert listed(html) == ["05570012"]


@pytest.mark.parametrize("members", [5, 50])
def test_the_directory_needs_the_same_few_queries_for_5_and_50_members(
    client, django_assert_max_num_queries, members
):
    authorities = Authority.objects.filter(kind__in=["Stadt", "Gemeinde"]).order_by("-ags")
    for index, authority in enumerate(authorities[:members]):
        organisation = OrganisationFactory(authority=authority)
        MembershipFactory(organisation=organisation)
        if index % 2:
            Profile.objects.create(organisation=organisation, ehrenamtskarte="planned")

    with django_assert_max_num_queries(2):
        html = client.get(DIRECTORY).text
    with django_assert_max_num_queries(2):
        client.get(DIRECTORY, {"regierungsbezirk": "05900000", "ehrenamtskarte": "none"})

    assert count_of(html) == members


def test_an_htmx_request_gets_only_the_results_and_the_new_count(client):
    member("05570004")
    member("05334002")

    response = client.get(DIRECTORY, {"kind": "Stadt"}, headers={"HX-Request": "true"})

    assert "<html" not in response.text
    assert 'id="directory-table"' in response.text
    assert 'id="directory-count" data-hx-swap-oob="innerHTML"' in response.text
    assert count_of(response.text) == 2
    assert "HX-Request" in response["Vary"]


def test_the_whole_page_answers_an_htmx_history_restore(client):
    member("05570004")

    response = client.get(
        DIRECTORY, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )

    assert "<html" in response.text
    assert "hx-swap-oob" not in response.text


def test_the_filter_form_works_without_javascript(client):
    html = client.get(DIRECTORY).text

    form = re.search(r'<form method="get" action="/netzwerk/mitglieder/"[^>]*>', html)
    assert form
    assert 'hx-get="/netzwerk/mitglieder/"' in form.group(0)
    for name in ("regierungsbezirk", "kind", "ehrenamtskarte"):
        assert f'<select name="{name}"' in html
    assert 'type="submit"' in html


def test_the_main_navigation_links_the_directory_and_the_map(client):
    html = client.get(DIRECTORY).text
    nav = re.search(r'<nav class="site-nav".*?</nav>', html, re.S)

    assert nav
    assert 'href="/netzwerk/mitglieder/" aria-current="page"' in nav.group(0)
    assert 'href="/netzwerk/karte/"' in nav.group(0)


# --- Profile ----------------------------------------------------------------------------------


def profile_url(organisation) -> str:
    return reverse("members:profile", args=[organisation.authority.ags])


def test_the_profile_shows_the_member_and_its_profile_fields(client):
    ahlen = member("05570004", since=datetime.date(2021, 6, 1))
    Profile.objects.create(
        organisation=ahlen,
        introduction="Ahlen fördert das Ehrenamt.\n\nSeit vielen Jahren.",
        coordination_office="Ehrenamtsbüro im Rathaus",
        engagement_alliance="Bündnis für Engagement Ahlen",
        guidelines="Leitlinien von 2020",
        ehrenamtskarte="participating",
        website="https://www.ahlen.example/ehrenamt",
    )

    response = client.get(profile_url(ahlen))

    assert response.status_code == 200
    html = response.text
    assert "<h1" in html
    assert "Ahlen" in html
    assert "Warendorf" in html  # Kreis
    assert "Münster" in html  # Regierungsbezirk
    assert "52.669" in html  # population, German digits
    assert 'datetime="2021-06-01"' in html
    assert "<p>Ahlen fördert das Ehrenamt.</p>" in html
    assert "Ehrenamtsbüro im Rathaus" in html
    assert "Bündnis für Engagement Ahlen" in html
    assert "Leitlinien von 2020" in html
    assert 'href="https://www.ahlen.example/ehrenamt"' in html


def test_the_profile_of_a_member_without_profile_still_shows_the_facts(client):
    muenster = member("05515000")

    response = client.get(profile_url(muenster))

    assert response.status_code == 200
    assert 'id="profile-facts"' in response.text
    assert 'id="profile-examples"' not in response.text


@pytest.mark.parametrize("case", ["not a member", "former member", "unknown", "nonsense"])
def test_the_profile_is_404_for_anything_but_a_current_member(client, case):
    if case == "not a member":
        url = profile_url(OrganisationFactory(authority=Authority.objects.get(ags="05570004")))
    elif case == "former member":
        url = profile_url(member("05570004", until=datetime.date(2024, 12, 31)))
    elif case == "unknown":
        url = "/netzwerk/mitglieder/05999999/"
    else:
        url = "/netzwerk/mitglieder/%3Cscript%3E/"

    assert client.get(url).status_code == 404


def test_only_people_who_agreed_appear_as_public_contacts(client):
    ahlen = member("05570004")
    agreed = AffiliationFactory(
        organisation=ahlen,
        role=Affiliation.Role.CONTACT,
        office="Ehrenamtsbüro",
        public_contact_since=timezone.now(),
        user__full_name="Erika Öffentlich",
        user__email="erika@ahlen.example",
    )
    AffiliationFactory(
        organisation=ahlen,
        role=Affiliation.Role.HEAD,
        office="Bürgermeister",
        user__full_name="Hans Verborgen",
        user__email="hans@ahlen.example",
    )
    other = member("05570008")
    AffiliationFactory(
        organisation=other,
        public_contact_since=timezone.now(),
        user__full_name="Olga Anderswo",
        user__email="olga@beckum.example",
    )

    html = client.get(profile_url(ahlen)).text

    assert f'data-contact="{agreed.pk}"' in html
    assert "Erika Öffentlich" in html
    assert 'href="mailto:erika@ahlen.example"' in html
    assert "Ehrenamtsbüro" in html
    assert "Hans Verborgen" not in html
    assert "hans@ahlen.example" not in html
    assert "Bürgermeister" not in html
    assert "Olga Anderswo" not in html


def test_a_deactivated_account_is_no_public_contact(client):
    ahlen = member("05570004")
    AffiliationFactory(
        organisation=ahlen,
        public_contact_since=timezone.now(),
        user__full_name="Ruth Ausgeschieden",
        user__is_active=False,
    )

    assert "Ruth Ausgeschieden" not in client.get(profile_url(ahlen)).text


def test_text_from_members_is_escaped_on_the_profile(client):
    ahlen = member("05570004")
    profile = Profile.objects.create(
        organisation=ahlen,
        introduction="<script>alert('intro')</script>",
        coordination_office="<b>fett</b>",
        website="javascript:alert(1)",  # saved without validation; must never become a link
    )
    PracticeExample.objects.create(
        profile=profile,
        title="<img src=x onerror=alert(1)>",
        text="<script>alert('text')</script>",
        link="javascript:alert(2)",
    )
    AffiliationFactory(
        organisation=ahlen,
        public_contact_since=timezone.now(),
        office="<i>Amt</i>",
        user__full_name="<script>alert('name')</script>",
    )

    html = client.get(profile_url(ahlen)).text

    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;intro&#x27;)&lt;/script&gt;" in html
    assert "&lt;script&gt;alert(&#x27;text&#x27;)&lt;/script&gt;" in html
    assert "&lt;script&gt;alert(&#x27;name&#x27;)&lt;/script&gt;" in html
    assert "&lt;b&gt;fett&lt;/b&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<i>Amt</i>" not in html
    assert "javascript:" not in html


def test_practice_examples_show_title_text_link_and_image_with_alt_text(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ahlen = member("05570004")
    profile = Profile.objects.create(organisation=ahlen)
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), "#2044aa").save(buffer, format="PNG")
    example = PracticeExample.objects.create(
        profile=profile,
        title="Ehrenamtsmesse",
        text="Einmal im Jahr.\nMit allen Vereinen.",
        link="https://www.ahlen.example/messe",
        image=SimpleUploadedFile("messe.png", buffer.getvalue(), content_type="image/png"),
        image_alt="Stände der Vereine auf dem Marktplatz",
    )

    html = client.get(profile_url(ahlen)).text

    card = re.search(rf'data-example="{example.pk}">(.*?)</li>', html, re.S)
    assert card
    assert "Ehrenamtsmesse" in card.group(1)
    assert "Einmal im Jahr.<br>Mit allen Vereinen." in card.group(1)
    assert 'href="https://www.ahlen.example/messe"' in card.group(1)
    assert f'src="/netzwerk/praxisbeispiele/{example.pk}/bild/"' in card.group(1)
    assert 'alt="Stände der Vereine auf dem Marktplatz"' in card.group(1)


def test_the_profile_needs_few_queries(client, django_assert_max_num_queries):
    ahlen = member("05570004")
    profile = Profile.objects.create(organisation=ahlen)
    for n in range(5):
        PracticeExample.objects.create(profile=profile, title=f"Beispiel {n}", text="Text")
        AffiliationFactory(organisation=ahlen, public_contact_since=timezone.now())

    with django_assert_max_num_queries(3):
        assert client.get(profile_url(ahlen)).status_code == 200


def test_practice_images_are_served_to_the_public_only_for_members(client, contact_a):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    organisation = contact_a.affiliation.organisation
    profile = Profile.objects.create(organisation=organisation)
    example = PracticeExample.objects.create(
        profile=profile,
        title="Lotsen",
        text="Text",
        image=SimpleUploadedFile("bild.png", buffer.getvalue(), content_type="image/png"),
        image_alt="Ein rotes Quadrat",
    )
    url = f"/netzwerk/praxisbeispiele/{example.pk}/bild/"
    assert client.get(url).status_code == 404, "not a member yet: not public"
    client.force_login(contact_a)
    assert client.get(url).status_code == 200, "its own people see it"
    client.logout()
    MembershipFactory(organisation=organisation)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
