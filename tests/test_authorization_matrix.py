"""Who may open which address: every URL pattern of the project, for every role.

The matrix below names the expected outcome of a GET for each role. A URL pattern without
an entry fails `test_every_url_pattern_has_an_entry`, so a new page cannot slip in without
someone deciding who may see it. Django admin's patterns follow one rule (only staff get in)
and are checked for every registered model.

Outcomes: "ok" 200, "login" a redirect to the login page, "admin_login" a redirect to
admin's login, "redirect" another redirect, "forbidden" 403, "missing" 404, "bad" 400,
"get_not_allowed" 405 (the view takes POST only).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from members.directory import svgmap
from tests.support import authorization as support
from tests.support.authorization import (
    NO_ARGS,
    PUBLIC,
    ROLES,
    Kwargs,
    World,
    _client_for,
    _outcome,
    obj,
    outcomes,
)

# Fixtures of tests/support/authorization.py that these tests ask for by name.
world = support.world


LOGGED_IN = outcomes(anonymous="login", rest="ok")
# Pages of one's own municipality: people without one are sent elsewhere.
OWN_MUNICIPALITY = outcomes(anonymous="login", no_organisation="redirect", rest="ok")
POST_ONLY = outcomes(anonymous="login", rest="get_not_allowed")
# POST-only views whose method check comes before the login check.
POST_ONLY_FOR_ALL = outcomes(rest="get_not_allowed")
# Objects of municipality A that staff may look at in the portal (they change them in admin).
A_AND_STAFF_READ = outcomes(
    anonymous="login", no_organisation="missing", contact_b="missing", rest="ok"
)
A_ONLY_STAFF_REFUSED = outcomes(
    anonymous="login", no_organisation="missing", contact_b="missing", staff="forbidden", rest="ok"
)
# Confirmation pages of municipality A's people; others have no municipality or another one.
A_PEOPLE = outcomes(
    anonymous="login", no_organisation="redirect", contact_b="missing", staff="redirect", rest="ok"
)
# Pages for people of member municipalities (and staff).
MEMBERS = outcomes(anonymous="login", no_organisation="missing", contact_b="missing", rest="ok")
# allauth's pages for a second factor that the user has not set up yet.
WITHOUT_TOTP = outcomes(anonymous="login", rest="missing")


# name -> (how to fill the URL's arguments, expected outcome per role)
MATRIX: dict[str, tuple[Kwargs, dict[str, str]]] = {
    # --- portal ---------------------------------------------------------------------------
    "home": (NO_ARGS, PUBLIC),
    "join": (NO_ARGS, PUBLIC),
    "imprint": (NO_ARGS, PUBLIC),
    "privacy": (NO_ARGS, PUBLIC),
    "accessibility": (NO_ARGS, PUBLIC),
    "data_sources": (NO_ARGS, PUBLIC),
    "access:easy_read": (NO_ARGS, PUBLIC),
    "access:easy_read_page": (lambda world: {"slug": "netzwerk"}, PUBLIC),
    "access:sign_language": (NO_ARGS, PUBLIC),
    "access:video": (obj("sign_language_video"), PUBLIC),
    "access:captions": (obj("sign_language_video"), PUBLIC),
    "access:report": (NO_ARGS, PUBLIC),
    "access:report_sent": (NO_ARGS, PUBLIC),
    "health": (NO_ARGS, PUBLIC),
    "dashboard": (NO_ARGS, LOGGED_IN),
    "email_preferences": (NO_ARGS, LOGGED_IN),
    "unsubscribe": (lambda world: {"token": world.objects["unsubscribe_token"]}, PUBLIC),
    "set_language": (NO_ARGS, POST_ONLY_FOR_ALL),
    "personal_data": (NO_ARGS, LOGGED_IN),
    "personal_data_export": (NO_ARGS, LOGGED_IN),
    # Staff read why they cannot delete their account here; their POST is refused.
    "account_delete": (NO_ARGS, LOGGED_IN),
    # Admin's login hands over to the portal's, which asks for the second factor.
    "admin_login": (NO_ARGS, outcomes(rest="login")),
    # --- accounts (django-allauth) ----------------------------------------------------------
    "account_login": (NO_ARGS, outcomes(anonymous="ok", rest="redirect")),
    "account_logout": (NO_ARGS, outcomes(anonymous="redirect", rest="ok")),
    "account_inactive": (NO_ARGS, PUBLIC),
    "account_signup": (NO_ARGS, outcomes(anonymous="ok", rest="redirect")),
    "account_reauthenticate": (NO_ARGS, LOGGED_IN),
    "account_email": (NO_ARGS, LOGGED_IN),
    "account_email_verification_sent": (NO_ARGS, PUBLIC),
    "account_change_password": (NO_ARGS, LOGGED_IN),
    "account_set_password": (NO_ARGS, outcomes(anonymous="login", rest="redirect")),
    "account_reset_password": (NO_ARGS, PUBLIC),
    "account_confirm_login_code": (NO_ARGS, outcomes(anonymous="login", rest="redirect")),
    "account_confirm_email": (lambda world: {"key": "not-a-real-key"}, PUBLIC),
    "account_reset_password_from_key_done": (NO_ARGS, PUBLIC),
    "account_reset_password_from_key": (
        lambda world: {"uidb36": "zz", "key": "not-a-real-key"},
        PUBLIC,
    ),
    "account_reset_password_done": (NO_ARGS, PUBLIC),
    "mfa_index": (NO_ARGS, LOGGED_IN),
    "mfa_authenticate": (NO_ARGS, outcomes(anonymous="login", rest="redirect")),
    # Setting up TOTP first asks for the password again (a redirect to reauthenticate).
    "mfa_reauthenticate": (NO_ARGS, outcomes(anonymous="login", rest="redirect")),
    "mfa_activate_totp": (NO_ARGS, outcomes(anonymous="login", rest="redirect")),
    "mfa_deactivate_totp": (NO_ARGS, WITHOUT_TOTP),
    "mfa_view_recovery_codes": (NO_ARGS, WITHOUT_TOTP),
    "mfa_generate_recovery_codes": (NO_ARGS, outcomes(anonymous="login", rest="redirect")),
    "mfa_download_recovery_codes": (NO_ARGS, WITHOUT_TOTP),
    # --- members ----------------------------------------------------------------------------
    "members:self_check": (NO_ARGS, PUBLIC),
    "members:directory": (NO_ARGS, PUBLIC),
    "members:profile": (
        lambda world: {"ags": world.objects["organisation_a"].authority.ags},
        PUBLIC,
    ),
    "members:map": (NO_ARGS, PUBLIC),
    "members:map_base": (lambda world: {"digest": svgmap.base_map().digest}, PUBLIC),
    "members:practice_image": (obj("practice_example"), PUBLIC),
    # Municipality A already has an application: its people are sent to it.
    "members:application_start": (
        NO_ARGS,
        outcomes(anonymous="login", contact_a="redirect", head_a="redirect", rest="ok"),
    ),
    "members:application_detail": (obj("application"), A_AND_STAFF_READ),
    "members:application_edit": (obj("application"), A_ONLY_STAFF_REFUSED),
    # A draft has no query to answer: its people are sent back to the application.
    "members:application_answer": (
        obj("application"),
        {**A_ONLY_STAFF_REFUSED, "contact_a": "redirect", "head_a": "redirect"},
    ),
    "members:application_withdraw": (obj("application"), A_ONLY_STAFF_REFUSED),
    "members:attachment_download": (
        lambda world: {
            "pk": world.objects["application"].pk,
            "attachment_pk": world.objects["attachment"].pk,
        },
        A_AND_STAFF_READ,
    ),
    "members:attachment_delete": (
        lambda world: {
            "pk": world.objects["application"].pk,
            "attachment_pk": world.objects["attachment"].pk,
        },
        POST_ONLY,
    ),
    "members:archive": (NO_ARGS, MEMBERS),
    "members:archive_detail": (obj("mailing"), MEMBERS),
    "members:people": (NO_ARGS, {**OWN_MUNICIPALITY, "staff": "redirect"}),
    "members:invite": (NO_ARGS, POST_ONLY_FOR_ALL),
    "members:remove_person": (obj("colleague_affiliation"), A_PEOPLE),
    # The invitation was sent to another address than any of these people's. Anonymous
    # visitors see the invitation with the ways to log in or create an account.
    "members:accept_invitation": (
        lambda world: {"token": world.objects["invitation_token"]},
        outcomes(anonymous="ok", rest="bad"),
    ),
    "members:invitation_request": (NO_ARGS, POST_ONLY),
    "members:profile_edit": (NO_ARGS, {**OWN_MUNICIPALITY, "staff": "redirect"}),
    "members:public_contact": (NO_ARGS, POST_ONLY_FOR_ALL),
    "members:practice_create": (NO_ARGS, {**OWN_MUNICIPALITY, "staff": "redirect"}),
    "members:practice_edit": (obj("practice_example"), A_PEOPLE),
    "members:practice_delete": (obj("practice_example"), A_PEOPLE),
    "members:surveys": (NO_ARGS, LOGGED_IN),
    # Addressed to contact persons of members; staff see a preview.
    "members:survey": (
        obj("survey"),
        outcomes(
            anonymous="login",
            no_organisation="missing",
            head_a="missing",
            contact_b="missing",
            rest="ok",
        ),
    ),
    # --- declarations -----------------------------------------------------------------------
    "declarations:current": (NO_ARGS, PUBLIC),
    # A has signed already and B is no member: both are sent on; staff sign in admin.
    "declarations:sign": (
        NO_ARGS,
        outcomes(anonymous="login", no_organisation="redirect", rest="redirect"),
    ),
    "declarations:signature": (obj("signature"), A_AND_STAFF_READ),
    "declarations:signature_pdf": (obj("signature"), A_AND_STAFF_READ),
    "declarations:version": (obj("version", "label", "label"), PUBLIC),
    "declarations:blank_form": (obj("version", "label", "label"), PUBLIC),
    "declarations:signatories": (NO_ARGS, PUBLIC),
    "declarations:verify": (NO_ARGS, PUBLIC),
    "declarations:verify_code": (obj("signature", "verification_code", "code"), PUBLIC),
    # --- meetings ---------------------------------------------------------------------------
    "meetings:event_list": (NO_ARGS, PUBLIC),
    "meetings:event_detail": (obj("event"), PUBLIC),
    "meetings:register": (obj("event"), POST_ONLY),
    "meetings:event_ics": (obj("event"), PUBLIC),
    "meetings:document": (obj("document"), MEMBERS),
    "meetings:registration": (obj("registration"), A_AND_STAFF_READ),
    "meetings:cancel": (obj("registration"), A_AND_STAFF_READ),
    "meetings:registration_ics": (obj("registration"), A_AND_STAFF_READ),
    "meetings:sessions": (obj("registration"), A_AND_STAFF_READ),
    "meetings:feed": (lambda world: {"token": world.objects["feed_token"]}, PUBLIC),
    "meetings:feed_renew": (NO_ARGS, POST_ONLY),
    "meetings:guest_register": (obj("open_event"), POST_ONLY_FOR_ALL),
    "meetings:guest_check_email": (obj("open_event"), PUBLIC),
    "meetings:guest_confirm": (lambda world: {"code": world.objects["guest_code"]}, PUBLIC),
    "meetings:guest_registration": (obj("guest", "guest_token", "token"), PUBLIC),
    "meetings:guest_ics": (obj("guest", "guest_token", "token"), PUBLIC),
    "meetings:guest_cancel": (obj("guest", "guest_token", "token"), PUBLIC),
    "meetings:guest_sessions": (obj("guest", "guest_token", "token"), PUBLIC),
    "meetings:library": (NO_ARGS, PUBLIC),
    # Members-only items are absent for everybody else, also on their page.
    "meetings:library_detail": (
        obj("members_publication"),
        outcomes(no_organisation="missing", contact_b="missing", anonymous="missing", rest="ok"),
    ),
    "meetings:library_file": (obj("publication"), PUBLIC),
}

# Only for benchmarks: present when the settings switch them on, never a page for people.
NOT_PAGES = {"bench_bare"}


def _walk(patterns: list[Any], namespace: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}{pattern.namespace}:"
            yield from _walk(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


def _project_url_names() -> set[str]:
    return {name for name in _walk(get_resolver().url_patterns) if not name.startswith("admin:")}


def test_every_url_pattern_has_an_entry():
    unnamed = [
        str(pattern.pattern)
        for pattern in get_resolver().url_patterns
        if isinstance(pattern, URLPattern) and not pattern.name
    ]
    assert not unnamed, f"URL patterns without a name cannot be checked: {unnamed}"
    names = _project_url_names() - NOT_PAGES
    assert names - MATRIX.keys() == set(), "add these URLs to the authorisation matrix"
    assert MATRIX.keys() - names == set(), "these entries name URLs that no longer exist"


def test_each_role_gets_what_the_matrix_says(world):
    differences = []
    for role in ROLES:
        client = _client_for(world.users[role])
        for name, (kwargs, expected) in sorted(MATRIX.items()):
            url = reverse(name, kwargs=kwargs(world))
            got = _outcome(client.get(url))
            if got != expected[role]:
                differences.append(f"{role:16} {name:40} expected {expected[role]}, got {got}")
    assert not differences, "\n" + "\n".join(differences)


def test_only_staff_enter_any_page_of_admin(world):
    """Every list and add page of every registered model, and admin's own pages."""
    urls = [
        reverse("admin:index"),
        reverse("admin:password_change"),
        reverse("admin:staff_dashboard"),
    ]
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        if model_admin.has_add_permission(_staff_request(world)):
            urls.append(reverse("admin:{}_{}_add".format(*info)))
    staff = _client_for(world.users["staff"])
    for role in ROLES:
        client = staff if role == "staff" else _client_for(world.users[role])
        for url in urls:
            response = client.get(url)
            if role == "staff":
                assert response.status_code == 200, url
            else:
                assert _outcome(response) in {"admin_login", "login"}, (role, url)


def _staff_request(world: World) -> Any:
    from django.test import RequestFactory

    request: Any = RequestFactory().get("/admin/")
    request.user = world.users["staff"]
    return request


def test_staff_open_the_change_page_of_each_object_of_the_world(world):
    staff = _client_for(world.users["staff"])
    keys = ["application", "mailing", "signature", "event", "registration"]
    for key in keys:
        instance = world.objects[key]
        info = (instance._meta.app_label, instance._meta.model_name)
        url = reverse("admin:{}_{}_change".format(*info), args=[instance.pk])
        assert staff.get(url).status_code == 200, url
        assert _outcome(_client_for(world.users["contact_a"]).get(url)) == "admin_login", url


# --- What browsers and proxies may keep -------------------------------------------------------


def _directives(response: Any) -> set[str]:
    return {
        part.strip().split("=")[0].lower() for part in response.get("Cache-Control", "").split(",")
    } - {""}


def test_no_response_to_a_logged_in_person_may_be_stored_by_browser_or_proxy(world):
    """Every address of the matrix, for every logged-in role: `private, no-store`, so that a
    shared office computer shows none of it from its history after logout. Only what the view
    itself marks public (the same for everybody, such as the map's drawing) is left alone."""
    kept = []
    for role in ROLES:
        if world.users[role] is None:
            continue
        client = _client_for(world.users[role])
        for name, (kwargs, _expected) in sorted(MATRIX.items()):
            directives = _directives(client.get(reverse(name, kwargs=kwargs(world))))
            if "public" not in directives and not {"private", "no-store"} <= directives:
                kept.append(f"{role:16} {name:40} Cache-Control: {sorted(directives)}")
    assert not kept, "\n" + "\n".join(kept)


def test_account_pages_are_not_stored_for_anonymous_visitors_either(world):
    client = Client()
    kept = []
    for name, (kwargs, _expected) in sorted(MATRIX.items()):
        if name.startswith(("account_", "mfa_")):
            directives = _directives(client.get(reverse(name, kwargs=kwargs(world))))
            if not {"private", "no-store"} <= directives:
                kept.append(f"{name:40} Cache-Control: {sorted(directives)}")
    assert not kept, "\n" + "\n".join(kept)


def test_public_pages_for_anonymous_visitors_are_still_kept_a_while(
    world, settings, django_assert_num_queries
):
    """The copies for anonymous visitors (portal/caching.py) need pages not marked private;
    the second visit is answered from the copy, without the database."""
    settings.PORTAL_PAGE_CACHE_SECONDS = 60
    client = Client()
    for name in ("home", "members:directory", "meetings:event_list", "declarations:current"):
        url = reverse(name)
        assert not _directives(client.get(url)) & {"private", "no-store"}, name
        with django_assert_num_queries(0):
            client.get(url)
