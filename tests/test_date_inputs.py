"""Date and time inputs keep their value: the browser's pickers only take ISO values.

A `<input type="date" value="01.03.2027">` shows an empty field, and the next save sends it
empty: the stored date was lost on the application page that way (issue 15).
"""

from __future__ import annotations

import datetime
import importlib
import pkgutil
import re
from html.parser import HTMLParser

import pytest
from django import forms
from django.urls import reverse
from django.utils import translation

from members.applications import services
from members.models import Application
from tests.factories import ApplicationFactory

PICKERS = ("date", "time", "datetime-local")
APPS = ("portal", "members", "meetings", "declarations")
ISO = {
    "date": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "time": re.compile(r"^\d{2}:\d{2}$"),
    "datetime-local": re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$"),
}
SAMPLE = datetime.datetime(2027, 3, 1, 9, 30)


def _form_classes() -> list[type[forms.BaseForm]]:
    """Every form class of the apps, after importing each of their form modules."""
    for app in APPS:
        package = importlib.import_module(app)
        for module in pkgutil.walk_packages(package.__path__, f"{app}."):
            if module.name.rsplit(".", 1)[-1] in ("forms", "admin_forms"):
                importlib.import_module(module.name)
    found, todo = [], [forms.BaseForm]
    while todo:
        for cls in todo.pop().__subclasses__():
            todo.append(cls)
            if cls.__module__.split(".")[0] in APPS:
                found.append(cls)
    return found


def _pickers() -> list[tuple[str, forms.Field]]:
    return [
        (f"{cls.__module__}.{cls.__name__}.{name}", field)
        for cls in _form_classes()
        for name, field in getattr(cls, "base_fields", {}).items()
        if getattr(field.widget, "input_type", None) in PICKERS
    ]


def test_the_forms_of_the_portal_and_of_admin_have_date_and_time_pickers():
    names = {name for name, _field in _pickers()}
    assert "members.applications.forms.ApplicationForm.ehrenamtskarte_planned_for" in names
    assert "portal.mailings.forms.ScheduleForm.time" in names
    assert "members.surveys.admin_forms.SurveyForm.opens_at" in names
    assert len(names) >= 6


@pytest.mark.parametrize("language", ["de", "en"])
def test_every_date_and_time_picker_writes_its_value_in_iso_form(language):
    with translation.override(language):
        for name, field in _pickers():
            kind = field.widget.input_type
            value = SAMPLE.date() if kind == "date" else SAMPLE.time() if kind == "time" else SAMPLE
            html = field.widget.render("x", field.prepare_value(value))
            written = re.search(r'value="([^"]*)"', html)
            assert written is not None, name
            assert ISO[kind].match(written.group(1)), f"{name} writes {written.group(1)}"


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("2027-03-01", "date"),
        ("01.03.2027", "date"),
        ("09:30", "time"),
        ("2027-03-01T09:30", "datetime-local"),
        ("01.03.2027 09:30", "datetime-local"),
    ],
)
def test_every_picker_takes_iso_and_the_german_typed_form(typed, kind):
    """Where a browser shows a text box instead of a picker, people type German dates."""
    with translation.override("de"):
        for name, field in _pickers():
            if field.widget.input_type == kind:
                assert field.clean(typed), name


# --- The application, as a browser sends it ---------------------------------------------------


class _FormReader(HTMLParser):
    """What a browser sends for the page's form with enctype multipart: its fields' values.

    Like a browser, a date input keeps only an ISO value; any other value shows an empty
    field and is sent empty."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str] = {}
        self._textarea: str | None = None
        self._select: str | None = None
        self._in_form = False

    def handle_starttag(self, tag, attrs):
        a = {key: value or "" for key, value in attrs}
        if tag == "form" and a.get("enctype") == "multipart/form-data":
            self._in_form = True
        if not self._in_form or ("name" not in a and tag != "option"):
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.data[a["name"]] = a.get("value", "on")
            elif kind == "date":
                value = a.get("value", "")
                self.data[a["name"]] = value if ISO["date"].match(value) else ""
            elif kind not in ("file", "submit"):
                self.data[a["name"]] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a["name"]
            self.data[a["name"]] = ""
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select] = a.get("value", "")

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._in_form = False


def sent_by_browser(html: str) -> dict[str, str]:
    reader = _FormReader()
    reader.feed(html)
    # Django writes a newline after <textarea>, which the browser drops.
    return {k: v.removeprefix("\n") for k, v in reader.data.items()}


@pytest.fixture
def planned(contact_a, organisation_a, db):
    return ApplicationFactory(
        organisation=organisation_a,
        created_by=contact_a,
        ehrenamtskarte_status=Application.EhrenamtskarteStatus.PLANNED,
        ehrenamtskarte_planned_for=datetime.date(2027, 3, 1),
    )


def test_the_planned_ehrenamtskarte_date_is_in_the_form_as_the_browser_takes_it(
    client, planned, contact_a
):
    client.force_login(contact_a)
    html = client.get(reverse("members:application_edit", args=[planned.pk])).content.decode()
    field = re.search(r'<input type="date" name="ehrenamtskarte_planned_for"[^>]*>', html)
    assert field is not None
    assert 'value="2027-03-01"' in field.group(0)


@pytest.mark.parametrize("status", ["draft", "query"])
def test_saving_the_application_keeps_the_planned_date(
    client, planned, contact_a, staff_user, status
):
    if status == "query":
        services.applicant_step(planned, contact_a, Application.Status.SUBMITTED)
        services.staff_step(planned, staff_user, Application.Status.QUERY, "Welche Stelle?")
    client.force_login(contact_a)
    edit = reverse("members:application_edit", args=[planned.pk])
    sent = sent_by_browser(client.get(edit).content.decode())
    assert sent["ehrenamtskarte_planned_for"] == "2027-03-01"
    response = client.post(edit, {**sent, "action": "save"})
    assert response.status_code == 302
    planned.refresh_from_db()
    assert planned.status == status
    assert planned.ehrenamtskarte_planned_for == datetime.date(2027, 3, 1)
