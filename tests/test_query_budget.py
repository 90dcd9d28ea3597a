"""At most ten queries a page, and as many with ten times the data.

Each page is requested once with a small network (benchmarks/volume.py, the benchmark's data
builder at a small scale) and again after the data grew tenfold. A page whose count grows
with the data has a query in a loop; a page above the budget does too much per request.
Anonymous pages are measured made afresh, with the page cache off.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from benchmarks.volume import Volume, grow
from declarations.models import Signature
from meetings.models import Event, Publication
from members.models import Affiliation, Organisation, Survey
from portal.models import Mailing, User
from tests.factories import StaffFactory

BUDGET = 10
SMALL = Volume(
    members=6,
    applicants=6,
    applications=20,
    events=4,
    registrations=40,
    mailings=2,
    publications=10,
    surveys=2,
)

# name -> (who asks: "anonymous", "member" or "staff"; the address, made from the data)
Page = tuple[str, Callable[[], str]]


def _member_organisation() -> Organisation:
    return Organisation.objects.filter(memberships__until__isnull=True).order_by("pk")[0]


def _event() -> Event:
    return Event.objects.order_by("pk")[0]


PAGES: dict[str, Page] = {
    "home": ("anonymous", lambda: reverse("home")),
    "join": ("anonymous", lambda: reverse("join")),
    "self-check": ("anonymous", lambda: reverse("members:self_check")),
    "directory": ("anonymous", lambda: reverse("members:directory")),
    "map": ("anonymous", lambda: reverse("members:map")),
    "profile": (
        "anonymous",
        lambda: reverse("members:profile", args=[_member_organisation().authority.ags]),
    ),
    "event list": ("anonymous", lambda: reverse("meetings:event_list")),
    "event": ("anonymous", lambda: reverse("meetings:event_detail", args=[_event().pk])),
    "declaration": ("anonymous", lambda: reverse("declarations:current")),
    "signatories": ("anonymous", lambda: reverse("declarations:signatories")),
    "verification": (
        "anonymous",
        lambda: reverse(
            "declarations:verify_code",
            args=[Signature.objects.order_by("pk")[0].verification_code],
        ),
    ),
    "library": ("anonymous", lambda: reverse("meetings:library")),
    "library search": ("anonymous", lambda: reverse("meetings:library") + "?q=Arbeitshilfen"),
    "publication": (
        "anonymous",
        lambda: reverse(
            "meetings:library_detail",
            args=[Publication.objects.filter(visibility="public").order_by("pk")[0].pk],
        ),
    ),
    "dashboard": ("member", lambda: reverse("dashboard")),
    "library, logged in": ("member", lambda: reverse("meetings:library")),
    "surveys": ("member", lambda: reverse("members:surveys")),
    "survey": (
        "member",
        lambda: reverse("members:survey", args=[Survey.objects.order_by("pk")[0].pk]),
    ),
    "my data": ("member", lambda: reverse("personal_data")),
    "event list, logged in": ("member", lambda: reverse("meetings:event_list")),
    "event, logged in": ("member", lambda: reverse("meetings:event_detail", args=[_event().pk])),
    "archive": ("member", lambda: reverse("members:archive")),
    "archive entry": (
        "member",
        lambda: reverse("members:archive_detail", args=[Mailing.objects.order_by("pk")[0].pk]),
    ),
    "people": ("member", lambda: reverse("members:people")),
    "profile editing": ("member", lambda: reverse("members:profile_edit")),
    "e-mail settings": ("member", lambda: reverse("email_preferences")),
    "admin: applications": ("staff", lambda: reverse("admin:members_application_changelist")),
    "admin: registrations": ("staff", lambda: reverse("admin:meetings_registration_changelist")),
    "admin: events": ("staff", lambda: reverse("admin:meetings_event_changelist")),
    "admin: organisations": ("staff", lambda: reverse("admin:members_organisation_changelist")),
    "admin: mailings": ("staff", lambda: reverse("admin:portal_mailing_changelist")),
    "admin: outbox": ("staff", lambda: reverse("admin:portal_outboundemail_changelist")),
    "admin: library": ("staff", lambda: reverse("admin:meetings_publication_changelist")),
    "admin: surveys": ("staff", lambda: reverse("admin:members_survey_changelist")),
    "admin: survey results": (
        "staff",
        lambda: reverse("admin:members_survey_results", args=[Survey.objects.order_by("pk")[0].pk]),
    ),
    "admin: staff overview": ("staff", lambda: reverse("admin:staff_dashboard")),
}
# Admin's list pages count the rows and the filters' choices, and check permissions: they get
# a budget of their own, still flat.
ADMIN_BUDGET = 15


def _client(who: str) -> Client:
    client = Client()
    if who == "member":
        contact = Affiliation.objects.filter(
            organisation=_member_organisation(), role=Affiliation.Role.CONTACT
        )[0]
        client.force_login(contact.user)
    elif who == "staff":
        client.force_login(User.objects.filter(is_staff=True)[0])
    return client


def _count(who: str, url: str) -> tuple[int, Any]:
    client = _client(who)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries.captured_queries), queries


@pytest.mark.parametrize("page", PAGES)
def test_the_page_stays_within_its_query_budget_as_data_grows_tenfold(page, db, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    settings.PORTAL_PAGE_CACHE_SECONDS = 0
    who, url = PAGES[page]
    StaffFactory()
    grow(SMALL, seed=1)
    small, _ = _count(who, url())
    grow(SMALL.times(9), seed=2)
    large, queries = _count(who, url())

    budget = ADMIN_BUDGET if who == "staff" else BUDGET
    listing = "\n".join(query["sql"][:160] for query in queries.captured_queries)
    assert large <= budget, f"{page}: {large} queries\n{listing}"
    assert large <= small, f"{page}: {small} queries at first, {large} with ten times the data"
