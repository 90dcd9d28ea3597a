"""What the tests of the portal's security posture share (tests/test_security_posture*.py)."""

from __future__ import annotations

from django.test import Client

LOGIN = "/konto/login/"


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session
