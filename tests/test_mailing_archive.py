"""The members' archive of information e-mails: who may read it, what it lists, the web version."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.models import Mailing, Topic
from tests.factories import AffiliationFactory, MembershipFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("members:archive")


def sent_mailing(subject: str = "Neues aus dem Netzwerk", days_ago: int = 1, **fields) -> Mailing:
    finished = timezone.now() - datetime.timedelta(days=days_ago)
    values = {
        "body": "Liebe Mitglieder,\n\n**wichtig**: das Netzwerktreffen findet statt.",
        "status": Mailing.Status.SENT,
        "started_at": finished - datetime.timedelta(minutes=5),
        "finished_at": finished,
        "recipient_count": 12,
        **fields,
    }
    return Mailing.objects.create(subject=subject, **values)


def detail_url(mailing: Mailing) -> str:
    return reverse("members:archive_detail", args=[mailing.pk])


# --- Who may read it --------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login(client):
    mailing = sent_mailing()
    for url in (LIST_URL, detail_url(mailing)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("who", ["contact_a", "colleague_a", "head_a", "staff_user"])
def test_members_and_staff_read_the_archive(client, request, member_a, who):
    mailing = sent_mailing()
    client.force_login(request.getfixturevalue(who))
    assert client.get(LIST_URL).status_code == 200
    assert client.get(detail_url(mailing)).status_code == 200


@pytest.mark.parametrize("who", ["contact_b", "user_without_organisation"])
def test_people_outside_member_municipalities_get_404(client, request, who):
    mailing = sent_mailing()
    client.force_login(request.getfixturevalue(who))
    assert client.get(LIST_URL).status_code == 404
    assert client.get(detail_url(mailing)).status_code == 404


def test_a_former_member_gets_404(client, organisation_b):
    MembershipFactory(organisation=organisation_b, until=datetime.date(2025, 12, 31))
    person = AffiliationFactory(organisation=organisation_b).user
    client.force_login(person)
    assert client.get(LIST_URL).status_code == 404


def test_only_safe_methods_are_allowed(client, contact_a, member_a):
    client.force_login(contact_a)
    assert client.post(LIST_URL).status_code == 405


# --- The list ---------------------------------------------------------------------------------


def test_it_lists_sent_archived_mailings_newest_first(client, contact_a, member_a):
    old = sent_mailing("Rundschreiben März", days_ago=30)
    new = sent_mailing("Rundschreiben April", days_ago=2)
    sent_mailing("Nur für den Verteiler", in_archive=False)
    sent_mailing("Entwurf", status=Mailing.Status.DRAFT, finished_at=None)
    sent_mailing("Geplant", status=Mailing.Status.SCHEDULED, finished_at=None)
    sent_mailing("Läuft noch", status=Mailing.Status.SENDING, finished_at=None)
    sent_mailing("Abgebrochen", status=Mailing.Status.CANCELLED)
    client.force_login(contact_a)
    response = client.get(LIST_URL)
    assert list(response.context["page"].object_list) == [new, old]
    content = response.content.decode()
    assert content.index("Rundschreiben April") < content.index("Rundschreiben März")
    for hidden in ("Nur für den Verteiler", "Entwurf", "Geplant", "Läuft noch", "Abgebrochen"):
        assert hidden not in content


def test_it_names_the_topic_of_a_mailing(client, contact_a, member_a):
    topic = Topic.objects.create(name="Förderprogramme", slug="foerderung")
    sent_mailing(topic=topic)
    client.force_login(contact_a)
    assert "Förderprogramme" in client.get(LIST_URL).content.decode()


def test_an_empty_archive_says_so(client, contact_a, member_a):
    client.force_login(contact_a)
    assert "data-archive-empty" in client.get(LIST_URL).content.decode()


def test_it_is_paginated(client, contact_a, member_a):
    for number in range(25):
        sent_mailing(f"Rundschreiben {number}", days_ago=number + 1)
    client.force_login(contact_a)
    first = client.get(LIST_URL)
    assert len(first.context["page"].object_list) == 20
    assert 'href="?seite=2"' in first.content.decode()
    second = client.get(LIST_URL, {"seite": 2})
    assert [m.subject for m in second.context["page"].object_list] == [
        f"Rundschreiben {number}" for number in range(20, 25)
    ]
    assert 'href="?seite=1"' in second.content.decode()


@pytest.mark.parametrize(("asked", "shown"), [("abc", 1), ("-3", 2), ("999", 2), ("", 1)])
def test_a_strange_page_number_shows_a_real_page(client, contact_a, member_a, asked, shown):
    for number in range(21):
        sent_mailing(f"Rundschreiben {number}", days_ago=number + 1)
    client.force_login(contact_a)
    response = client.get(LIST_URL, {"seite": asked})
    assert response.status_code == 200
    assert response.context["page"].number == shown


@pytest.mark.parametrize("count", [3, 30])
def test_the_list_needs_the_same_queries_for_few_and_many(
    client, contact_a, member_a, django_assert_max_num_queries, count
):
    topic = Topic.objects.create(name="Kurzformate", slug="kurzformate")
    for number in range(count):
        sent_mailing(f"Rundschreiben {number}", topic=topic if number % 2 else None)
    client.force_login(contact_a)
    with django_assert_max_num_queries(8):
        response = client.get(LIST_URL)
    assert response.status_code == 200


# --- The web version --------------------------------------------------------------------------


def test_the_web_version_shows_the_rendered_markdown(client, contact_a, member_a):
    mailing = sent_mailing(
        "Einladung zum Kurzformat",
        body="# Überschrift\n\nText mit **fett** und [Link](https://example.org/).\n\n"
        "<script>alert(1)</script>",
    )
    client.force_login(contact_a)
    response = client.get(detail_url(mailing))
    content = response.content.decode()
    assert "<strong>fett</strong>" in content
    assert 'href="https://example.org/"' in content
    assert "<script>alert" not in content
    # The subject is the page's only first-level heading; the body's headings move down.
    assert len(re.findall(r"<h1\b", content)) == 1
    assert "<h2>Überschrift</h2>" in content
    assert "<title>Einladung zum Kurzformat" in content


@pytest.mark.parametrize(
    ("body", "headings"),
    [
        ("## Programm\n\n### Vormittag", ["<h2>Programm</h2>", "<h3>Vormittag</h3>"]),
        ("# Titel\n\n## Teil", ["<h2>Titel</h2>", "<h3>Teil</h3>"]),
        ("#### Klein", ["<h2>Klein</h2>"]),
    ],
)
def test_the_body_headings_start_right_below_the_subject(
    client, contact_a, member_a, body, headings
):
    mailing = sent_mailing(body=body)
    client.force_login(contact_a)
    content = client.get(detail_url(mailing)).content.decode()
    for heading in headings:
        assert heading in content


@pytest.mark.parametrize(
    "fields",
    [
        {"in_archive": False},
        {"status": Mailing.Status.DRAFT},
        {"status": Mailing.Status.SCHEDULED},
        {"status": Mailing.Status.CANCELLED},
    ],
    ids=["not-archived", "draft", "scheduled", "cancelled"],
)
def test_mailings_outside_the_archive_are_404_even_for_members(client, contact_a, member_a, fields):
    mailing = sent_mailing(**fields)
    client.force_login(contact_a)
    assert client.get(detail_url(mailing)).status_code == 404


def test_an_unknown_mailing_is_404(client, contact_a, member_a):
    client.force_login(contact_a)
    assert client.get(reverse("members:archive_detail", args=[424242])).status_code == 404


# --- The dashboard ----------------------------------------------------------------------------


def test_the_dashboard_leads_members_to_the_archive_and_preferences(client, contact_a, member_a):
    client.force_login(contact_a)
    content = client.get(reverse("dashboard")).content.decode()
    assert f'href="{LIST_URL}"' in content
    assert f'href="{reverse("email_preferences")}"' in content


def test_the_dashboard_shows_others_only_the_preferences(client, contact_b):
    client.force_login(contact_b)
    content = client.get(reverse("dashboard")).content.decode()
    assert f'href="{LIST_URL}"' not in content
    assert f'href="{reverse("email_preferences")}"' in content
