"""Small helpers that many tests use: clients, admin actions, messages, CSV downloads."""

from __future__ import annotations

import csv
import io

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.test import Client

from members.models import Authority


def client_for(user) -> Client:
    """A client logged in as `user`, or anonymous for None."""
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def authority(kind, region):
    """The first authority of that kind in that Regierungsbezirk."""
    return Authority.objects.filter(kind=kind, regierungsbezirk__name=region).order_by("ags")[0]


def run_action(client, url, action, objects, follow=True, **data):
    """Post an admin list action for the objects, with the fields of its intermediate page."""
    post = {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in objects], **data}
    return client.post(url, post, follow=follow)


def texts(response) -> list[str]:
    """The messages of the response's request."""
    return [str(message) for message in get_messages(response.wsgi_request)]


def levels(response) -> list[str]:
    """The levels ("success", "error" …) of the messages of the response's request."""
    return [message.level_tag for message in get_messages(response.wsgi_request)]


def read_csv(response) -> list[list[str]]:
    """The rows of a CSV download, which must be ready for Excel."""
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
