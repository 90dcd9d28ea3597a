"""The interface is German and formal: every string marked for translation has a German
text, and no page addresses the user with "du" (allauth's own catalogue does)."""

from __future__ import annotations

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
