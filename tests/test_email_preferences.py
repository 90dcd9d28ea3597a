"""The e-mail preferences page: topics, the switch for all information e-mails, and notices."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.models import FailedAddress, Subscription, Topic, Unsubscribe
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("email_preferences")


@pytest.fixture
def topics():
    return [
        Topic.objects.create(name="Digitale Kurzformate", slug="kurzformate", position=1),
        Topic.objects.create(
            name="Förderprogramme", slug="foerderung", position=2, description="Fristen und Mittel"
        ),
        Topic.objects.create(name="Engagementkongress", slug="kongress", position=3),
    ]


@pytest.fixture
def person(db):
    return UserFactory(email="berta@kommune.example")


@pytest.fixture
def logged_in(client, person):
    client.force_login(person)
    return client


def save(client, topics=(), no_mail=False):
    ticked = {"no_mail": "on"} if no_mail else {}
    return client.post(URL, {"topics": [topic.pk for topic in topics], **ticked})


# --- Who ------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_anonymous_posts_change_nothing(client, topics):
    response = client.post(URL, {"topics": [topics[0].pk], "no_mail": "on"})
    assert response.status_code == 302
    assert not Subscription.objects.exists()
    assert not Unsubscribe.objects.exists()


# --- The page -------------------------------------------------------------------------------


def test_the_page_has_a_title_one_heading_and_labelled_choices(logged_in, topics):
    response = logged_in.get(URL)
    assert response.status_code == 200
    content = response.content.decode()
    assert len(re.findall(r"<h1\b", content)) == 1
    assert "<title>" in content
    assert "<fieldset" in content
    assert "<legend" in content
    for topic in topics:
        checkbox = re.search(
            rf'<input type="checkbox" name="topics" value="{topic.pk}"[^>]*>', content
        )
        assert checkbox, topic
        box_id = re.search(r'id="([^"]+)"', checkbox.group(0)).group(1)
        assert f'<label class="kern-label" for="{box_id}">' in content
    assert "Förderprogramme – Fristen und Mittel" in content
    assert 'name="no_mail"' in content


def test_subscribed_topics_are_ticked(logged_in, person, topics):
    Subscription.objects.create(user=person, topic=topics[1])
    response = logged_in.get(URL)
    assert response.context["form"].initial == {"topics": [topics[1].pk], "no_mail": False}


def test_a_topic_left_through_a_link_shows_unticked(logged_in, person, topics):
    Subscription.objects.create(user=person, topic=topics[0])
    Subscription.objects.create(user=person, topic=topics[1])
    Unsubscribe.objects.create(email=person.email, topic=topics[0], source="link")
    response = logged_in.get(URL)
    assert response.context["form"].initial["topics"] == [topics[1].pk]


def test_leaving_all_through_a_link_shows_the_switch_on(logged_in, person):
    Unsubscribe.objects.create(email=person.email.upper(), topic=None, source="one_click")
    response = logged_in.get(URL)
    assert response.context["form"].initial["no_mail"] is True


def test_without_topics_the_page_says_so(logged_in):
    response = logged_in.get(URL)
    assert "data-no-topics" in response.content.decode()


def test_an_undeliverable_address_gets_a_notice(logged_in, person):
    FailedAddress.objects.create(email=person.email, reason="550 mailbox unavailable")
    assert "data-undeliverable" in logged_in.get(URL).content.decode()


def test_a_fixed_address_gets_no_notice(logged_in, person):
    FailedAddress.objects.create(
        email=person.email, reason="550 mailbox unavailable", cleared_at=timezone.now()
    )
    FailedAddress.objects.create(email="someone.else@kommune.example", reason="550")
    assert "data-undeliverable" not in logged_in.get(URL).content.decode()


# --- Saving ---------------------------------------------------------------------------------


def test_ticking_topics_subscribes(logged_in, person, topics):
    response = save(logged_in, [topics[0], topics[2]])
    assert response.status_code == 302
    assert response["Location"] == URL
    assert set(Subscription.objects.filter(user=person).values_list("topic", flat=True)) == {
        topics[0].pk,
        topics[2].pk,
    }
    assert not Unsubscribe.objects.exists()
    page = logged_in.get(URL)
    assert [str(message) for message in page.context["messages"]]


def test_unticking_a_topic_unsubscribes_from_it(logged_in, person, topics):
    Subscription.objects.create(user=person, topic=topics[0])
    Subscription.objects.create(user=person, topic=topics[1])
    save(logged_in, [topics[1]])
    assert list(Subscription.objects.filter(user=person).values_list("topic", flat=True)) == [
        topics[1].pk
    ]
    row = Unsubscribe.objects.get()
    assert (row.email, row.topic, row.source) == (
        person.email,
        topics[0],
        Unsubscribe.Source.PREFERENCES,
    )


def test_topics_never_chosen_are_not_recorded_as_unsubscribed(logged_in, topics):
    save(logged_in, [topics[0]])
    assert not Unsubscribe.objects.exists()


def test_ticking_a_topic_again_undoes_its_unsubscribe(logged_in, person, topics):
    Unsubscribe.objects.create(email=person.email, topic=topics[0], source="link")
    save(logged_in, [topics[0]])
    assert not Unsubscribe.objects.exists()
    assert Subscription.objects.filter(user=person, topic=topics[0]).exists()
    assert logged_in.get(URL).context["form"].initial["topics"] == [topics[0].pk]


def test_the_switch_stops_all_information_emails(logged_in, person, topics):
    Subscription.objects.create(user=person, topic=topics[0])
    save(logged_in, [topics[0]], no_mail=True)
    row = Unsubscribe.objects.get(topic=None)
    assert (row.email, row.source) == (person.email, Unsubscribe.Source.PREFERENCES)
    # The topics stay chosen, for the day the switch goes off again.
    assert Subscription.objects.filter(user=person, topic=topics[0]).exists()


def test_turning_the_switch_off_removes_an_unsubscribe_made_by_link(logged_in, person):
    Unsubscribe.objects.create(email=person.email, topic=None, source="link")
    save(logged_in, no_mail=False)
    assert not Unsubscribe.objects.exists()


def test_saving_twice_with_the_switch_on_keeps_one_row(logged_in):
    save(logged_in, no_mail=True)
    first = Unsubscribe.objects.get()
    save(logged_in, no_mail=True)
    assert list(Unsubscribe.objects.all()) == [first]


def test_saving_touches_only_the_own_address(logged_in, person, topics):
    other = UserFactory()
    Subscription.objects.create(user=other, topic=topics[0])
    Unsubscribe.objects.create(email=other.email, topic=None, source="link")
    Subscription.objects.create(user=person, topic=topics[0])
    save(logged_in, [], no_mail=False)
    assert Subscription.objects.filter(user=other, topic=topics[0]).exists()
    assert Unsubscribe.objects.filter(email=other.email, topic=None).exists()
    assert not Subscription.objects.filter(user=person).exists()


def test_an_unknown_topic_is_refused_next_to_the_field(logged_in, person, topics):
    Subscription.objects.create(user=person, topic=topics[0])
    response = logged_in.post(URL, {"topics": [topics[1].pk, 99999], "no_mail": "on"})
    assert response.status_code == 200
    assert response.context["form"].errors["topics"]
    assert 'aria-invalid="true"' in response.content.decode() or "kern-fieldset--error" in (
        response.content.decode()
    )
    # What was ticked stays ticked, and nothing is saved.
    assert response.context["form"]["no_mail"].value() is True
    assert list(Subscription.objects.filter(user=person).values_list("topic", flat=True)) == [
        topics[0].pk
    ]
    assert not Unsubscribe.objects.exists()


# --- The way to the archive -----------------------------------------------------------------


def test_members_find_the_archive_from_the_preferences(client, contact_a, member_a):
    client.force_login(contact_a)
    response = client.get(URL)
    assert response.context["archive_url"] == reverse("members:archive")
    assert "data-archive-link" in response.content.decode()


def test_people_without_membership_see_no_archive_link(client, contact_b):
    client.force_login(contact_b)
    response = client.get(URL)
    assert response.context["archive_url"] is None
    assert "data-archive-link" not in response.content.decode()
