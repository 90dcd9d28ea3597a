"""The English interface writes dates and times as readers in Europe expect them (issue 15):
day before month, ISO dates in figures, the 24-hour clock, weeks from Monday."""

from __future__ import annotations

import datetime
import re
import zoneinfo

import pytest
from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils import formats, translation

from tests.factories import EventFactory

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
DAY = datetime.date(2014, 3, 1)
AFTERNOON = datetime.datetime(2027, 3, 1, 14, 0, tzinfo=BERLIN)
US_STYLE = re.compile(r"\b\d{2}/\d{2}/\d{4}\b|\b[ap]\.m\.|\bnoon\b|\bmidnight\b")


def test_english_dates_put_the_day_first_and_times_on_the_24_hour_clock():
    with translation.override("en"):
        assert formats.date_format(DAY) == "1 March 2014"
        assert formats.date_format(DAY, "SHORT_DATE_FORMAT") == "2014-03-01"
        assert formats.time_format(AFTERNOON.time()) == "14:00"
        assert formats.date_format(AFTERNOON, "DATETIME_FORMAT") == "1 March 2027, 14:00"
        assert formats.date_format(AFTERNOON, "SHORT_DATETIME_FORMAT") == "2027-03-01 14:00"
        assert formats.get_format("FIRST_DAY_OF_WEEK") == 1


def test_german_dates_keep_djangos_german_formats():
    with translation.override("de"):
        assert formats.date_format(DAY) == "1. März 2014"
        assert formats.date_format(DAY, "SHORT_DATE_FORMAT") == "01.03.2014"
        assert formats.time_format(AFTERNOON.time()) == "14:00"


def test_english_date_fields_show_iso_and_read_what_people_and_browsers_send():
    with translation.override("en"):
        # What a date input without a format of its own shows: ISO, as <input type="date"> needs.
        assert forms.DateInput().format_value(DAY) == "2014-03-01"
        assert forms.TimeInput().format_value(AFTERNOON.time()) == "14:00"
        field = forms.DateField()
        for typed in ("2014-03-01", "01/03/2014", "01.03.2014"):
            assert field.clean(typed) == DAY, typed
        moment = forms.DateTimeField().clean("01/03/2027 14:00")
        assert moment == AFTERNOON


@pytest.mark.django_db
def test_an_english_event_page_shows_no_american_date_or_time(client):
    event = EventFactory(starts_at=AFTERNOON, ends_at=AFTERNOON + datetime.timedelta(hours=3))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    page = client.get(reverse("meetings:event_detail", args=[event.pk])).text

    text = re.sub(r"<[^>]+>", "", page)
    assert "Monday, 1 March 2027, 14:00–17:00" in text
    assert US_STYLE.findall(page) == []
