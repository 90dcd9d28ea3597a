"""The network map: inline SVG with members as links over a base layer drawn from the shipped
outlines, which is its own cached, long-lived SVG document."""

from __future__ import annotations

import datetime
import gzip
import hashlib
import re
import xml.etree.ElementTree as ET

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.directory import svgmap
from members.models import Authority, AuthorityOutline
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

MAP = "/netzwerk/karte/"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def _no_memo():
    """Each test starts without the per-process memo (the cache is cleared by conftest)."""
    svgmap.forget_base_map()
    yield
    svgmap.forget_base_map()


def member(ags: str, **membership):
    organisation = OrganisationFactory(authority=Authority.objects.get(ags=ags))
    MembershipFactory(organisation=organisation, **membership)
    return organisation


def svg_of(html: str) -> ET.Element:
    found = re.search(r"<svg xmlns=.*?</svg>(?=\s*<figcaption)", html, re.S)
    assert found, "no map on the page"
    return ET.fromstring(found.group(0))  # noqa: S314 - the portal's own markup


def member_links(svg: ET.Element) -> dict[str, ET.Element]:
    return {a.get("data-ags", ""): a for a in svg.iter(f"{SVG}a")}


def document_url(html: str) -> str:
    """The address of the base layer's document, from the page's <use> of it."""
    base = svg_of(html).find(f"{SVG}use")
    assert base is not None, "the map draws no base layer"
    url, fragment = base.get("href", "").split("#")
    assert fragment == "map-base"
    return url


def base_document(client) -> ET.Element:
    response = client.get(document_url(client.get(MAP).text))
    assert response.status_code == 200
    return ET.fromstring(response.content)  # noqa: S314 - the portal's own markup


def test_the_map_is_well_formed_svg_with_a_title_and_description(client):
    svg = svg_of(client.get(MAP).text)

    assert svg.tag == f"{SVG}svg"
    # A group, not role="img", which would hide the member links from assistive technology.
    assert svg.get("role") == "group"
    assert svg.get("aria-labelledby") == "map-title"
    assert svg.get("aria-describedby") == "map-desc"
    assert svg.find(f"{SVG}title").get("id") == "map-title"
    assert svg.find(f"{SVG}desc").get("id") == "map-desc"
    assert re.fullmatch(r"0 0 600 \d+(\.\d)?", svg.get("viewBox"))


def test_the_base_layer_draws_every_gemeinde_and_the_kreis_borders(client):
    document = base_document(client)

    assert document.tag == f"{SVG}svg"
    assert document.get("viewBox") == svg_of(client.get(MAP).text).get("viewBox")
    (base,) = document.findall(f"{SVG}g")
    assert base.get("id") == "map-base"
    gemeinden, kreise = base.findall(f"{SVG}g")
    assert len(gemeinden.findall(f"{SVG}path")) == 396
    assert len(kreise.findall(f"{SVG}path")) == 53  # 31 Kreise and 22 kreisfreie Städte
    assert gemeinden.find(f"{SVG}path").get("id", "").startswith("map-05")


def test_the_page_references_the_base_layer_and_holds_none_of_its_paths(client):
    svg = svg_of(client.get(MAP).text)

    assert [use.get("href") for use in svg.iter(f"{SVG}use")] == [
        reverse("members:map_base", args=[svgmap.base_map().digest]) + "#map-base"
    ]
    # The only path left is the stroke of the regions' hatch pattern.
    assert [path.get("d") for path in svg.iter(f"{SVG}path")] == ["M0 0v6"]
    assert member_links(svg) == {}


def test_coordinates_have_at_most_one_decimal_and_the_map_stays_small(client):
    response = client.get(MAP)
    document = client.get(document_url(response.text)).content.decode()

    assert not re.search(r"\d\.\d\d", document)
    assert len(document.encode()) < 200_000
    assert len(response.content) < 40_000  # the whole page, with the map but not its layer


def test_the_map_links_each_member_and_no_one_else(client):
    members = [
        member("05570004"),  # Ahlen, a Stadt
        member("05570000"),  # Kreis Warendorf
        member("05515000"),  # Münster, kreisfreie Stadt
        member("05900000"),  # Regierungsbezirk Arnsberg
    ]
    OrganisationFactory(authority=Authority.objects.get(ags="05570008"))  # not a member
    member("05570012", until=datetime.date(2025, 1, 1))  # former member

    html = client.get(MAP).text
    svg = svg_of(html)
    links = member_links(svg)
    url = document_url(html)

    assert set(links) == {o.authority.ags for o in members}
    document = ET.fromstring(client.get(url).content)  # noqa: S314 - the portal's own markup
    ids = {element.get("id") for element in document.iter() if element.get("id")}
    for organisation in members:
        ags = organisation.authority.ags
        link = links[ags]
        assert link.get("href") == reverse("members:profile", args=[ags])
        assert link.find(f"{SVG}title").text == organisation.authority.name
        if ags == "05900000":  # a region is not in the base layer: its own path
            assert link.find(f"{SVG}path").get("d", "").startswith("M")
        else:  # the others reuse the base layer's outline from its document
            assert link.find(f"{SVG}use").get("href") == f"{url}#map-{ags}"
            assert f"map-{ags}" in ids
    assert "map-member--region" in links["05900000"].get("class")
    region_layer = next(g for g in svg.iter(f"{SVG}g") if links["05900000"] in list(g))
    assert region_layer.get("fill") == "url(#map-region-hatch)"
    assert "map-member--district" in links["05570000"].get("class")
    assert "map-member--municipality" in links["05570004"].get("class")
    assert "map-member--municipality" in links["05515000"].get("class")


def test_member_highlights_add_little_to_the_size_of_the_map(client):
    empty = len(client.get(MAP).content)
    authorities = Authority.objects.exclude(kind="Regierungsbezirk").order_by("ags")[:100]
    for authority in authorities:
        MembershipFactory(organisation=OrganisationFactory(authority=authority))

    full = len(client.get(MAP).content)

    # Per member: a link with its title in the map and one entry in the list beside it.
    assert (full - empty) / 100 < 400


def test_a_region_is_drawn_below_districts_and_districts_below_municipalities(client):
    member("05570004")
    member("05570000")
    member("05500000")

    order = list(member_links(svg_of(client.get(MAP).text)))

    assert order == ["05500000", "05570000", "05570004"]


def test_the_list_beside_the_map_names_every_member(client):
    member("05570004")
    member("05900000")

    html = client.get(MAP).text

    listed = re.findall(r'<li data-ags="(\d{8})"><a class="kern-link" href="([^"]+)"', html)
    assert listed == [
        ("05570004", "/netzwerk/mitglieder/05570004/"),
        ("05900000", "/netzwerk/mitglieder/05900000/"),
    ]
    assert 'href="#map-list-heading"' in html  # skip the map


def test_member_names_are_escaped_in_the_svg(client):
    authority = Authority.objects.get(ags="05570004")
    authority.name = 'Ahlen <&> "Stadt"'
    authority.save()
    member("05570004")

    svg = svg_of(client.get(MAP).text)

    assert member_links(svg)["05570004"].find(f"{SVG}title").text == 'Ahlen <&> "Stadt"'


def test_the_second_render_does_not_read_the_outlines_again(client, django_assert_max_num_queries):
    member("05570004")
    with CaptureQueriesContext(connection) as first:
        client.get(MAP)
    assert any("authorityoutline" in q["sql"] for q in first.captured_queries)

    with django_assert_max_num_queries(2) as second:
        html = client.get(MAP).text

    assert not any("authorityoutline" in q["sql"] for q in second.captured_queries)
    assert "05570004" in member_links(svg_of(html))


def test_another_process_takes_the_base_map_from_the_cache(client):
    client.get(MAP)
    assert cache.get(svgmap.CACHE_KEY) is not None
    svgmap.forget_base_map()  # as a fresh gunicorn worker

    with CaptureQueriesContext(connection) as queries:
        client.get(MAP)

    assert not any("authorityoutline" in q["sql"] for q in queries.captured_queries)


def test_the_cache_key_is_versioned():
    assert svgmap.CACHE_KEY.endswith(f":v{svgmap.FORMAT_VERSION}")


@pytest.mark.parametrize(
    ("tenths", "expected"),
    [(0, "0"), (5, ".5"), (-5, "-.5"), (10, "1"), (123, "12.3"), (-120, "-12")],
)
def test_numbers_are_written_as_short_as_svg_allows(tenths, expected):
    assert svgmap._number(tenths) == expected


def test_numbers_are_separated_only_where_svg_needs_it():
    assert svgmap._numbers([5, 5, -5, 10, 3, 20]) == ".5.5-.5 1 .3 2"


def test_without_outlines_the_page_still_answers_with_the_list(client):
    member("05570004")
    AuthorityOutline.objects.all().delete()

    response = client.get(MAP)

    assert response.status_code == 200
    assert member_links(svg_of(response.text)) == {}
    assert 'data-ags="05570004"' in response.text  # in the list beside the map
    assert cache.get(svgmap.CACHE_KEY) is None


# --- The base layer's own document ----------------------------------------------------------


def test_the_document_under_the_current_digest_may_be_kept_for_good(client):
    response = client.get(document_url(client.get(MAP).text))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.content == svgmap.base_map().document
    digest = svgmap.base_map().digest
    assert re.fullmatch(r"[0-9a-f]{16}", digest)
    assert hashlib.sha256(response.content).hexdigest().startswith(digest)


def test_the_document_is_sent_compressed_to_a_browser_and_stays_light(client):
    url = document_url(client.get(MAP).text)

    response = client.get(url, headers={"accept-encoding": "gzip, deflate, br"})

    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert len(response.content) < 70_000
    assert gzip.decompress(response.content) == svgmap.base_map().document
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"


def test_a_compressed_document_is_not_sent_again_either(client):
    url = document_url(client.get(MAP).text)
    headers = {"accept-encoding": "gzip"}
    etag = client.get(url, headers=headers)["ETag"]

    assert client.get(url, headers={**headers, "if-none-match": etag}).status_code == 304


def test_an_old_digest_still_gets_the_current_map_but_not_for_keeping(client):
    response = client.get(reverse("members:map_base", args=["0123456789abcdef"]))

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-cache"
    assert response.content == svgmap.base_map().document


def test_a_revalidated_document_is_not_sent_again(client):
    url = reverse("members:map_base", args=["0123456789abcdef"])
    etag = client.get(url)["ETag"]

    assert client.get(url, headers={"if-none-match": etag}).status_code == 304
    assert client.get(url, headers={"if-none-match": '"other"'}).status_code == 200


def test_without_outlines_there_is_no_document(client):
    AuthorityOutline.objects.all().delete()

    response = client.get(reverse("members:map_base", args=["0123456789abcdef"]))

    assert response.status_code == 404
    assert svg_of(client.get(MAP).text).find(f"{SVG}use") is None


def test_the_document_only_answers_reads(client):
    url = reverse("members:map_base", args=[svgmap.base_map().digest])

    assert client.post(url).status_code == 405
    assert client.head(url).status_code == 200


def test_the_document_reads_no_row_once_the_map_is_built(client, django_assert_num_queries):
    url = reverse("members:map_base", args=[svgmap.base_map().digest])

    with django_assert_num_queries(0):
        response = client.get(url)

    assert response.status_code == 200


def test_a_new_drawing_changes_the_digest_and_the_address(client, monkeypatch):
    before = svgmap.base_map()
    svgmap.forget_base_map()
    cache.clear()
    monkeypatch.setattr(svgmap, "KREIS_STROKE", "#000000")

    after = svgmap.base_map()

    assert after.digest != before.digest
    assert after.url != before.url
    assert document_url(client.get(MAP).text) == after.url
