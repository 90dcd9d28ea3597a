"""Form parts shared by the apps."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django import forms


@contextmanager
def nothing_required(fields: Iterable[forms.Field]) -> Iterator[None]:
    """Validate a draft, which may leave anything open: the fields are not required while the
    block runs, and required again afterwards (the marks stay for the page and the browser)."""
    relaxed = [field for field in fields if field.required]
    for field in relaxed:
        field.required = False
    try:
        yield
    finally:
        for field in relaxed:
            field.required = True
