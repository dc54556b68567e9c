"""Text as searching and sorting compare it: case-folded, accents removed (no Qt, no storage).

SQLite has no such function of its own, so every connection the program opens is given
:func:`fold_for_sql` under :data:`FOLD_FUNCTION`: the triggers that keep volunteers' name
and email keys (see migration 0004) call it on every write.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

FOLD_FUNCTION = "organizer_fold"
"""The name SQLite connections know :func:`fold_for_sql` by."""


def fold(text: str | None) -> str | None:
    """``text`` for matching: case-folded, accents removed ("Zoë" → "zoe")."""
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


fold_for_sql = lru_cache(maxsize=65_536)(fold)
""":func:`fold`, remembering recent answers: SQL calls it once per row and name."""
