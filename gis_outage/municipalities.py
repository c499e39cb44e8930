"""The majority language of a Finnish municipality, for directory numbers whose extract
says no language: a number at an address in a municipality where Swedish is the
majority language is messaged in Swedish.

The table (`data/municipality_languages.csv`) lists the municipalities with Swedish as
their majority language under the Government Decree on the linguistic status of
municipalities for 2023–2032, as Statistics Finland classifies them ("Kielisuhde 2023",
classes 2 and 3: monolingual Swedish — the municipalities of Åland — and bilingual with
a Swedish majority), each by its Finnish and Swedish name. The decree is renewed every
ten years: the next one replaces this file in 2033. Every other municipality, and an
address without one, takes the utility's default language.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

TABLE = Path(__file__).parent / "data" / "municipality_languages.csv"


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


@lru_cache(maxsize=1)
def _majority() -> dict[str, str]:
    with open(TABLE, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return {
        _key(row[column]): row["majority_language"]
        for row in rows
        for column in ("name_fi", "name_sv")
    }


def majority_language(municipality: str | None) -> str | None:
    """'sv' for a municipality of the table (by either name, any case), else None."""
    return _majority().get(_key(municipality)) if municipality else None
