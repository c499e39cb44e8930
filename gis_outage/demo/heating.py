"""Demo district-heating network: a tree from one plant along the streets that lead to
the larger buildings, with valves where it branches. One link stands for the
supply/return pipe pair, which is how outages treat them."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from gis_outage.demo.layers import (
    DEVICE_COLUMNS,
    NetworkLayers,
    connect_service_points,
    device,
    frame,
    nearest_rows,
    point_near_end,
    rng_stream,
)
from gis_outage.demo.streets import StreetNetwork, SupplyTree, supply_tree

# Buildings worth a heat connection in the demo: several customers or many floors.
MIN_CUSTOMERS = 4
MIN_LEVELS = 5
INOPERABLE_SHARE = 0.05
# Nominal size (DN) by the number of customers downstream.
DN_BY_CUSTOMERS = [(400, 300), (200, 250), (100, 200), (50, 150), (25, 125), (10, 100), (0, 65)]


def heated(facts: pd.DataFrame) -> pd.Series:
    """Which addresses have district heat: the larger buildings."""
    return (facts["customers"] >= MIN_CUSTOMERS) | (facts["levels"] >= MIN_LEVELS)


def build_district_heating(
    streets: StreetNetwork, addresses: gpd.GeoDataFrame, facts: pd.DataFrame, seed: int
) -> NetworkLayers:
    rng = rng_stream(seed, "district_heating")
    served = heated(facts)
    plant = _plant_node(streets)
    tree = supply_tree(streets, {plant: 0.0})
    segs = _needed_segments(streets, tree, addresses[served])
    load = _downstream_customers(streets, tree, segs, addresses[served], facts["customers"])
    links = _pipes(streets, segs, load, rng)
    devices = _valves(streets, tree, segs, links, plant, rng)
    sources = frame(
        [{"id": "HS1", "node_id": _node(plant), "kind": "plant", "name": "Heat plant inlet",
          "geometry": streets.nodes[plant]}],
        streets.segments.crs,
        ["id", "node_id"],
    )
    service_points = connect_service_points(
        addresses[served].reset_index(drop=True),
        facts.loc[served, "customers"],
        links,
        "H",
    )
    return NetworkLayers(links, devices, sources, service_points)


def _node(osm_node: int) -> str:
    return f"HN{osm_node}"


def _plant_node(streets: StreetNetwork) -> int:
    """The transmission line from the coal/heat plants comes in from the east."""
    return int(streets.nodes.x.idxmax())


def _needed_segments(
    streets: StreetNetwork, tree: SupplyTree, served: gpd.GeoDataFrame
) -> list[int]:
    """Tree segments on the way from the plant to the street of each served building."""
    segs = streets.segments
    nearest = segs.iloc[nearest_rows(served.geometry, segs.geometry)]
    reached = {node: i for i, node in enumerate(tree.order)}
    needed: set[int] = set()
    for u, v in zip(nearest["u"], nearest["v"], strict=True):
        # The far end's path also covers the street itself when the street is in the tree.
        node = max(u, v, key=reached.__getitem__)
        while node in tree.parent:
            node, seg = tree.parent[node]
            if seg in needed:
                break
            needed.add(seg)
    return sorted(needed)


def _downstream_customers(
    streets: StreetNetwork,
    tree: SupplyTree,
    segs: list[int],
    served: gpd.GeoDataFrame,
    customers: pd.Series,
) -> dict[int, int]:
    """Customers fed through each tree segment (for pipe sizing)."""
    rows = streets.segments.set_index("seg").loc[segs].reset_index()
    nearest = nearest_rows(served.geometry, rows.geometry)
    load = dict.fromkeys(segs, 0)
    child_seg = {seg: child for child, (_, seg) in tree.parent.items()}
    for row, n in zip(nearest, customers.loc[served.index], strict=True):
        node = child_seg[rows.at[row, "seg"]]
        while node in tree.parent:
            node, seg = tree.parent[node]
            load[seg] += int(n)
    return load


def _pipes(
    streets: StreetNetwork, segs: list[int], load: dict[int, int], rng: np.random.Generator
) -> gpd.GeoDataFrame:
    rows = streets.segments.set_index("seg").loc[segs]
    year = rng.integers(1950, 2023, size=len(rows))
    return gpd.GeoDataFrame(
        {
            "id": [f"HP{s + 1:04d}" for s in rows.index],
            "from_node": [_node(u) for u in rows["u"]],
            "to_node": [_node(v) for v in rows["v"]],
            "kind": "pipe",
            "street": rows["name"].to_numpy(),
            "dn": [_dn(load[s]) for s in rows.index],
            "material": "steel, pre-insulated",
            "install_year": year.astype("int32"),
            "length_m": rows["length_m"].to_numpy(),
            "customers_downstream": [load[s] for s in rows.index],
        },
        geometry=rows.geometry.to_numpy(),
        crs=streets.segments.crs,
    )


def _dn(customers: int) -> int:
    return next(dn for floor, dn in DN_BY_CUSTOMERS if customers >= floor)


def _valves(
    streets: StreetNetwork,
    tree: SupplyTree,
    segs: list[int],
    links: gpd.GeoDataFrame,
    plant: int,
    rng: np.random.Generator,
) -> gpd.GeoDataFrame:
    """A valve on every leg leaving a branch point, and on the plant outlet."""
    link_of = dict(zip(segs, links.index, strict=True))
    rows = []
    for node, kids in tree.children().items():
        kids = [(child, seg) for child, seg in kids if seg in link_of]
        if len(kids) < 2 and node != plant:
            continue
        for _, seg in kids:
            link = links.loc[link_of[seg]]
            at_start = streets.segments.at[seg, "u"] == node
            operable = node == plant or rng.random() >= INOPERABLE_SHARE
            rows.append(
                device(
                    f"HV{len(rows) + 1:04d}",
                    link["id"],
                    _node(node),
                    "valve",
                    point_near_end(link.geometry, at_start),
                    operable=operable,
                )
            )
    return frame(rows, streets.segments.crs, DEVICE_COLUMNS)
