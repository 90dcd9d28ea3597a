"""The main pages reflow, zoom and take other text spacing (WCAG 1.4.4, 1.4.10, 1.4.12) and stay
usable in forced-colors mode (Windows high contrast), in Chromium (issue 18, item 5)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from meetings.models import Registration
from members.directory import svgmap
from members.models import Authority
from tests.conftest import log_in_browser
from tests.factories import (
    AffiliationFactory,
    ApplicationFactory,
    EventFactory,
    MembershipFactory,
    OrganisationFactory,
    StaffFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# WCAG 1.4.12's text spacing, as the bookmarklets testers use inject it.
TEXT_SPACING = """
* { line-height: 1.5 !important; letter-spacing: 0.12em !important;
    word-spacing: 0.16em !important; }
p { margin-bottom: 2em !important; }
"""
# The browser's text size at 200 %: KERN sets its type in rem, so this is the user's setting.
TEXT_200 = "html { font-size: 200% !important; }"

SIDEWAYS = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
# Elements that hide what overflows them and hold more text than they show. Elements of one
# pixel are the visually hidden texts for screen readers, which are meant to be clipped.
CLIPPED = """() => {
  const found = [];
  for (const element of document.body.querySelectorAll('*')) {
    if (!element.textContent.trim() || element.getClientRects().length === 0) continue;
    const style = getComputedStyle(element);
    const hides = (value) => value === 'hidden' || value === 'clip';
    if (element.clientWidth <= 1 || element.clientHeight <= 1) continue;
    const cutY = hides(style.overflowY) && element.scrollHeight > element.clientHeight + 1;
    const cutX = hides(style.overflowX) && element.scrollWidth > element.clientWidth + 1;
    if (cutX || cutY) {
      found.push(`${element.tagName.toLowerCase()}.${element.className} ` +
                 `${element.scrollWidth}x${element.scrollHeight} in ` +
                 `${element.clientWidth}x${element.clientHeight}`);
    }
  }
  return found;
}"""

# The innermost elements that reach past the right edge: where to look when a page scrolls sideways.
WIDE = """() => [...document.body.querySelectorAll('*')]
  .filter((e) => (e.getBoundingClientRect().right > innerWidth + 1
                  && ![...e.children].some((c) => c.getBoundingClientRect().right > innerWidth + 1))
                 || (e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0
                     && getComputedStyle(e).overflowX === 'visible'))
  .slice(0, 5)
  .map((e) => `${e.tagName.toLowerCase()}.${e.className} "${e.textContent.trim().slice(0, 30)}"` +
              ` ${Math.round(e.getBoundingClientRect().width)}px wide`)"""


@dataclass
class MainPage:
    name: str
    path: str
    user: object | None


@pytest.fixture
def main_pages(live_server, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    svgmap.forget_base_map()  # the outlines were loaded anew for this transactional test
    for ags in ("05570004", "05570000", "05900000"):  # Ahlen, Kreis Warendorf, Arnsberg
        MembershipFactory(
            organisation=OrganisationFactory(authority=Authority.objects.get(ags=ags))
        )
    event = EventFactory(
        title="Netzwerktreffen Engagementförderung in Nordrhein-Westfalen", capacity=None
    )
    member = AffiliationFactory(user__full_name="Mia Mitglied")
    MembershipFactory(organisation=member.organisation)
    for name in ("Mia Mitglied", "Zora Zimmermann-Oberhausen"):
        affiliation = member if name == "Mia Mitglied" else AffiliationFactory(user__full_name=name)
        Registration.objects.create(
            event=event,
            user=affiliation.user,
            organisation=affiliation.organisation,
            registered_by=affiliation.user,
            status=Registration.Status.CONFIRMED,
            needs="vegetarisch, Gebärdensprachdolmetschung",
        )
    applicant = AffiliationFactory(user__full_name="Erika Engagiert")
    application = ApplicationFactory(organisation=applicant.organisation, created_by=applicant.user)
    staff = StaffFactory()
    yield [
        MainPage("home", "/", None),
        MainPage("map", "/netzwerk/karte/", None),
        MainPage("self-check", "/mitmachen/selbstcheck/", None),
        MainPage("event page", f"/veranstaltungen/{event.pk}/", member.user),
        MainPage("check-in", f"/admin/meetings/event/{event.pk}/checkin/", staff),
        MainPage(
            "application form", f"/antrag/{application.pk}/bearbeiten/", application.created_by
        ),
        MainPage("dashboard", "/mein-bereich/", member.user),
        MainPage("staff overview", "/admin/uebersicht/", staff),
    ]
    svgmap.forget_base_map()


def visit(page: Page, live_server, main_page: MainPage, style: str | None = None) -> None:
    page.context.clear_cookies()
    if main_page.user is not None:
        log_in_browser(page, live_server, main_page.user)
    response = page.goto(live_server.url + main_page.path)
    assert response is not None
    assert response.status == 200, main_page.name
    expect(page.locator("h1")).to_have_count(1)
    if style:
        page.add_style_tag(content=style)
    page.wait_for_load_state("load")


def problems_on(page: Page, main_page: MainPage) -> list[str]:
    problems = [f"{main_page.name}: clipped {what}" for what in page.evaluate(CLIPPED)]
    sideways = page.evaluate(SIDEWAYS)
    if sideways > 0:
        wide = page.evaluate(WIDE)
        problems.append(f"{main_page.name}: {sideways}px sideways scrolling ({wide})")
    return problems


def test_the_main_pages_reflow_at_320_css_pixels_and_zoom_to_200_percent(
    page: Page, live_server, main_pages
):
    problems: list[str] = []
    # 640 px is what a 1280 px window shows at the browser's zoom of 200 %.
    for width in (320, 640):
        page.set_viewport_size({"width": width, "height": 640})
        for main_page in main_pages:
            visit(page, live_server, main_page)
            problems += [f"{width}px {problem}" for problem in problems_on(page, main_page)]
    assert not problems, "\n".join(problems)


def test_the_main_pages_take_the_text_at_200_percent(page: Page, live_server, main_pages):
    page.set_viewport_size({"width": 1280, "height": 800})
    problems: list[str] = []
    for main_page in main_pages:
        visit(page, live_server, main_page, TEXT_200)
        problems += problems_on(page, main_page)
    assert not problems, "\n".join(problems)


def test_the_main_pages_take_wcag_text_spacing_without_cutting_text(
    page: Page, live_server, main_pages
):
    problems: list[str] = []
    for width in (320, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        for main_page in main_pages:
            visit(page, live_server, main_page, TEXT_SPACING)
            problems += [f"{width}px {problem}" for problem in problems_on(page, main_page)]
    assert not problems, "\n".join(problems)


@pytest.fixture
def forced_colors(browser: Browser, browser_context_args) -> Iterator[Page]:
    context = browser.new_context(
        **browser_context_args, forced_colors="active", viewport={"width": 1280, "height": 900}
    )
    yield context.new_page()
    context.close()


def shot(page: Page, selector: str) -> Image.Image:
    return Image.open(io.BytesIO(page.locator(selector).screenshot(animations="disabled")))


def colour_count(picture: Image.Image) -> int:
    return len(picture.convert("RGB").getcolors(1 << 20) or [])


def assert_focus_ring(element) -> None:
    """The focused element has an outline of at least 2px, which forced colors keep."""
    style, width = element.evaluate(
        "(e) => [getComputedStyle(e).outlineStyle, parseFloat(getComputedStyle(e).outlineWidth)]"
    )
    assert style != "none"
    assert width >= 2


def test_in_forced_colors_a_selected_radio_button_and_the_focus_stay_visible(
    forced_colors: Page, live_server
):
    page = forced_colors
    page.goto(live_server.url + "/mitmachen/selbstcheck/")
    assert page.evaluate("matchMedia('(forced-colors: active)').matches")
    radio = "#id_contact_person_0"
    before = shot(page, radio)
    page.locator(radio).check()
    page.locator("h1").click()  # away from the radio button: no focus ring in the picture
    after = shot(page, radio)
    assert before.tobytes() != after.tobytes(), "the selected radio looks like an empty one"

    page.locator(radio).focus()
    page.keyboard.press("ArrowRight")  # by keyboard, so that the focus ring is drawn
    expect(page.locator("#id_contact_person_1")).to_be_focused()
    assert_focus_ring(page.locator("#id_contact_person_1"))

    # A link's focus as well.
    link = page.locator(".site-nav a").first
    link.focus()
    assert_focus_ring(link)


def test_in_forced_colors_the_maps_member_areas_stand_out_from_the_rest(
    forced_colors: Page, live_server, main_pages
):
    page = forced_colors
    page.goto(live_server.url + "/netzwerk/karte/")
    page.wait_for_function(
        "() => document.querySelector('svg.network-map__svg > use')?.getBBox().width > 0"
    )
    member = page.locator('svg.network-map__svg a[data-ags="05570004"] use')
    fill = member.evaluate("(e) => getComputedStyle(e).fill")
    base = page.locator("svg.network-map__svg > use").evaluate("(e) => getComputedStyle(e).fill")
    assert fill != base, (fill, base)
    # Drawn, too: the member's box holds a colour the map's base layer does not have.
    assert colour_count(shot(page, 'svg.network-map__svg a[data-ags="05570004"]')) > 1
    # A member's area focused by keyboard looks different from the same area without focus.
    area = 'svg.network-map__svg a[data-ags="05570004"]'
    before = shot(page, area)
    page.locator(area).focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    expect(page.locator(area)).to_be_focused()
    assert shot(page, area).tobytes() != before.tobytes(), "the focused area looks unfocused"
    legend = page.locator(".network-map__legend svg")
    expect(legend.first).to_be_visible()
    assert len({legend.nth(i).screenshot() for i in range(legend.count())}) == legend.count()
