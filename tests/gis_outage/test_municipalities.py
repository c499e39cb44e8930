"""The table of municipalities whose majority language is Swedish (2023–2032)."""

from __future__ import annotations

import csv

from gis_outage.municipalities import TABLE, majority_language


def test_the_table_holds_the_decree_s_swedish_majority_municipalities() -> None:
    with open(TABLE, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    statuses = [row["status"] for row in rows]
    # 15 bilingual with a Swedish majority, and Åland's 16 monolingual Swedish ones.
    assert (statuses.count("bilingual"), statuses.count("Swedish")) == (15, 16)
    assert {row["majority_language"] for row in rows} == {"sv"}


def test_either_name_in_any_case_and_spacing() -> None:
    assert majority_language("Raseborg") == majority_language("raasepori ") == "sv"
    assert majority_language("Pedersören  kunta") == "sv"
    assert majority_language("Helsinki") is None
    assert majority_language("Sipoo") is None  # bilingual, Finnish the majority
    assert majority_language(None) is None and majority_language("") is None
