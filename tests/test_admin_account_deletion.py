"""Staff deleting an account in admin erases it as the person's own deletion does: the apps'
erasers run, the erasure log gets the number, and an account that must stay is refused with a
message instead of an error page."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from meetings.events import services
from meetings.models import Registration
from portal.personal_data.models import Erasure
from tests.factories import EventFactory, StaffFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


def delete_url(user) -> str:
    return reverse("admin:portal_user_delete", args=[user.pk])


def test_staff_deleting_a_colleague_frees_her_place_and_logs_the_erasure(
    staff_client, member_a, contact_a, colleague_a
):
    event = EventFactory(capacity=1)
    services.register(event, colleague_a, colleague_a)
    waiting = services.register(event, contact_a, contact_a)
    assert waiting.status == Registration.Status.WAITLISTED

    response = staff_client.post(delete_url(colleague_a), {"post": "yes"})

    assert response.status_code == 302
    assert not User.objects.filter(pk=colleague_a.pk).exists()
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.CONFIRMED
    assert Erasure.objects.filter(model="portal.user", object_pk=str(colleague_a.pk)).exists()


def test_the_only_contact_of_a_member_is_refused_with_a_message_and_stays(
    staff_client, member_a, contact_a
):
    response = staff_client.post(delete_url(contact_a), {"post": "yes"}, follow=True)

    assert response.status_code == 200
    assert User.objects.filter(pk=contact_a.pk).exists()
    assert "only contact person" in response.content.decode()
    assert not Erasure.objects.exists()


def test_the_bulk_action_deletes_whom_it_may_and_names_whom_it_may_not(
    staff_client, member_a, contact_a, colleague_a
):
    response = staff_client.post(
        reverse("admin:portal_user_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [contact_a.pk, colleague_a.pk],
            "post": "yes",
        },
        follow=True,
    )

    assert response.status_code == 200
    assert User.objects.filter(pk=contact_a.pk).exists()
    assert not User.objects.filter(pk=colleague_a.pk).exists()
    shown = [str(message) for message in response.context["messages"]]
    assert any(message.startswith(f"{contact_a.email}: ") for message in shown), shown


def test_a_team_account_is_deleted_and_logged(staff_client):
    colleague_of_the_team = StaffFactory()

    staff_client.post(delete_url(colleague_of_the_team), {"post": "yes"})

    assert not User.objects.filter(pk=colleague_of_the_team.pk).exists()
    assert Erasure.objects.filter(object_pk=str(colleague_of_the_team.pk)).exists()


def test_the_erasure_log_is_read_only_in_admin(staff_client):
    assert staff_client.get(reverse("admin:portal_erasure_changelist")).status_code == 200
    assert staff_client.get(reverse("admin:portal_erasure_add")).status_code == 403
