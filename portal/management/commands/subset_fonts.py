"""Cuts the web fonts (portal/fonts.py) and writes their @font-face rules into portal.css.

Run it when KERN brings a new Fira Sans or the character set changes, and commit what it
writes (static/fonts/, the fonts block of static/css/portal.css). The fallback factors need the
metrics of Liberation Sans (Arial's metric twin) and DejaVu Sans, in Debian's fonts-liberation
and fonts-dejavu-core: `--metrics-dir` is where their .ttf files are.
"""

import collections
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal import fonts


class Command(BaseCommand):
    help = "Cuts Fira Sans to the characters of German and English pages (static/fonts/)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--metrics-dir", type=Path, required=True)

    def handle(self, *args, **options) -> None:
        base = Path(settings.BASE_DIR)
        source_dir = base / fonts.SOURCE_DIR
        metrics_dir: Path = options["metrics_dir"]
        missing = [
            name
            for face in fonts.FACES
            for _names, name in face.fallbacks
            if not (metrics_dir / name).is_file()
        ]
        if missing:
            raise CommandError(f"Not in {metrics_dir}: {', '.join(missing)}")
        for face, name, spans in fonts.subset_files():
            target = base / fonts.OUTPUT_DIR / name
            fonts.cut(source_dir / face.source, spans, target)
            self.stdout.write(f"{target.relative_to(base)}: {target.stat().st_size:,} bytes")
        weights = collections.Counter(fonts.catalogue_text(base / fonts.CATALOGUE))
        block = fonts.stylesheet_block(source_dir, metrics_dir, weights)
        stylesheet = base / fonts.STYLESHEET
        stylesheet.write_text(fonts.with_block(stylesheet.read_text(), block))
        self.stdout.write(f"{fonts.STYLESHEET}: @font-face rules written")
