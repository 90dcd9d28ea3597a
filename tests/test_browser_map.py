"""The network map in Chromium: the base layer comes from its own SVG document through <use>,
and the browser really draws it and the members on top, with and without the CSP bypassed."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from PIL import Image
from playwright.sync_api import Browser, ConsoleMessage, Page, Response, expect

from members.directory import svgmap
from members.models import Authority
from tests.conftest import assert_accessible
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAP = "/netzwerk/karte/"
BASE = "svg.network-map__svg > use"
MEMBER = 'svg.network-map__svg a[data-ags="05570004"] use'
# Width and height of an element's box once the referenced document has been drawn into it.
DRAWN = """(selector) => {
    const box = document.querySelector(selector)?.getBBox();
    return box && box.width > 0 && box.height > 0 ? [box.width, box.height] : null;
}"""
POLICY_WORDS = ("Content Security Policy", "Content-Security-Policy")
WATCH_POLICY = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.effectiveDirective} blocked ${event.blockedURI}`);
});
"""


@pytest.fixture
def members(live_server) -> Iterator[None]:
    svgmap.forget_base_map()  # the outlines were loaded anew for this transactional test
    for ags in ("05570004", "05570000", "05900000"):  # Ahlen, Kreis Warendorf, Arnsberg
        MembershipFactory(
            organisation=OrganisationFactory(authority=Authority.objects.get(ags=ags))
        )
    yield
    svgmap.forget_base_map()


def _hex(colour: str) -> tuple[int, int, int]:
    value = int(colour.lstrip("#"), 16)
    return value >> 16, (value >> 8) & 0xFF, value & 0xFF


def _share_of(picture: Image.Image, colour: str) -> float:
    """The share of the picture's pixels in this colour (give or take antialiasing)."""
    wanted = _hex(colour)
    rgb = picture.convert("RGB").tobytes()
    pixels = list(zip(rgb[0::3], rgb[1::3], rgb[2::3], strict=True))
    close = sum(
        1 for pixel in pixels if max(abs(a - b) for a, b in zip(pixel, wanted, strict=True)) <= 4
    )
    return close / len(pixels)


def test_the_browser_draws_the_base_layer_and_the_members_from_the_document(
    page: Page, live_server, members
):
    documents: list[Response] = []

    def note(response: Response) -> None:
        if "/grundkarte-" in response.url:
            documents.append(response)

    page.on("response", note)
    page.goto(live_server.url + MAP)

    page.wait_for_function(DRAWN, arg=BASE)
    width, height = page.evaluate(DRAWN, BASE)
    # The base layer spans the whole viewBox but its padding.
    view_box = page.locator("svg.network-map__svg").get_attribute("viewBox") or ""
    assert width > svgmap.WIDTH - 4 * svgmap.PADDING
    assert height > float(view_box.split()[3]) - 4 * svgmap.PADDING
    assert page.evaluate(DRAWN, MEMBER) is not None
    assert [(d.status, d.headers["content-type"]) for d in documents] == [
        (200, "image/svg+xml; charset=utf-8")
    ]  # one download for the base layer and every member's outline

    picture = Image.open(io.BytesIO(page.locator("svg.network-map__svg").screenshot()))
    assert _share_of(picture, svgmap.BASE_FILL) > 0.2  # the Gemeinden, grey
    assert _share_of(picture, svgmap.MEMBER_FILL) > 0.0005  # Ahlen, blue
    expect(page.locator("svg.network-map__svg a")).to_have_count(3)
    assert_accessible(page)


def test_the_document_is_drawn_under_the_portals_csp(browser: Browser, live_server, members):
    context = browser.new_context(locale="de-DE", bypass_csp=False)
    context.add_init_script(WATCH_POLICY)
    console: list[str] = []
    try:
        page = context.new_page()

        def note(message: ConsoleMessage) -> None:
            if any(words in message.text for words in POLICY_WORDS):
                console.append(message.text)

        page.on("console", note)
        response = page.goto(live_server.url + MAP)
        assert response is not None
        assert "default-src 'self'" in response.headers["content-security-policy"]

        page.wait_for_function(DRAWN, arg=BASE)
        assert page.evaluate(DRAWN, MEMBER) is not None
        assert page.evaluate("window.__violations") == []
        assert console == []
    finally:
        context.close()
