"""The main ways through the portal with the keyboard alone, in Chromium: the navigation, the
focus that every tab stop shows, logging in and out, registering for an event, applying for
membership, signing the declaration and, for staff, a row of an inline table in admin.

Other files walk further flows by keyboard: the skip link (test_browser.py), the self-check,
the map, the library search, workshops, surveys, unsubscribing, personal data and check-in.
"""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from declarations.models import Signature
from meetings.models import Event, ProgrammeItem, Registration, RegistrationQuestion
from members.models import Affiliation, Application, Authority
from tests.conftest import assert_accessible, log_in_browser
from tests.factories import (
    PASSWORD,
    AffiliationFactory,
    ApplicationFactory,
    EventFactory,
    MembershipFactory,
    OrganisationFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TAB_LIMIT = 80

FOCUS_INDICATOR = """element => {
    const style = getComputedStyle(element);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    const shadow = style.boxShadow !== 'none';
    const box = element.getBoundingClientRect();
    return {
        shown: outline || shadow,
        onScreen: box.width >= 1 && box.height >= 1,
        html: element.outerHTML.slice(0, 120),
    };
}"""


def tab_to(page: Page, selector: str, limit: int = TAB_LIMIT, *, back: bool = False) -> int:
    """Press Tab (or Shift+Tab) until the element matching `selector` has the focus; the
    number of presses."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        if page.evaluate("s => document.activeElement?.matches(s) ?? false", selector):
            return presses
    raise AssertionError(f"Tab never reached {selector}")


def tab_stops(page: Page, limit: int = TAB_LIMIT) -> list[dict]:
    """Each element Tab reaches from the top of the page, with how its focus looks."""
    page.locator("body").focus()
    stops: list[dict] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate_handle("document.activeElement")
        if page.evaluate("element => element === document.body", focused):
            break  # past the last tab stop
        facts = page.evaluate(FOCUS_INDICATOR, focused)
        if stops and facts["html"] == stops[0]["html"]:
            break  # round again
        stops.append(facts)
    return stops


# --- Navigation and focus ---------------------------------------------------------------------


def test_the_main_navigation_is_reached_and_followed_by_keyboard(page: Page, live_server):
    page.goto(live_server.url)
    to_content = tab_to(page, "main :is(a, button, input, select, textarea)")
    page.goto(live_server.url)
    to_menu = tab_to(page, 'nav.site-nav a[href="/veranstaltungen/"]')
    assert to_menu < to_content, "the navigation comes before the page's content"
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/veranstaltungen/$"))
    expect(page.locator('nav.site-nav a[href="/veranstaltungen/"]')).to_have_attribute(
        "aria-current", "page"
    )

    # Logged in, the member's area and logging out are in the menu too.
    log_in_browser(page, live_server, UserFactory.create())
    page.goto(live_server.url)
    tab_to(page, 'nav.site-nav a[href="/mein-bereich/"]')
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/mein-bereich/$"))
    tab_to(page, "nav.site-nav form button[type=submit]")
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_server.url + "/")
    expect(page.locator('nav.site-nav a[href="/konto/login/"]')).to_be_visible()


@pytest.mark.parametrize(
    ("who", "path"),
    [
        (None, "/"),
        (None, "/konto/login/"),
        ("member", "/mein-bereich/"),
        ("member", "event"),
        ("staff", "/admin/meetings/event/"),
    ],
)
def test_every_tab_stop_shows_where_the_focus_is(page: Page, live_server, settings, who, path):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    event = EventFactory.create(title="Netzwerktreffen Herbst")
    RegistrationQuestion.objects.create(
        event=event, label="Nehmen Sie am Mittagessen teil?", kind="yes_no"
    )
    if who == "member":
        organisation = OrganisationFactory.create()
        MembershipFactory.create(organisation=organisation)
        log_in_browser(page, live_server, AffiliationFactory.create(organisation=organisation).user)
    elif who == "staff":
        log_in_browser(page, live_server, StaffFactory.create())
    page.goto(live_server.url + (f"/veranstaltungen/{event.pk}/" if path == "event" else path))

    stops = tab_stops(page)
    assert len(stops) >= 5, "the page has links, fields and buttons to reach"
    unseen = [stop["html"] for stop in stops if not (stop["shown"] and stop["onScreen"])]
    assert unseen == [], "focus not visible on:\n" + "\n".join(unseen)


# --- Logging in -------------------------------------------------------------------------------


def test_a_person_logs_in_by_keyboard(page: Page, live_server):
    person = UserFactory.create(full_name="Erika Engagiert")
    page.goto(live_server.url + "/konto/login/")
    tab_to(page, "input[name=login]")
    page.keyboard.type(person.email)
    tab_to(page, "input[name=password]", limit=3)
    page.keyboard.type("falsches-Passwort")
    page.keyboard.press("Enter")
    expect(page.locator(".kern-alert--danger, .errorlist, [id$=_error]").first).to_be_visible()
    assert_accessible(page)

    # What was typed stays; only the password is asked again.
    expect(page.locator("input[name=login]")).to_have_value(person.email)
    page.locator("input[name=password]").focus()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/mein-bereich/$"))
    expect(page.locator("h1")).to_contain_text("Erika")


# --- Registering for an event ------------------------------------------------------------------


def test_a_member_registers_for_an_event_by_keyboard(page: Page, live_server, contact_a, member_a):
    event = EventFactory.create(title="Netzwerktreffen Herbst")
    lunch = RegistrationQuestion.objects.create(
        event=event, label="Nehmen Sie am Mittagessen teil?", kind="yes_no", required=True
    )
    log_in_browser(page, live_server, contact_a)
    page.goto(live_server.url + "/veranstaltungen/")
    tab_to(page, f'[data-event="{event.pk}"] a[href="/veranstaltungen/{event.pk}/"]')
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/veranstaltungen/{event.pk}/$"))

    tab_to(page, '#register-form input[name="listed_consent"]')
    page.keyboard.press("Space")
    tab_to(page, '#register-form textarea[name="needs"]', limit=3)
    page.keyboard.type("vegetarisch")
    # The first answer of the radio group, then the arrow key to the second.
    tab_to(page, "#register-form input[type=radio]", limit=3)
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    tab_to(page, '#register-form button[type="submit"]', limit=3)
    page.keyboard.press("Enter")

    expect(page.locator("[data-registered]")).to_have_attribute("data-registered", "confirmed")
    assert_accessible(page)
    registration = Registration.objects.get(user=contact_a, event=event)
    assert registration.listed_consent
    assert registration.needs == "vegetarisch"
    assert [answer["question"] for answer in registration.answers] == [lunch.pk]
    assert registration.answers[0]["answer"] == "nein"


# --- Applying for membership ------------------------------------------------------------------


def test_an_applicant_chooses_the_municipality_and_submits_by_keyboard(page: Page, live_server):
    officer = UserFactory.create(full_name="Erika Engagiert")
    log_in_browser(page, live_server, officer)
    page.goto(live_server.url + "/antrag/neu/")

    # The official key finds exactly one municipality, which is then chosen already.
    tab_to(page, "#id_q")
    page.keyboard.type("05754008")
    expect(page.locator("#authority-05754008")).to_be_checked()
    tab_to(page, '#search-results button[type="submit"]', limit=5)
    page.keyboard.press("Enter")

    # The evidence, field by field; checkboxes with Space, the radio group with arrows.
    expect(page.locator("h1")).to_contain_text("Gütersloh")
    for field, text in (
        ("#id_contact_name", "Erika Engagiert"),
        ("#id_contact_office", "Ehrenamtsbüro"),
        ("#id_contact_email", "erika@guetersloh.example"),
        ("#id_cross_cutting_task", "Das Ehrenamtsbüro koordiniert die Engagementförderung."),
    ):
        tab_to(page, field)
        page.keyboard.press("ControlOrMeta+A")
        page.keyboard.type(text)
    # Each criterion in the order of the form: who signs, the Ehrenamtskarte, who comes.
    steps: tuple[tuple[str, str | None], ...] = (
        ("#id_willing_to_sign", None),
        ("#id_signatory_name", "Dr. Norbert Beispiel"),
        ("#id_signatory_office", "Bürgermeister"),
        ("#id_ehrenamtskarte_status_0", None),
        ("#id_ehrenamtskarte_since", "2016"),
        ("#id_commits_to_participate", None),
        ("#id_representative_name", "Erika Engagiert"),
        ("#id_representative_office", "Ehrenamtsbüro"),
    )
    for field, value in steps:
        tab_to(page, field)
        if value is not None:
            page.keyboard.type(value)
        elif not page.locator(field).is_checked():
            page.keyboard.press("Space")
    tab_to(page, 'button[name="action"][value="submit"]')
    page.keyboard.press("Enter")

    expect(page.locator('[data-application-status="submitted"]')).to_be_visible()
    application = Application.objects.get()
    assert application.status == Application.Status.SUBMITTED
    assert application.organisation.authority.ags == "05754008"
    assert application.cross_cutting_task.startswith("Das Ehrenamtsbüro")


# --- Signing the declaration ------------------------------------------------------------------


def test_the_head_of_a_member_signs_the_declaration_by_keyboard(
    page: Page, live_server, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    organisation = OrganisationFactory.create(authority=Authority.objects.get(ags="05754008"))
    application = ApplicationFactory.create(
        organisation=organisation, status=Application.Status.APPROVED
    )
    MembershipFactory.create(
        organisation=organisation, application=application, since=timezone.localdate()
    )
    head = AffiliationFactory.create(
        organisation=organisation,
        role=Affiliation.Role.HEAD,
        office="Bürgermeister",
        user__full_name="Norbert Beispiel",
    ).user
    log_in_browser(page, live_server, head)
    page.goto(live_server.url + "/erklaerung/")

    tab_to(page, 'main a[href="/erklaerung/unterzeichnen/"]')
    page.keyboard.press("Enter")
    expect(page.locator("#id_signatory_name")).to_have_value("Norbert Beispiel")
    # The form is filled in from what the portal knows; the date is corrected by typing.
    tab_to(page, "#id_place")
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.type("Gütersloh, Rathaus")
    tab_to(page, 'form[enctype] button[type="submit"]')
    page.keyboard.press("Enter")

    expect(page.locator(".messages .kern-alert--success")).to_be_visible()
    signature = Signature.objects.get()
    assert signature.organisation == organisation
    assert signature.place == "Gütersloh, Rathaus"


# --- Admin: a row of an inline table ------------------------------------------------------------


def test_staff_add_a_programme_item_to_an_event_by_keyboard(page: Page, live_server, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    event = EventFactory.create(title="Engagementkongress", kind=Event.Kind.CONGRESS)
    log_in_browser(page, live_server, StaffFactory.create())
    page.goto(f"{live_server.url}/admin/meetings/event/{event.pk}/change/")

    group = "#programme_items-group"
    tab_to(page, f"{group} .add-row a", limit=200)
    page.keyboard.press("Enter")
    row = page.locator(f"{group} tr.form-row.dynamic-programme_items")
    expect(row).to_have_count(1)
    # Every field of the new row has its label, renumbered like the field.
    title = row.get_by_label("Titel")
    expect(title).to_have_attribute("id", "id_programme_items-0-title")
    expect(row.get_by_label("Datum")).to_have_count(2)

    date = event.starts_at.astimezone(timezone.get_current_timezone())
    # The new row is above the link that added it.
    tab_to(page, "#id_programme_items-0-starts_at_0", limit=20, back=True)
    page.keyboard.type(date.strftime("%d.%m.%Y"))
    tab_to(page, "#id_programme_items-0-starts_at_1")
    page.keyboard.type("10:00:00")
    tab_to(page, "#id_programme_items-0-title")
    page.keyboard.type("Begrüßung")
    assert_accessible(page)
    tab_to(page, 'input[name="_continue"]', limit=200)
    page.keyboard.press("Enter")

    expect(page.locator(".messagelist")).to_be_visible()
    item = ProgrammeItem.objects.get(event=event)
    assert item.title == "Begrüßung"
    assert timezone.localtime(item.starts_at).hour == 10
