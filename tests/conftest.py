from __future__ import annotations

import importlib
import os
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import translation

from declarations.models import DeclarationVersion
from members.models import Affiliation, Authority, AuthorityOutline
from members.reference.data import load_authorities
from portal.celery import app as celery_app
from tests.factories import (
    AffiliationFactory,
    MembershipFactory,
    OrganisationFactory,
    StaffFactory,
    UserFactory,
)

SAMPLE_DECLARATION = importlib.import_module("declarations.migrations.0002_sample_version")
AXE_SCRIPT = Path(__file__).resolve().parent.parent / "node_modules/axe-core/axe.min.js"


# The live server finds static files in the source folders, where the hashed names of the
# manifest storage do not exist: without this, browser tests would see pages without CSS.
# collectstatic in scripts/test still proves that the manifest builds.
PLAIN_STATIC = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


def _database_for_this_worker(url: str | None, first: int) -> str | None:
    """Each xdist worker gets Redis databases of its own, so queues and caches never mix."""
    if not url:
        return None
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
    return url.rsplit("/", 1)[0] + f"/{first + worker}"


@pytest.fixture(scope="session", autouse=True)
def _isolated_redis():
    broker = _database_for_this_worker(os.environ.get("REDIS_URL"), first=1)
    # The cache's databases start at 8 (scripts/lib.sh: REDIS_CACHE_URL).
    cache_url = _database_for_this_worker(os.environ.get("REDIS_CACHE_URL"), first=8)
    overrides: dict[str, object] = {"STORAGES": PLAIN_STATIC}
    if cache_url is not None:
        overrides["CACHES"] = {
            "default": {**settings.CACHES["default"], "LOCATION": cache_url, "KEY_PREFIX": "test"}
        }
    if broker is not None:
        # Tests run tasks in-process unless they ask for the real worker (fixture celery_worker).
        celery_app.conf.update(broker_url=broker, task_always_eager=True)
        overrides["CELERY_BROKER_URL"] = broker
    with override_settings(**overrides):
        yield


@pytest.fixture(autouse=True)
def _german_by_default():
    # A request of a user who chose English leaves English active in the test's thread; the
    # next test must start in the portal's language again, whatever ran before it.
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_cache():
    # allauth's rate limits count in the cache; every test starts with a clean slate.
    cache.clear()


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Data migrations ship the authorities and the sample declaration; a transactional
    test's flush removes them, so they are put back for the next test."""
    names = set(request.fixturenames)
    marker = request.node.get_closest_marker("django_db")
    if not (marker or names & {"db", "transactional_db", "live_server"}):
        return
    transactional = names & {"transactional_db", "live_server"} or (
        marker and marker.kwargs.get("transaction")
    )
    request.getfixturevalue("transactional_db" if transactional else "db")
    if not Authority.objects.exists():
        load_authorities(Authority, AuthorityOutline)
    if not DeclarationVersion.objects.exists():
        SAMPLE_DECLARATION.add_sample(django_apps, None)


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploaded and generated files go to the test's own folder, never into the project's."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def no_staff_mfa(settings):
    """Staff log in with a password alone, and passwords are hashed quickly: accounts are only
    scenery in the tests that ask for this, and there may be dozens of them."""
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker in this process, consuming from the test's Redis."""
    from celery.contrib.testing.worker import start_worker

    celery_app.conf.task_always_eager = False
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
            yield
    finally:
        celery_app.conf.task_always_eager = True


# --- People with roles -----------------------------------------------------------------------


@pytest.fixture
def organisation_a(db):
    return OrganisationFactory()


@pytest.fixture
def organisation_b(db):
    return OrganisationFactory()


@pytest.fixture
def member_a(organisation_a):
    """organisation_a as a member of the network."""
    MembershipFactory(organisation=organisation_a)
    return organisation_a


@pytest.fixture
def contact_a(organisation_a):
    return AffiliationFactory(organisation=organisation_a, role=Affiliation.Role.CONTACT).user


@pytest.fixture
def head_a(organisation_a):
    return AffiliationFactory(
        organisation=organisation_a, role=Affiliation.Role.HEAD, office="Bürgermeisterin"
    ).user


@pytest.fixture
def colleague_a(organisation_a):
    return AffiliationFactory(organisation=organisation_a, role=Affiliation.Role.COLLEAGUE).user


@pytest.fixture
def contact_b(organisation_b):
    return AffiliationFactory(organisation=organisation_b, role=Affiliation.Role.CONTACT).user


@pytest.fixture
def user_without_organisation(db):
    return UserFactory()


@pytest.fixture
def staff_user(db):
    return StaffFactory()


@pytest.fixture
def staff_client(client, staff_user, settings):
    """A staff member logged in to admin, in English: the assertions read admin's English texts."""
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    staff_user.language = "en"
    staff_user.save()
    client.force_login(staff_user)
    return client


# --- Browser ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # axe-core is injected as a script; the portal's CSP must not stop the test from doing so.
    return {**browser_context_args, "bypass_csp": True, "locale": "de-DE"}


def axe_violations(page, *, loaded: bool = False) -> list[str]:
    """axe-core's violations of WCAG 2.1 A/AA and best practice on the current page.

    `loaded`: the context already puts axe into every page (add_init_script), as a test that
    checks many pages does.
    """
    if not loaded:
        page.add_script_tag(path=str(AXE_SCRIPT))
    # Only violations are asked for: axe then skips collecting the nodes that pass.
    result = page.evaluate(
        """() => axe.run(document, {resultTypes: ['violations'], runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"""
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes']][:5]}"
        for v in result["violations"]
    ]


def assert_accessible(page) -> None:
    """Fail on any axe-core violation of WCAG 2.1 A/AA on the current page."""
    problems = axe_violations(page)
    assert problems == [], f"axe found problems on {page.url}:\n" + "\n".join(problems)


def log_in_browser(page, live_server, user) -> None:
    """Give the browser a logged-in session without going through the form each time."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
