"""Demo water network: a meshed main under every street, valved at the junctions,
fed from a plant inlet and a tank, split into two pressure zones by closed valves."""

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
    point_near_end,
    rng_stream,
)
from gis_outage.demo.streets import StreetNetwork, supply_tree

# Main size follows the street class: trunk streets carry the transmission mains.
DIAMETER_MM = {
    "trunk": 400,
    "primary": 300,
    "secondary": 250,
    "tertiary": 200,
    "residential": 150,
    "unclassified": 150,
    "living_street": 125,
    "pedestrian": 110,
}
JUNCTION_VALVE_SHARE = 0.85  # real junctions often lack a valve on one leg
INLINE_VALVE_SHARE = 0.4  # in-line valves on long mains (nodes of degree 2)
INOPERABLE_SHARE = 0.05  # seized valves: a break trace runs on past them
# Head start given to the plant over the tank so the tank's zone is the smaller one.
TANK_HANDICAP_M = 700.0


def build_water(
    streets: StreetNetwork, addresses: gpd.GeoDataFrame, customers: pd.Series, seed: int
) -> NetworkLayers:
    rng = rng_stream(seed, "water")
    segs = streets.segments
    links = _pipes(segs, rng)
    plant, tank = _source_nodes(streets)
    zone = supply_tree(streets, {plant: 0.0, tank: TANK_HANDICAP_M}).root
    devices = _valves(streets, links, zone, plant, tank, rng)
    sources = frame(
        [
            {"id": "WS1", "node_id": _node(plant), "kind": "plant", "name": "Plant inlet",
             "geometry": streets.nodes[plant]},
            {"id": "WT1", "node_id": _node(tank), "kind": "tank", "name": "Tank",
             "geometry": streets.nodes[tank]},
        ],
        segs.crs,
        ["id", "node_id"],
    )
    service_points = connect_service_points(addresses, customers, links, "W")
    return NetworkLayers(links, devices, sources, service_points)


def _node(osm_node: int) -> str:
    return f"WN{osm_node}"


def _pipes(segs: gpd.GeoDataFrame, rng: np.random.Generator) -> gpd.GeoDataFrame:
    diameter = segs["highway"].str.removesuffix("_link").map(DIAMETER_MM).fillna(150)
    # Helsinki's centre was piped from the 1870s on; renewals spread the ages.
    year = rng.integers(1890, 2023, size=len(segs))
    material = np.where(
        year < 1960,
        "cast iron",
        np.where((year >= 1990) & (diameter <= 200), "PE", "ductile iron"),
    )
    return gpd.GeoDataFrame(
        {
            "id": [f"WP{s + 1:04d}" for s in segs["seg"]],
            "from_node": [_node(u) for u in segs["u"]],
            "to_node": [_node(v) for v in segs["v"]],
            "kind": "pipe",
            "street": segs["name"].to_numpy(),
            "diameter_mm": diameter.astype("int32").to_numpy(),
            "material": material,
            "install_year": year.astype("int32"),
            "length_m": segs["length_m"].to_numpy(),
        },
        geometry=segs.geometry.to_numpy(),
        crs=segs.crs,
    )


def _source_nodes(streets: StreetNetwork) -> tuple[int, int]:
    """The trunk main from the treatment plant enters from the north; the tank stands
    at the southern end of the area."""
    ys = streets.nodes.y
    return int(ys.idxmax()), int(ys.idxmin())


def _valves(
    streets: StreetNetwork,
    links: gpd.GeoDataFrame,
    zone: dict[int, int],
    plant: int,
    tank: int,
    rng: np.random.Generator,
) -> gpd.GeoDataFrame:
    segs = streets.segments
    source_nodes = {plant, tank}
    degree = pd.concat([segs["u"], segs["v"]]).value_counts()
    # Each pipe crossing the zone boundary is shut at its end in the plant's zone; the
    # pipe itself is then fed from the tank's side.
    boundary = {
        (row.seg, row.u if zone[row.u] == plant else row.v)
        for row in segs.itertuples()
        if zone[row.u] != zone[row.v]
    }
    rows = []
    for row in segs.itertuples():
        for node, at_start in ((row.u, True), (row.v, False)):
            closed = (row.seg, node) in boundary
            share = JUNCTION_VALVE_SHARE if degree[node] >= 3 else INLINE_VALVE_SHARE
            if degree[node] == 1 and node not in source_nodes:
                share = 0.0  # dead ends are capped, not valved
            if node in source_nodes:
                share = 1.0
            draw = rng.random(2)  # always two draws: one choice never shifts the others
            if not (closed or draw[0] < share):
                continue
            rows.append(
                device(
                    f"WV{len(rows) + 1:04d}",
                    links.at[row.Index, "id"],
                    _node(node),
                    "valve",
                    point_near_end(row.geometry, at_start),
                    normally_passes=not closed,
                    operable=closed or node in source_nodes or draw[1] >= INOPERABLE_SHARE,
                    purpose="zone boundary" if closed else "isolation",
                )
            )
    return frame(rows, segs.crs, DEVICE_COLUMNS)

