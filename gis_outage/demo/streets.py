"""Street segments between junctions, the skeleton every demo network is laid along."""

from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
from shapely.geometry import LineString, Point

# Mains are cut at an OSM vertex once they pass this length, so a long street gets
# in-line nodes (and valves) instead of one kilometre-long pipe.
MAX_SEGMENT_M = 150.0


@dataclass(frozen=True)
class StreetNetwork:
    """`segments`: seg (int), u, v (OSM node ids of the junction ends), highway, name,
    length_m, geometry (from u to v). `nodes`: geometry indexed by OSM node id."""

    segments: gpd.GeoDataFrame
    nodes: gpd.GeoSeries

    def graph(self) -> nx.MultiGraph:
        g = nx.MultiGraph()
        for row in self.segments.itertuples():
            g.add_edge(row.u, row.v, key=row.seg, weight=row.length_m)
        return g


def build_street_network(edges: gpd.GeoDataFrame) -> StreetNetwork:
    """Keep the largest connected street component and merge the two-point OSM edges
    into segments that run from junction (or dead end) to junction."""
    edges = _largest_component(edges)
    adjacency = _adjacency(edges)
    junctions = {n for n, inc in adjacency.items() if len(inc) != 2}
    chains = _chains(adjacency, junctions)
    # A chain that returns to its start (a loop street) would give a link whose two ends
    # are one node; cut it at its middle vertex instead.
    loops = [c for c in chains if c[0][0] == c[-1][1]]
    if loops:
        junctions |= {c[len(c) // 2][0] for c in loops}
        chains = _chains(adjacency, junctions)

    coords = _node_coords(edges)
    chains = [piece for chain in chains for piece in _cut_long(chain, coords)]
    rows = []
    for seg, chain in enumerate(chains):
        line = LineString([coords[chain[0][0]]] + [coords[b] for _, b, _ in chain])
        first = edges.loc[chain[0][2]]
        names = [edges.at[i, "name"] for _, _, i in chain if isinstance(edges.at[i, "name"], str)]
        rows.append(
            {
                "seg": seg,
                "u": chain[0][0],
                "v": chain[-1][1],
                "highway": first["highway"],
                "name": names[0] if names else None,
                "length_m": round(line.length, 1),
                "geometry": line,
            }
        )
    segments = gpd.GeoDataFrame(rows, geometry="geometry", crs=edges.crs)
    ends = sorted(set(segments["u"]) | set(segments["v"]))
    nodes = gpd.GeoSeries([Point(coords[n]) for n in ends], index=ends, crs=edges.crs)
    return StreetNetwork(segments=segments, nodes=nodes)


def _largest_component(edges: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    g = nx.Graph()
    g.add_edges_from(zip(edges["u"], edges["v"], strict=True))
    biggest = max(nx.connected_components(g), key=lambda c: (len(c), min(c)))
    return edges[edges["u"].isin(biggest)].reset_index(drop=True)


def _adjacency(edges: gpd.GeoDataFrame) -> dict[int, list[tuple[int, int]]]:
    """node -> [(edge index, other node)], sorted so the walk order is reproducible."""
    adjacency: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for i, (u, v) in enumerate(zip(edges["u"], edges["v"], strict=True)):
        adjacency[u].append((i, v))
        adjacency[v].append((i, u))
    return {n: sorted(inc, key=lambda t: (t[1], t[0])) for n, inc in adjacency.items()}


Chain = list[tuple[int, int, int]]  # (from node, to node, edge index) steps


def _chains(adjacency: dict[int, list[tuple[int, int]]], junctions: set[int]) -> list[Chain]:
    used: set[int] = set()
    chains: list[Chain] = []
    starts = sorted(junctions)
    # Rings with no junction at all still need a start.
    while True:
        for start in starts:
            for edge, nxt in adjacency[start]:
                if edge not in used:
                    chains.append(_walk(adjacency, junctions, used, start, edge, nxt))
        rest = sorted({n for n, inc in adjacency.items() for e, _ in inc if e not in used})
        if not rest:
            return chains
        junctions.add(rest[0])
        starts = [rest[0]]


def _walk(
    adjacency: dict[int, list[tuple[int, int]]],
    junctions: set[int],
    used: set[int],
    start: int,
    edge: int,
    nxt: int,
) -> Chain:
    chain: Chain = [(start, nxt, edge)]
    used.add(edge)
    node = nxt
    while node not in junctions:
        edge, nxt = next((e, o) for e, o in adjacency[node] if e not in used)
        used.add(edge)
        chain.append((node, nxt, edge))
        node = nxt
    return chain


def _cut_long(chain: Chain, coords: dict[int, tuple[float, float]]) -> list[Chain]:
    pieces: list[Chain] = [[]]
    run = 0.0
    for step in chain:
        if run >= MAX_SEGMENT_M:
            pieces.append([])
            run = 0.0
        pieces[-1].append(step)
        (x0, y0), (x1, y1) = coords[step[0]], coords[step[1]]
        run += ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5
    return pieces


def _node_coords(edges: gpd.GeoDataFrame) -> dict[int, tuple[float, float]]:
    coords: dict[int, tuple[float, float]] = {}
    for u, v, line in zip(edges["u"], edges["v"], edges.geometry, strict=True):
        pts = list(line.coords)
        coords.setdefault(u, pts[0][:2])
        coords.setdefault(v, pts[-1][:2])
    return coords


@dataclass(frozen=True)
class SupplyTree:
    """Shortest-path tree over the street segments from one or more sources.
    `parent[node] = (parent node, seg)`, `root[node]` = the source it hangs from."""

    parent: dict[int, tuple[int, int]]
    root: dict[int, int]
    order: list[int]  # nodes in the order they were reached (parents before children)

    def children(self) -> dict[int, list[tuple[int, int]]]:
        """node -> [(child node, seg)] in reach order."""
        out: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for node in self.order:
            if node in self.parent:
                up, seg = self.parent[node]
                out[up].append((node, seg))
        return out

    def tree_segments(self) -> set[int]:
        return {seg for _, seg in self.parent.values()}


def supply_tree(streets: StreetNetwork, sources: dict[int, float]) -> SupplyTree:
    """Dijkstra from several sources at once; `sources` maps node -> head start in metres
    (a larger value shrinks that source's area). Ties go to the lower node id."""
    incident: dict[int, list[tuple[int, int, float]]] = defaultdict(list)
    for row in streets.segments.itertuples():
        incident[row.u].append((row.v, row.seg, row.length_m))
        incident[row.v].append((row.u, row.seg, row.length_m))
    heap = [(offset, node, node, -1, -1) for node, offset in sorted(sources.items())]
    heapq.heapify(heap)
    parent: dict[int, tuple[int, int]] = {}
    root: dict[int, int] = {}
    order: list[int] = []
    while heap:
        dist, node, src, up, seg = heapq.heappop(heap)
        if node in root:
            continue
        root[node] = src
        order.append(node)
        if seg >= 0:
            parent[node] = (up, seg)
        for other, other_seg, length in incident[node]:
            if other not in root:
                heapq.heappush(heap, (dist + length, other, src, node, other_seg))
    return SupplyTree(parent=parent, root=root, order=order)
