"""Who may POST to which state-changing view, for every role (the GET matrix, its roles and
outcomes: tests/test_authorization_matrix.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.support import authorization as support
from tests.support.authorization import (
    NO_ARGS,
    PUBLIC,
    ROLES,
    Kwargs,
    _client_for,
    _outcome,
    obj,
    outcomes,
)

# Fixtures of tests/support/authorization.py that these tests ask for by name.
world = support.world


# --- State-changing views: who may POST ------------------------------------------------------

# name -> (arguments, expected outcome of a POST without form data per role). An empty form
# shows the form again with messages ("ok" or "bad") or asks to confirm; what matters is that
# people of other municipalities and anonymous visitors never get that far.
# A permitted POST redirects (post/redirect/get); "ok" or "bad" shows the form again.
DONE_BY_A = outcomes(
    anonymous="login",
    no_organisation="missing",
    contact_a="redirect",
    head_a="redirect",
    contact_b="missing",
    staff="forbidden",
)
DONE_BY_A_PEOPLE = {**DONE_BY_A, "no_organisation": "redirect", "staff": "redirect"}

POST_MATRIX: dict[str, tuple[Kwargs, dict[str, str]]] = {
    # An empty report: everybody may report a barrier and sees the form again with messages.
    "access:report": (NO_ARGS, PUBLIC),
    "members:attachment_delete": (
        lambda world: {
            "pk": world.objects["application"].pk,
            "attachment_pk": world.objects["attachment"].pk,
        },
        DONE_BY_A,
    ),
    "members:remove_person": (obj("colleague_affiliation"), DONE_BY_A_PEOPLE),
    "members:practice_delete": (obj("practice_example"), DONE_BY_A_PEOPLE),
    # An empty form: the people of A see it again with messages, nobody else gets that far.
    "members:application_withdraw": (
        obj("application"),
        {**DONE_BY_A, "contact_a": "ok", "head_a": "ok"},
    ),
    "members:invite": (
        NO_ARGS,
        {**DONE_BY_A_PEOPLE, "contact_a": "ok", "head_a": "ok", "contact_b": "ok"},
    ),
    "members:public_contact": (NO_ARGS, {**DONE_BY_A_PEOPLE, "contact_b": "redirect"}),
    # Staff may cancel anybody's registration.
    "meetings:cancel": (obj("registration"), {**DONE_BY_A, "staff": "redirect"}),
    # Who may not register is told why on the event's page (200).
    "meetings:register": (
        obj("event"),
        outcomes(anonymous="login", contact_a="redirect", head_a="redirect", rest="ok"),
    ),
    "meetings:feed_renew": (NO_ARGS, outcomes(anonymous="login", rest="redirect")),
    # Without the password the form comes back with its message. Refused: staff, and the only
    # contact person of a member municipality (who must name a successor first).
    "account_delete": (
        NO_ARGS,
        outcomes(anonymous="login", contact_a="forbidden", staff="forbidden", rest="ok"),
    ),
}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_may_post_what_the_matrix_says(world, role):
    """A fresh world per role: a permitted POST changes it."""
    client = _client_for(world.users[role])
    differences = []
    for name, (kwargs, expected) in sorted(POST_MATRIX.items()):
        got = _outcome(client.post(reverse(name, kwargs=kwargs(world))))
        if got != expected[role]:
            differences.append(f"{role:16} POST {name:40} expected {expected[role]}, got {got}")
    assert not differences, "\n" + "\n".join(differences)
