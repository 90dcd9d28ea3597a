"""Leichte Sprache, sign language and "Barriere melden" in Chromium: axe-core finds nothing,
the pages are reached from the header and footer by keyboard, and the form is filled in by
keyboard alone, with errors next to the fields and nothing typed lost."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from playwright.sync_api import Page, expect

from portal.accessibility.models import BarrierReport, SignLanguageVideo
from tests.conftest import assert_accessible
from tests.test_accessibility import CAPTIONS, MP4

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_leichte_sprache_is_reached_from_the_header_and_has_large_line_spacing(
    page: Page, live_server
):
    page.goto(live_server.url + "/mitmachen/")
    link = page.get_by_role("link", name="Leichte Sprache").first
    link.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_server.url + "/leichte-sprache/")
    assert_accessible(page)
    page.get_by_role("link", name="Was ist das Kommunen-Netzwerk?").focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Was ist das Kommunen-Netzwerk?")
    assert_accessible(page)
    spacing = page.evaluate(
        """() => { const p = document.querySelector('.leichte-sprache p');
        const style = getComputedStyle(p);
        return parseFloat(style.lineHeight) / parseFloat(style.fontSize); }"""
    )
    assert spacing >= 1.5


def test_the_sign_language_page_without_and_with_a_video(
    page: Page, live_server, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Gebärdensprache").focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Informationen in Deutscher Gebärdensprache")
    expect(page.get_by_text("Zu diesem Thema gibt es noch kein Video.")).to_have_count(7)
    assert_accessible(page)

    video = SignLanguageVideo(topic="netzwerk", video_type="video/mp4", text_version="Text.")
    video.video.save("film.mp4", ContentFile(MP4), save=False)
    video.captions.save("film.vtt", ContentFile(CAPTIONS), save=False)
    video.save()
    cache.clear()  # anonymous visitors may see the page up to a minute old
    page.reload()
    player = page.locator("video")
    expect(player).to_have_count(1)
    expect(player).to_have_attribute("controls", "")
    expect(player).not_to_have_attribute("autoplay", "")
    assert page.evaluate("document.querySelector('video').paused")
    expect(page.locator('track[kind="captions"]')).to_have_count(1)
    assert_accessible(page)


def test_a_barrier_is_reported_by_keyboard_with_errors_next_to_the_fields(
    page: Page, live_server, monkeypatch
):
    # The minimum time before sending is for bots; the test types faster than a person.
    monkeypatch.setattr("portal.accessibility.forms.MIN_SECONDS", 0)
    page.goto(live_server.url + "/mitmachen/")
    page.get_by_role("link", name="Barriere melden").focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Barriere melden")
    expect(page.get_by_label("Seite, auf der die Barriere auftritt")).to_have_value("/mitmachen/")
    assert_accessible(page)

    # Tab from the page field to the description, past it to the address, and send with Enter.
    page.get_by_label("Seite, auf der die Barriere auftritt").focus()
    page.keyboard.press("Tab")
    expect(page.locator("#id_description")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#id_reply_email")).to_be_focused()
    page.keyboard.type("kein-at-zeichen")
    page.keyboard.press("Enter")

    error = page.locator("#id_description_error")
    expect(error).to_contain_text("Bitte beschreiben Sie die Barriere.")
    expect(page.locator("#id_description")).to_have_attribute(
        "aria-describedby", "id_description_helptext id_description_error"
    )
    expect(page.locator("#id_reply_email_error")).to_be_visible()
    expect(page.locator("#id_reply_email")).to_have_value("kein-at-zeichen")
    expect(page.locator("#id_page")).to_have_value("/mitmachen/")
    assert_accessible(page)

    page.locator("#id_description").focus()
    page.keyboard.type("Der Knopf ist mit der Tastatur nicht erreichbar.")
    page.keyboard.press("Tab")
    page.keyboard.press("Control+A")
    page.keyboard.type("melder@kommune.example")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Meldung gesendet")
    report = BarrierReport.objects.get()
    expect(page.get_by_text(report.reference)).to_be_visible()
    assert report.page == "/mitmachen/"
    assert_accessible(page)
