"""What the tests of the municipality's own pages share: logging in, invitations by mail and
the addresses of the pages."""

from __future__ import annotations

from django.contrib.messages import get_messages
from django.urls import reverse

PEOPLE = reverse("members:people")


INVITE = reverse("members:invite")
PROFILE = reverse("members:profile_edit")


PRACTICE_CREATE = reverse("members:practice_create")


def remove_url(user) -> str:
    return reverse("members:remove_person", args=[user.affiliation.pk])


def logged_in(client, user):
    client.force_login(user)
    return client


def levels(response) -> list[str]:
    return [m.level_tag for m in get_messages(response.wsgi_request)]
