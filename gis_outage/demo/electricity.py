"""Demo electricity network: radial MV feeders along the streets from two primary
substations, a few normally-open points between feeders, breakers at the feeder heads,
sectionalising switches along the feeders and a fused service cable to each address.
(The secondary transformers between MV and the service cables are left out: they do
not change who loses supply when a cable or switch is taken out.)"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString, Point
from shapely.ops import substring

from gis_outage.demo.layers import (
    DEVICE_COLUMNS,
    NetworkLayers,
    device,
    frame,
    nearest_rows,
    point_near_end,
    rng_stream,
)
from gis_outage.demo.streets import StreetNetwork, SupplyTree, supply_tree

# Relative positions (in the extract's bounding box) of the two primary substations.
SUBSTATION_SITES = [(0.3, 0.7), (0.7, 0.3)]
TIE_COUNT = 6  # normally-open points between feeders
INLINE_SWITCH_SHARE = 0.2
INOPERABLE_SHARE = 0.05
MIN_BRANCH_NODES = 3  # branches smaller than this get no switch of their own
SNAP_M = 1.0  # service taps this close together (or to a node) share that node
MV_CABLE = "AHXAMK-W 3x185"
SERVICE_CABLE = "AMCMK 3x35+16"
LINK_COLUMNS = ["id", "from_node", "to_node", "kind"]


def build_electricity(
    streets: StreetNetwork, addresses: gpd.GeoDataFrame, customers: pd.Series, seed: int
) -> NetworkLayers:
    rng = rng_stream(seed, "electricity")
    subs = _substation_nodes(streets)
    tree = supply_tree(streets, dict.fromkeys(subs, 0.0))
    feeder = _feeders(tree, subs)
    ties = _ties(streets, tree, feeder, rng)
    seg_feeder = {seg: feeder[child] for child, (_, seg) in tree.parent.items()}
    grid = _Grid(streets, seg_feeder, rng.integers(1960, 2023, size=len(streets.segments)))
    grid.lay_feeders(sorted(tree.tree_segments()), addresses)
    grid.lay_ties(ties)
    _feeder_devices(grid, tree, subs, rng)
    sources = frame(
        [
            {"id": f"ESS{i}", "node_id": _node(n), "kind": "substation",
             "name": f"Primary substation {i}", "geometry": streets.nodes[n]}
            for i, n in enumerate(subs, start=1)
        ],
        streets.segments.crs,
        ["id", "node_id"],
    )
    service_points = gpd.GeoDataFrame(
        {
            "id": [f"ESP-{a}" for a in addresses["id"]],
            "link_id": grid.service_cable,
            "address_id": addresses["id"].to_numpy(),
            "customers": customers.to_numpy().astype("int32"),
        },
        geometry=addresses.geometry.to_numpy(),
        crs=addresses.crs,
    )
    crs = streets.segments.crs
    return NetworkLayers(
        links=frame(grid.links, crs, LINK_COLUMNS),
        devices=frame(grid.devices, crs, DEVICE_COLUMNS),
        sources=sources,
        service_points=service_points,
    )


def _node(osm_node: int) -> str:
    return f"EN{osm_node}"


def _substation_nodes(streets: StreetNetwork) -> list[int]:
    segs = streets.segments
    degree = pd.concat([segs["u"], segs["v"]]).value_counts()
    junctions = streets.nodes[degree.reindex(streets.nodes.index).to_numpy() >= 3]
    x0, y0, x1, y1 = junctions.total_bounds
    return [
        int(junctions.distance(Point(x0 + fx * (x1 - x0), y0 + fy * (y1 - y0))).idxmin())
        for fx, fy in SUBSTATION_SITES
    ]


def _feeders(tree: SupplyTree, subs: list[int]) -> dict[int, str]:
    """Each leg leaving a substation is one feeder; every node below it takes its name."""
    feeder: dict[int, str] = {}
    count: dict[int, int] = defaultdict(int)
    for node in tree.order:
        if node not in tree.parent:
            continue
        up, _ = tree.parent[node]
        if up in subs:
            count[up] += 1
            feeder[node] = f"ESS{subs.index(up) + 1}-F{count[up]}"
        else:
            feeder[node] = feeder[up]
    return feeder


def _ties(
    streets: StreetNetwork, tree: SupplyTree, feeder: dict[int, str], rng: np.random.Generator
) -> list[int]:
    """Streets outside the tree that join two different feeders, a few of which get a
    cable with a normally-open switch: the backfeed routes of a radial city network."""
    in_tree = tree.tree_segments()
    candidates = [
        row.seg
        for row in streets.segments.itertuples()
        if row.seg not in in_tree
        and row.u in feeder
        and row.v in feeder
        and feeder[row.u] != feeder[row.v]
    ]
    picked = rng.choice(candidates, size=min(TIE_COUNT, len(candidates)), replace=False)
    return sorted(int(s) for s in picked)


@dataclass
class _Grid:
    """Accumulates the cable and device rows while feeder cables are cut at the taps."""

    streets: StreetNetwork
    seg_feeder: dict[int, str]
    install_year: np.ndarray
    links: list[dict[str, object]] = field(default_factory=list)
    devices: list[dict[str, object]] = field(default_factory=list)
    end_piece: dict[tuple[int, int], int] = field(default_factory=dict)  # (seg, node) -> row
    service_cable: list[str] = field(default_factory=list)
    taps: int = 0

    def lay_feeders(self, segs: list[int], addresses: gpd.GeoDataFrame) -> None:
        """Feeder cables along the tree segments, each cut where the service cable of
        the nearest addresses joins it, then the fused service cables."""
        rows = self.streets.segments.loc[segs]
        nearest = rows["seg"].to_numpy()[nearest_rows(addresses.geometry, rows.geometry)]
        along: dict[int, list[tuple[float, int]]] = defaultdict(list)
        for i, (seg, point) in enumerate(zip(nearest, addresses.geometry, strict=True)):
            along[seg].append((rows.at[seg, "geometry"].project(point), i))
        tap_of: dict[int, tuple[str, Point]] = {}
        for seg in segs:
            tap_of |= self._lay(seg, sorted(along[seg]), self.seg_feeder[seg])
        for i, (seg, point) in enumerate(zip(nearest, addresses.geometry, strict=True)):
            self._service(i, seg, *tap_of[i], point)

    def lay_ties(self, segs: list[int]) -> None:
        for seg in segs:
            self._lay(seg, [], "tie")

    def piece_at(self, seg: int, node: int) -> dict[str, object]:
        """The cable piece of a street segment that ends at `node`."""
        return self.links[self.end_piece[(seg, node)]]

    def _lay(
        self, seg: int, taps: list[tuple[float, int]], feeder: str
    ) -> dict[int, tuple[str, Point]]:
        """Lay one street segment as cable pieces split at the taps (distance along,
        address); returns address -> (tap node id, tap point)."""
        row = self.streets.segments.loc[seg]
        line: LineString = row.geometry
        stops, nodes = [0.0], [_node(row.u)]
        tap_of: dict[int, tuple[str, Point]] = {}
        for dist, address in taps:
            if dist < SNAP_M:
                tap_of[address] = (_node(row.u), Point(line.coords[0]))
            elif dist > line.length - SNAP_M:
                tap_of[address] = (_node(row.v), Point(line.coords[-1]))
            else:
                if dist - stops[-1] >= SNAP_M:
                    self.taps += 1
                    stops.append(dist)
                    nodes.append(f"ET{self.taps:04d}")
                tap_of[address] = (nodes[-1], line.interpolate(stops[-1]))
        stops.append(line.length)
        nodes.append(_node(row.v))
        first = len(self.links)
        for k in range(len(stops) - 1):
            self.links.append(
                {
                    "id": f"EC{len(self.links) + 1:04d}",
                    "from_node": nodes[k],
                    "to_node": nodes[k + 1],
                    "kind": "cable",
                    "role": "tie" if feeder == "tie" else "feeder",
                    "feeder": feeder,
                    "conductor": MV_CABLE,
                    "install_year": int(self.install_year[seg]),
                    "length_m": round(stops[k + 1] - stops[k], 1),
                    "geometry": substring(line, stops[k], stops[k + 1]),
                }
            )
        self.end_piece[(seg, row.u)] = first
        self.end_piece[(seg, row.v)] = len(self.links) - 1
        return tap_of

    def _service(self, address: int, seg: int, tap: str, at: Point, building: Point) -> None:
        if building.distance(at) < SNAP_M:  # keep the service cable a real line
            building = Point(building.x + SNAP_M, building.y)
        line = LineString([at, building])
        cable = f"EC{len(self.links) + 1:04d}"
        self.links.append(
            {
                "id": cable,
                "from_node": tap,
                "to_node": f"EK{address + 1:04d}",
                "kind": "cable",
                "role": "service",
                "feeder": self.seg_feeder[seg],
                "conductor": SERVICE_CABLE,
                "install_year": int(self.install_year[seg]),
                "length_m": round(line.length, 1),
                "geometry": line,
            }
        )
        self.devices.append(
            device(f"EF{address + 1:04d}", cable, tap, "fuse", point_near_end(line, True, 1.0))
        )
        self.service_cable.append(cable)


def _feeder_devices(
    grid: _Grid, tree: SupplyTree, subs: list[int], rng: np.random.Generator
) -> None:
    """Breakers at the feeder heads, sectionalising switches where feeders branch (and
    now and then in line), and a normally-open switch on each tie."""
    size = _subtree_sizes(tree)
    children = tree.children()
    switches = breakers = 0
    for node in tree.order:
        kids = children.get(node, [])
        for child, seg in kids:
            piece = grid.piece_at(seg, node)
            at = point_near_end(piece["geometry"], piece["from_node"] == _node(node))
            draw = rng.random(2)
            if node in subs:
                breakers += 1
                grid.devices.append(
                    device(f"EB{breakers:02d}", piece["id"], _node(node),
                           "breaker", at, feeder=piece["feeder"])
                )
                continue
            branch = len(kids) >= 2 and size[child] >= MIN_BRANCH_NODES
            if branch or draw[0] < INLINE_SWITCH_SHARE:
                switches += 1
                grid.devices.append(
                    device(f"ES{switches:04d}", piece["id"], _node(node), "switch", at,
                           operable=draw[1] >= INOPERABLE_SHARE, feeder=piece["feeder"])
                )
    for link in grid.links:
        if link["role"] == "tie":
            switches += 1
            grid.devices.append(
                device(f"ES{switches:04d}", link["id"], link["from_node"], "switch",
                       point_near_end(link["geometry"], True), normally_passes=False,
                       feeder="tie")
            )


def _subtree_sizes(tree: SupplyTree) -> dict[int, int]:
    size = dict.fromkeys(tree.order, 1)
    for node in reversed(tree.order):
        if node in tree.parent:
            size[tree.parent[node][0]] += size[node]
    return size
