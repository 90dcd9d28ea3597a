"""The interface is German and formal: every string marked for translation has a German
text, and no page addresses the user with "du" (allauth's own catalogue does)."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import allauth
import polib
import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.apps import apps
from django.contrib import admin
from django.test import Client
from django.utils.functional import Promise
from django.utils.html import strip_tags

from portal.outbox.services import render_email
from tests.factories import PASSWORD, UserFactory

PROJECT_DIR = Path(__file__).resolve().parent.parent
CATALOGUE = PROJECT_DIR / "locale/de/LC_MESSAGES/django.po"
OVERRIDES = PROJECT_DIR / "locale-overrides/de/LC_MESSAGES/django.po"
ALLAUTH_CATALOGUE = Path(allauth.__file__).parent / "locale/de/LC_MESSAGES/django.po"
SOURCES = ("manage.py", "portal", "members", "declarations", "meetings", "templates")
# "du" and its forms, and the imperatives allauth's German uses ("Bitte bestätige …").
INFORMAL = re.compile(
    r"\b(du|dich|dir|dein\w*|euch|euer\w*|kannst|hast|bist|willst|musst|möchtest|solltest"
    r"|bestätige|versuche es|wähle|kontaktiere|gib|klicke|lass|nutze|prüfe)\b",
    re.IGNORECASE,
)
# allauth's pages, as everyone sees them and as a logged-in person sees them.
ACCOUNT_PAGES = [
    "/konto/login/",
    "/konto/signup/",
    "/konto/password/reset/",
    "/konto/password/reset/done/",
    "/konto/password/reset/key/1-falsch/",
    "/konto/password/reset/key/done/",
    "/konto/confirm-email/",
    "/konto/confirm-email/falsch/",
    "/konto/inactive/",
]
ACCOUNT_PAGES_LOGGED_IN = [
    "/konto/email/",
    "/konto/password/change/",
    "/konto/reauthenticate/",
    "/konto/2fa/",
    "/konto/2fa/totp/activate/",
    "/konto/2fa/reauthenticate/",
]
APPS = ("portal", "members", "declarations", "meetings")
# The translation functions as the code names them, and where their msgid and context are.
SINGULAR = {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy"}
WITH_CONTEXT = {"pgettext", "pgettext_lazy", "npgettext", "npgettext_lazy"}


def entries(catalogue) -> dict[tuple[str | None, str], str]:
    return {(e.msgctxt, e.msgid): e.msgstr or str(e.msgstr_plural) for e in catalogue}


def texts(entry) -> list[str]:
    return [entry.msgstr, *entry.msgstr_plural.values()]


@pytest.mark.parametrize("path", [CATALOGUE, OVERRIDES], ids=["portal", "overrides"])
def test_the_german_catalogues_have_no_untranslated_or_fuzzy_entries(path):
    catalogue = polib.pofile(str(path))
    assert [e.msgid for e in catalogue.untranslated_entries()] == []
    assert [e.msgid for e in catalogue.fuzzy_entries()] == []
    assert len(catalogue) > 40


@pytest.mark.parametrize("path", [CATALOGUE, OVERRIDES], ids=["portal", "overrides"])
def test_the_compiled_catalogues_match_their_source(path):
    source = polib.pofile(str(path))
    compiled = polib.mofile(str(path.with_suffix(".mo")))
    translated = {k: v for k, v in entries(source).items() if v}
    assert entries(compiled) == translated, "run scripts/i18n to compile the catalogues"


@pytest.mark.parametrize("path", [CATALOGUE, OVERRIDES], ids=["portal", "overrides"])
def test_the_portal_addresses_users_formally(path):
    informal = [t for e in polib.pofile(str(path)) for t in texts(e) if INFORMAL.search(t)]
    assert informal == []


def test_every_informal_allauth_text_has_a_formal_override():
    overridden = {(e.msgctxt, e.msgid) for e in polib.pofile(str(OVERRIDES))}
    informal = [
        e.msgid
        for e in polib.pofile(str(ALLAUTH_CATALOGUE))
        if not e.obsolete
        and any(INFORMAL.search(t) for t in texts(e))
        and (e.msgctxt, e.msgid) not in overridden
    ]
    assert informal == [], "add Sie-form texts for these to locale-overrides/"


def test_every_marked_string_is_in_the_catalogue(tmp_path):
    for name in SOURCES:
        source = PROJECT_DIR / name
        target = tmp_path / name
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, target)
    shutil.copytree(PROJECT_DIR / "locale", tmp_path / "locale")
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "de", "--no-obsolete", "-v0"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=120,
    )
    fresh = polib.pofile(str(tmp_path / "locale/de/LC_MESSAGES/django.po"))
    missing = sorted(e.msgid for e in fresh.untranslated_entries())
    assert missing == [], "strings without German text; run scripts/i18n and translate them"


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def requested_msgids(tree: ast.AST) -> set[tuple[str | None, str]]:
    """(context, msgid) of every translation call with literal arguments, wherever it sits."""
    found: set[tuple[str | None, str]] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name in SINGULAR:
            msgid = _literal(node.args[0])
            if msgid is not None:
                found.add((None, msgid))
        elif name in WITH_CONTEXT and len(node.args) >= 2:
            context, msgid = _literal(node.args[0]), _literal(node.args[1])
            if context is not None and msgid is not None:
                found.add((context, msgid))
    return found


def test_the_finder_sees_calls_that_makemessages_misses():
    tree = ast.parse(
        "x = f\"{gettext('Signatures')}-{day}.csv\"\n"
        "y = pgettext_lazy('e-mail status', 'sent')\n"
        "z = _(name)\n"
    )
    assert requested_msgids(tree) == {(None, "Signatures"), ("e-mail status", "sent")}


def test_every_string_the_code_asks_to_translate_has_german_text():
    """makemessages (xgettext) does not look inside f-strings: a gettext() there is never
    extracted and stays English in the German interface. This reads the code itself."""
    catalogue = {(e.msgctxt, e.msgid) for e in polib.pofile(str(CATALOGUE)) if e.translated()}
    catalogue |= {(e.msgctxt, e.msgid) for e in polib.pofile(str(OVERRIDES)) if e.translated()}
    missing = sorted(
        f"{path.relative_to(PROJECT_DIR)}: {msgid!r}"
        for app in APPS
        for path in sorted((PROJECT_DIR / app).rglob("*.py"))
        if "migrations" not in path.parts
        for context, msgid in requested_msgids(ast.parse(path.read_text(encoding="utf-8")))
        if (context, msgid) not in catalogue
    )
    assert missing == [], "not in the German catalogue (inside an f-string?)"


def _visible(html: str) -> str:
    return strip_tags(html.split("<main", 1)[-1])


@pytest.mark.django_db
def test_allauths_pages_address_the_user_formally(settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    user = UserFactory()
    unconfirmed = UserFactory(verified=False)
    address = EmailAddress.objects.create(user=unconfirmed, email=unconfirmed.email, primary=True)
    confirm = f"/konto/confirm-email/{EmailConfirmationHMAC(address).key}/"
    logged_in = Client()
    # A real login, so that the pages asking for a recent authentication show themselves.
    logged_in.post("/konto/login/", {"login": user.email, "password": PASSWORD})
    pages = [(Client(), path) for path in [*ACCOUNT_PAGES, confirm]]
    pages += [(logged_in, path) for path in ACCOUNT_PAGES_LOGGED_IN]
    for client, path in pages:
        # Pages that ask for the password again first show that page.
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="de", follow=True)
        assert response.status_code == 200, path
        text = _visible(response.text)
        assert INFORMAL.findall(text) == [], path
        assert "Hallo von" not in text


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [
        "email_confirmation_signup",
        "email_confirmation",
        "password_reset_key",
        "account_already_exists",
        "unknown_account",
    ],
)
def test_allauths_mails_are_the_portals_own_formal_text(name):
    context = {
        "email": "erika@kommune.example",
        "activate_url": "https://portal.example/konto/confirm-email/abc/",
        "password_reset_url": "https://portal.example/konto/password/reset/",
        "signup_url": "https://portal.example/konto/signup/",
    }
    subject, text, html = render_email(f"account/{name}", context, "de")
    for body in (subject, text, strip_tags(html)):
        assert INFORMAL.findall(body) == []
        assert "Hallo von" not in body


def test_every_model_and_field_admin_can_show_has_a_name_to_translate():
    names = []
    for model in admin.site._registry:
        names += [(model._meta.label, model._meta.verbose_name_plural)]
    for model in apps.get_models():
        if model._meta.app_label in {"portal", "members", "meetings", "declarations"}:
            fields = [f for f in model._meta.get_fields() if f.concrete and not f.auto_created]
            names += [(f"{model._meta.label}.{f.name}", f.verbose_name) for f in fields]
    assert [label for label, name in names if not isinstance(name, Promise)] == []


@pytest.mark.django_db
def test_german_admin_names_the_two_factor_methods_in_german(client, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get("/admin/").text
    assert "Authenticator" not in page
    assert "Zwei-Faktor-Verfahren" in page
