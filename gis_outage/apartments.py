"""The apartment part of an address: staircase letter, apartment number, split letter.

Addresses are buildings; in an apartment block the register, the directory and a
resident give the apartment as "A 12", "a12", "A12", "as. 12", "B 5 a". One form
("A 12", "12", "B 5 A") is kept so that the three compare equal.
"""

from __future__ import annotations

import re

_PART = re.compile(
    r"^(?:(?:as|lgh|apt|bt)\.?\s*)?"  # asunto / lägenhet / apartment / butik prefixes
    r"(?P<stair>[A-ZÅÄÖ])?\s*(?P<number>\d{1,4})?\s*(?P<split>[A-ZÅÄÖ])?$",
    re.IGNORECASE,
)
MAX_LENGTH = 16


def normalize_apartment(raw: str | None) -> str | None:
    """The apartment part in one form, None when empty; ValueError when it is not one."""
    text = " ".join((raw or "").replace(".", ". ").split())
    if not text:
        return None
    match = _PART.match(text) if len(text) <= MAX_LENGTH else None
    if match is None or not (match["stair"] or match["number"]):
        raise ValueError(
            f"not an apartment (staircase letter and number, e.g. 'A 12'): {text[:MAX_LENGTH]!r}"
        )
    parts = [match["stair"], match["number"], match["split"] if match["number"] else None]
    return " ".join(p.upper() for p in parts if p)
