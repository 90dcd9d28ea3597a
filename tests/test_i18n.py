"""The interface is German: every string marked for translation must have a German text."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib

PROJECT_DIR = Path(__file__).resolve().parent.parent
CATALOGUE = PROJECT_DIR / "locale/de/LC_MESSAGES/django.po"
SOURCES = ("manage.py", "portal", "members", "declarations", "meetings", "templates")


def entries(catalogue) -> dict[tuple[str | None, str], str]:
    return {(e.msgctxt, e.msgid): e.msgstr or str(e.msgstr_plural) for e in catalogue}


def test_the_german_catalogue_has_no_untranslated_or_fuzzy_entries():
    catalogue = polib.pofile(str(CATALOGUE))
    assert [e.msgid for e in catalogue.untranslated_entries()] == []
    assert [e.msgid for e in catalogue.fuzzy_entries()] == []
    assert len(catalogue) > 100


def test_the_compiled_catalogue_matches_its_source():
    source = polib.pofile(str(CATALOGUE))
    compiled = polib.mofile(str(CATALOGUE.with_suffix(".mo")))
    translated = {k: v for k, v in entries(source).items() if v}
    assert entries(compiled) == translated, "run: manage.py compilemessages (or scripts/i18n)"


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
