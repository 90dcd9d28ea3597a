"""Information e-mails in Django admin: failed addresses, unsubscribes and topics."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.utils import timezone

from portal.models import FailedAddress, Topic, Unsubscribe
from tests.helpers import texts
from tests.support.mailing_admin import staff_with

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_staff_mfa")]


# --- Failed addresses, unsubscribes, topics ---------------------------------------------------


def test_staff_mark_failed_addresses_as_fixed(client):
    client.force_login(staff_with("view_failedaddress", "change_failedaddress"))
    broken = FailedAddress.objects.create(email="alt@kommune.example", reason="550 no mailbox")
    fixed_before = FailedAddress.objects.create(
        email="frueher@kommune.example", reason="550", cleared_at=timezone.now()
    )

    listing = client.get("/admin/portal/failedaddress/")
    response = client.post(
        "/admin/portal/failedaddress/",
        {"action": "mark_fixed", ACTION_CHECKBOX_NAME: [broken.pk, fixed_before.pk]},
        follow=True,
    )

    assert "alt@kommune.example" in listing.content.decode()
    assert "550 no mailbox" in listing.content.decode()
    broken.refresh_from_db()
    assert broken.cleared_at is not None
    assert "1 address is marked as fixed and gets information e-mails again." in texts(response)


def test_staff_who_may_only_view_cannot_mark_addresses_as_fixed(client):
    client.force_login(staff_with("view_failedaddress"))
    broken = FailedAddress.objects.create(email="alt@kommune.example", reason="550")

    client.post(
        "/admin/portal/failedaddress/",
        {"action": "mark_fixed", ACTION_CHECKBOX_NAME: [broken.pk]},
    )

    broken.refresh_from_db()
    assert broken.cleared_at is None


def test_the_unsubscribes_are_a_searchable_record_nobody_edits(client):
    client.force_login(staff_with("view_unsubscribe", "change_unsubscribe", "delete_unsubscribe"))
    topic = Topic.objects.create(name="Kurzformate", slug="kurzformate")
    Unsubscribe.objects.create(email="weg@kommune.example", source=Unsubscribe.Source.ONE_CLICK)
    leaving = Unsubscribe.objects.create(
        email="thema@kommune.example", topic=topic, source=Unsubscribe.Source.LINK
    )

    found = client.get("/admin/portal/unsubscribe/", {"q": "thema"}).content.decode()
    detail = client.get(f"/admin/portal/unsubscribe/{leaving.pk}/change/").content.decode()
    delete = client.post(f"/admin/portal/unsubscribe/{leaving.pk}/delete/", {"post": "yes"})

    assert "thema@kommune.example" in found
    assert "weg@kommune.example" not in found
    assert "Kurzformate" in found
    assert "link in the e-mail" in found
    assert 'name="email"' not in detail
    assert delete.status_code == 403
    assert Unsubscribe.objects.count() == 2


def test_topics_list_their_subscribers(client):
    client.force_login(staff_with("view_topic"))
    Topic.objects.create(name="Förderprogramme", slug="foerderprogramme")

    response = client.get("/admin/portal/topic/")

    assert "Förderprogramme" in response.content.decode()
