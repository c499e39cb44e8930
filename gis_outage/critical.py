"""Critical customers: service points flagged in the network import (hospital, care home,
home dialysis, school), listed first, with their category, by traces, the API, the CLI
and the crew sheet; never on a public page. The categories and their order are
`model.CriticalCategory`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .model import CRITICAL_CATEGORIES, Role

if TYPE_CHECKING:
    from .storage.outage_records import Outage
    from .trace import TraceEngine

# Health data (home dialysis): shown to those who plan the work, not to viewers.
MAY_SEE = frozenset({Role.ENGINEER, Role.ADMIN})
COLUMN_KEY = "critical_customers"  # in an outage's affected set and in API answers
COLUMN = "critical"  # the interchange column; a mapping file can take it from another
_RANK = {category: rank for rank, category in enumerate(CRITICAL_CATEGORIES)}


def _blank(value: Any) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def parse_category(value: Any) -> str | None:
    """A category from a cell: any case, spaces or hyphens for the underscore; None for
    an empty cell; ValueError naming the categories for anything else."""
    if _blank(value):
        return None
    text = str(value).strip()
    key = text.casefold().replace("-", "_").replace(" ", "_")
    if not key:
        return None
    if key not in _RANK:
        raise ValueError(
            f"critical {text!r} is not one of {', '.join(CRITICAL_CATEGORIES)} "
            "(leave it empty for none)"
        )
    return key


def categories(sps: pd.DataFrame, problem: Callable[[str, Any, str], None]) -> list[str | None]:
    """The category of each service point of the layer; each bad value reported through
    `problem(layer, feature id, message)`."""
    if COLUMN not in sps or len(sps) == 0:
        return [None] * len(sps)
    out: list[str | None] = []
    for fid, value in zip(sps["id"], sps[COLUMN], strict=True):
        try:
            out.append(parse_category(value))
        except ValueError as exc:
            problem("service_points", fid, str(exc))
            out.append(None)
    return out


def flagged(engine: TraceEngine) -> dict[str, tuple[str, int]]:
    """{service point id: (category, position)} of the network's critical service points,
    from the engine's arrays (so a memory-mapped engine needs no network), worked out once
    per engine."""
    cached = engine.__dict__.get("_critical")
    if cached is None:
        positions = np.flatnonzero(np.asarray(engine.sp_critical) >= 0)
        ranks = np.asarray(engine.sp_critical)[positions]
        ids = engine.sp_ids.take(positions)
        cached = {sp: (CRITICAL_CATEGORIES[int(r)], int(i))
                  for sp, r, i in zip(ids, ranks, positions, strict=True)}
        engine.__dict__["_critical"] = cached
    return cached


def critical_customers(
    engine: TraceEngine, service_points: Iterable[str]
) -> list[dict[str, Any]]:
    """The critical ones among `service_points`, most critical category first, then by id:
    `{"service_point", "category", "address_id", "customers"}`."""
    marked = flagged(engine)
    if not marked:
        return []
    rows = []
    for sp in marked.keys() & set(service_points):  # in C, over the smaller of the two
        category, i = marked[sp]
        address = int(engine.sp_address[i])
        rows.append(
            {
                "service_point": sp,
                "category": category,
                "address_id": engine.address_ids[address] if address >= 0 else None,
                "customers": int(engine.sp_customers[i]),
            }
        )
    return sorted(rows, key=lambda r: (_RANK[r["category"]], r["service_point"]))


def ranks(sp_critical: list[str | None], n: int) -> np.ndarray:
    """Each service point's category as its rank in CRITICAL_CATEGORIES, -1 for none (the
    engine's array)."""
    out = np.full(n, -1, dtype=np.int8)
    for i, category in enumerate(sp_critical):
        if category:
            out[i] = _RANK[category]
    return out


def critical_difference(
    before: list[dict[str, Any]], after: list[dict[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    """What a field change does to the critical customers: newly affected ones and those
    no longer affected, each in the order above."""
    old = {r["service_point"] for r in before}
    new = {r["service_point"] for r in after}
    return {
        "added": [r for r in after if r["service_point"] not in old],
        "removed": [r for r in before if r["service_point"] not in new],
    }


def withheld(outage: Outage, role: Role) -> Outage:
    """An outage as `role` may see it: without the critical customers of its affected set
    unless the role is one that may see them."""
    affected = outage.affected
    if role in MAY_SEE or not isinstance(affected, dict) or COLUMN_KEY not in affected:
        return outage
    return replace(outage, affected={k: v for k, v in affected.items() if k != COLUMN_KEY})

