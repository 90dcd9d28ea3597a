"""Staff members (not superusers) with only some permissions, reading admin in English."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.models import Permission
from django.db.models import Q

from portal.models import User
from tests.factories import UserFactory


def staff_with_permissions(*permissions: str) -> User:
    """Staff with only the given "app_label.codename" permissions. A name that is no permission
    fails here, so that a test of what staff may not do cannot pass by a typo."""
    wanted = Q(pk__in=[])
    for permission in permissions:
        app_label, codename = permission.split(".")
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    found = list(Permission.objects.filter(wanted))
    assert len(found) == len(set(permissions)), f"not all of {permissions} are permissions"
    user = cast(User, UserFactory(is_staff=True, language="en"))
    user.user_permissions.set(found)
    return user


def staff_with(app_label: str, *codenames: str) -> User:
    """Staff with only the given permissions of one app."""
    return staff_with_permissions(*(f"{app_label}.{codename}" for codename in codenames))
