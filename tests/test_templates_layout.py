"""The templates keep a layout that a reader takes in without scrolling sideways."""

from pathlib import Path

from django.conf import settings

LIMIT = 160


def test_no_template_line_is_longer_than_160_characters():
    templates = Path(settings.BASE_DIR) / "templates"
    too_long = [
        f"{path.relative_to(templates)}:{number}"
        for path in sorted(templates.rglob("*"))
        if path.is_file()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if len(line) > LIMIT
    ]
    assert too_long == []
