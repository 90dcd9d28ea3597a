"""Text helpers shared by the apps."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from django.db.models import Q


def german_sort_key(name: str) -> str:
    """Sorts names as a German index does (DIN 5007-1): Ä as A, ß as ss, case ignored.

    The database's collation may be "C", which would put Übach-Palenberg after Zülpich and
    Özdemir after Zimmermann.
    """
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def in_any_field(word: str, fields: Iterable[str]) -> Q:
    """The condition of a simple search: the word occurs in one of the fields (case ignored).

    A search for several words filters once a word, so that every word must occur somewhere.
    """
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__icontains": word})
    return condition
