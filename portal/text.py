"""Text helpers shared by the apps."""

from __future__ import annotations

import unicodedata


def german_sort_key(name: str) -> str:
    """Sorts names as a German index does (DIN 5007-1): Ä as A, ß as ss, case ignored.

    The database's collation may be "C", which would put Übach-Palenberg after Zülpich and
    Özdemir after Zimmermann.
    """
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
