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

PROJECT_DIR = Path(__file__).resolve().parent.parent
CATALOGUE = PROJECT_DIR / "locale/de/LC_MESSAGES/django.po"
OVERRIDES = PROJECT_DIR / "locale-overrides/de/LC_MESSAGES/django.po"
ALLAUTH_CATALOGUE = Path(allauth.__file__).parent / "locale/de/LC_MESSAGES/django.po"
SOURCES = ("manage.py", "portal", "members", "declarations", "meetings", "templates")
INFORMAL = re.compile(r"\b(du|dich|dir|dein\w*)\b", re.IGNORECASE)
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
