"""Critical customers: service points flagged in the network import (hospital, care home,
home dialysis, school), listed first, with their category, by traces, the API, the CLI
and the crew sheet; never on a public page. The categories and their order are
`model.CriticalCategory`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import pandas as pd

from .model import CRITICAL_CATEGORIES

if TYPE_CHECKING:
    from .network import Network

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


def flagged(net: Network) -> dict[str, tuple[str, int]]:
    """{service point id: (category, position)} of the network's critical service points,
    worked out once per network."""
    cached = net.__dict__.get("_critical")
    if cached is None:
        cached = {
            str(sp): (c, i)
            for i, (sp, c) in enumerate(zip(net.sp_ids, net.sp_critical, strict=False))
            if c
        }
        net.__dict__["_critical"] = cached
    return cached


def critical_customers(net: Network, service_points: Iterable[str]) -> list[dict[str, Any]]:
    """The critical ones among `service_points`, most critical category first, then by id:
    `{"service_point", "category", "address_id", "customers"}`."""
    marked = flagged(net)
    if not marked:
        return []
    rows = []
    for sp in marked.keys() & set(service_points):  # in C, over the smaller of the two
        category, i = marked[sp]
        address = net.sp_address[i]
        rows.append(
            {
                "service_point": sp,
                "category": category,
                "address_id": None if _blank(address) else str(address),
                "customers": int(net.sp_customers[i]),
            }
        )
    return sorted(rows, key=lambda r: (_RANK[r["category"]], r["service_point"]))


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
