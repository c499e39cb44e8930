"""Break and device traces on a two-level graph: segments joined by devices.

The network is first cut at every device; the connected pieces are segments
(Giswater's mincut and WNTR's valve segments use the same idea). A trace then
works on the much smaller segment graph.

To make a trace cost what its answer costs rather than what the network
costs, the engine keeps a breadth-first spanning tree of the normal-state
segment graph rooted at a virtual super-source. A segment outside the
subtrees of what a trace removes keeps its tree path to a source, so it is
supplied; a short search from each segment next to the removed ones either
meets such a segment or runs out, and then what it explored is cut off.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from .network import Network, Problem
from .trace_build import build_arrays
from .trace_store import IdTable

# Segment states during one cut-off search.
_UNKNOWN, _SUPPLIED, _CUT_OFF, _REMOVED, _SEARCHING = 0, 1, 2, 3, 4


class UnknownIdError(LookupError):
    """A trace named a link or device that the network does not have."""


@dataclass(frozen=True)
class TraceResult:
    devices_to_operate: list[str]
    isolated_links: list[str]
    affected_links: list[str]
    affected_service_points: list[str]
    affected_addresses: list[str]
    customers: int

    def to_json(self) -> dict:
        return asdict(self)


class _Csr:
    """Rows of integers grouped by a key, e.g. the links of each segment."""

    def __init__(self, values: np.ndarray, indptr: np.ndarray):
        self.values, self.indptr = values, indptr

    @classmethod
    def of(cls, arrays: Mapping[str, np.ndarray], name: str) -> _Csr:
        return cls(arrays[f"{name}.values"], arrays[f"{name}.indptr"])

    def gather(self, keys: np.ndarray) -> np.ndarray:
        if len(keys) == 0:
            return self.values[:0]
        starts, ends = self.indptr[keys], self.indptr[keys + 1]
        counts = ends - starts
        offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        return self.values[np.repeat(starts, counts) + offsets]

    def row(self, key: int) -> np.ndarray:
        return self.values[self.indptr[key] : self.indptr[key + 1]]


class TraceEngine:
    """Traces on one network version's arrays (built by trace_build.build_arrays).

    `TraceEngine(net)` builds them in this process; `TraceEngine.from_arrays` takes
    them as they are, e.g. memory-mapped from the file of the version
    (engine_cache.py), so processes of one host share one copy.
    """

    net: Network | None  # the network it was built from here; None when mapped

    def __init__(self, net: Network):
        arrays, meta = build_arrays(net)
        self._attach(arrays, meta)
        self.net = net

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], meta: Mapping[str, Any]) -> TraceEngine:
        engine = cls.__new__(cls)
        engine._attach(arrays, meta)
        engine.net = None
        return engine

    def _attach(self, arrays: Mapping[str, np.ndarray], meta: Mapping[str, Any]) -> None:
        self.arrays, self.meta = arrays, meta
        self.n_nodes, self.n_segments = int(meta["n_nodes"]), int(meta["n_segments"])
        self.snap_tolerance_m = float(meta["snap_tolerance_m"])
        self.crs: str | None = meta.get("crs")
        self.warnings: list[Problem] = [Problem(*w) for w in meta["warnings"]]
        self.link_ids = IdTable.from_arrays(arrays, "link_ids")
        self.node_ids = IdTable.from_arrays(arrays, "node_ids")
        self.device_ids = IdTable.from_arrays(arrays, "device_ids")
        self.sp_ids = IdTable.from_arrays(arrays, "sp_ids")
        self.address_ids = IdTable.from_arrays(arrays, "address_ids")
        self.segment_of = arrays["segment_of"]
        self.node_only = arrays["node_only"]
        self.sp_address = arrays["sp_address"]  # position in address_ids, -1 for none
        self.sp_customers = arrays["sp_customers"]
        self.sp_critical = arrays["sp_critical"]  # rank in CRITICAL_CATEGORIES, -1 for none
        self.sp_link = arrays["sp_link"]  # link position, -1 for a service point at a node
        self.device_passes = arrays["device_passes"]
        self.device_operable = arrays["device_operable"]
        self._source_node = arrays["source_node"]
        self._sp_xy, self._sp_origin = arrays["sp_xy"], arrays["sp_xy_origin"]
        self._seg_a, self._seg_b, self._blocked = (
            arrays["seg_a"],
            arrays["seg_b"],
            arrays["blocked"],
        )
        self._adj_nbr, self._adj_eid = arrays["adj_nbr"], arrays["adj_eid"]
        self._adj_ptr = arrays["adj_ptr"]
        self._supplied, self._preorder = arrays["supplied"], arrays["preorder"]
        self._pos, self._pred, self._size = arrays["pos"], arrays["pred"], arrays["size"]
        self._seg_links = _Csr.of(arrays, "seg_links")
        self._seg_sps = _Csr.of(arrays, "seg_sps")
        self._edge_devices = _Csr.of(arrays, "edge_devices")
        self._device_edges = _Csr.of(arrays, "device_edges")
        self._seg_incident = _Csr.of(arrays, "seg_incident")

    @property
    def nbytes(self) -> int:
        """What the arrays hold (mapped or in memory)."""
        return sum(a.nbytes for a in self.arrays.values())

    def sp_points(self, sps: np.ndarray) -> gpd.GeoSeries:
        """These service points' locations in the network's CRS (those that have one)."""
        xy = self._sp_xy[np.asarray(sps, dtype=np.int64)].astype(np.float64) + self._sp_origin
        xy = xy[~np.isnan(xy).any(axis=1)]
        return gpd.GeoSeries(shapely.points(xy), crs=self.crs)

    # ------------------------------------------------------------------ segment graph

    @property
    def segment_ends(self) -> tuple[np.ndarray, np.ndarray]:
        """Both end segments of every segment edge (a cut link end carrying devices)."""
        return self._seg_a, self._seg_b

    def edges_blocked(self, passes: np.ndarray) -> np.ndarray:
        """Per segment edge: some device on it does not pass, given each device's position."""
        n_edges, on_edge = len(self._seg_a), self._edge_devices
        edge = np.repeat(np.arange(n_edges), np.diff(on_edge.indptr))
        blocked = np.zeros(n_edges, dtype=bool)
        np.logical_or.at(blocked, edge, ~passes[on_edge.values])
        return blocked

    def edge_devices(self, edge: int) -> np.ndarray:
        return self._edge_devices.row(edge)

    def device_edges(self, devices: np.ndarray) -> np.ndarray:
        return self._device_edges.gather(np.asarray(devices, dtype=np.int64))

    def incident_edges(self, segment: int) -> np.ndarray:
        return self._seg_incident.row(segment)

    def link_segments(self, link_ids: list[str]) -> np.ndarray:
        """The segments of these links (UnknownIdError for an id the network lacks)."""
        links = [self._index(self.link_ids, lid, "link") for lid in link_ids]
        return np.unique(self.segment_of[self.n_nodes + np.asarray(links, dtype=np.int64)])

    def segment_sps(self, segments: np.ndarray) -> np.ndarray:
        """The service points of these segments."""
        return self._seg_sps.gather(segments)

    def source_segments(self) -> np.ndarray:
        return np.unique(self.segment_of[self._source_node]).astype(np.int64)

    def segment_contents(self, segments: np.ndarray) -> TraceResult:
        """The links, service points, addresses and customers of these segments."""
        return self._result([], np.empty(0, dtype=np.int64), segments)

    # ------------------------------------------------------------------ tracing

    def break_trace(self, link_ids: list[str]) -> TraceResult:
        """A fault on these links: isolate them with the nearest operable devices."""
        links = [self._index(self.link_ids, lid, "link") for lid in link_ids]
        start = {int(self.segment_of[self.n_nodes + link]) for link in links}
        isolated, boundary = self._isolate(start)
        edges = {e for e, other in boundary if other not in isolated}
        devices = sorted({self._first_operable(e) for e in edges})
        removed_edges = np.unique(self._device_edges.gather(np.asarray(devices, dtype=np.int64)))
        isolated_arr = np.fromiter(isolated, dtype=np.int64)
        cut_off = self._cut_off(isolated_arr, removed_edges)
        return self._result(devices, isolated_arr, np.concatenate([isolated_arr, cut_off]))

    def operate_trace(self, device_ids: list[str]) -> TraceResult:
        """These devices were operated so that supply no longer passes them."""
        devices = sorted({self._index(self.device_ids, d, "device") for d in device_ids})
        passing = [d for d in devices if self.device_passes[d]]
        removed_edges = np.unique(self._device_edges.gather(np.asarray(passing, dtype=np.int64)))
        cut_off = self._cut_off(np.empty(0, dtype=np.int64), removed_edges)
        return self._result(passing, np.empty(0, dtype=np.int64), cut_off)

    def address_trace(self, address_ids: list[str] | tuple[str, ...]) -> TraceResult:
        """An outage picked by address (or by street, resolved to its addresses): the
        service points at those addresses, whatever the topology says."""
        wanted = {str(a) for a in address_ids}
        if not wanted:
            raise ValueError("no addresses picked")
        if not len(self.address_ids):
            raise ValueError("the network has no service points at addresses")
        codes = [c for c in (self.address_ids.index(a) for a in wanted) if c >= 0]
        sps = np.flatnonzero(np.isin(self.sp_address, codes))
        if not len(sps):
            raise ValueError("none of the picked addresses has a connection to this network")
        links = np.unique(self.sp_link[sps])
        found = np.unique(self.sp_address[sps])
        return TraceResult(
            devices_to_operate=[],
            isolated_links=[],
            affected_links=sorted(self.link_ids.take(links[links >= 0].tolist())),
            affected_service_points=sorted(self.sp_ids.take(sps.tolist())),
            affected_addresses=self.address_ids.take(found.tolist()),
            customers=int(self.sp_customers[sps].sum()),
        )

    def _index(self, ids: IdTable, key: str, what: str) -> int:
        found = ids.index(str(key))
        if found < 0:
            raise UnknownIdError(f"unknown {what} id {key!r}")
        return found

    def _isolate(self, start: set[int]) -> tuple[set[int], list[tuple[int, int]]]:
        """Grow the fault area to the devices that can close it off.

        A device that blocks supply already is a boundary; an operable passing one
        is to be operated; an inoperable one is crossed and the search runs on.
        """
        isolated = set(start)
        stack = list(start)
        boundary: list[tuple[int, int]] = []
        while stack:
            seg = stack.pop()
            for e in self._seg_incident.row(seg).tolist():
                other = int(self._seg_b[e] if self._seg_a[e] == seg else self._seg_a[e])
                if self._blocked[e]:
                    continue
                if self._first_operable(e) >= 0:
                    boundary.append((e, other))
                elif other not in isolated:
                    isolated.add(other)
                    stack.append(other)
        return isolated, boundary

    def _first_operable(self, edge: int) -> int:
        devices = self._edge_devices.row(edge)
        operable = devices[self.device_operable[devices]]
        return int(operable.min()) if len(operable) else -1

    def _cut_off(self, removed_vertices: np.ndarray, removed_edges: np.ndarray) -> np.ndarray:
        """Segments that were supplied and lose every path to a source.

        A segment whose tree path to the super-source avoids everything removed is
        still supplied ("safe"). Every part that is cut off touches what was removed,
        so a search from each unsafe segment next to the removed ones either meets a
        safe segment (the part it explored stays supplied) or runs out (cut off).
        """
        pred = self._pred
        a, b = self._seg_a[removed_edges], self._seg_b[removed_edges]
        live = ~self._blocked[removed_edges]
        a, b = a[live], b[live]
        roots = np.concatenate(
            [
                removed_vertices[self._supplied[removed_vertices]],
                b[pred[b] == a],
                a[pred[a] == b],
            ]
        )
        if len(roots) == 0:
            return roots
        # The removed subtrees as disjoint preorder runs [start, end).
        starts = np.sort(self._pos[roots])
        ends = starts + self._size[self._preorder[starts]]
        keep = ends > np.concatenate([[-1], np.maximum.accumulate(ends)[:-1]])
        runs = (starts[keep], np.maximum.accumulate(ends)[keep])

        state = np.zeros(len(self._supplied), dtype=np.int8)
        state[removed_vertices] = _REMOVED
        neighbours, _ = self._neighbours(removed_vertices, removed_edges)
        frontier = np.unique(np.concatenate([a, b, neighbours]))
        frontier = frontier[(state[frontier] == _UNKNOWN) & ~self._safe(frontier, runs)]
        cut: list[np.ndarray] = []
        for start in frontier.tolist():
            if state[start] != _UNKNOWN:
                continue
            region, supplied = self._search(start, state, removed_edges, runs)
            state[region] = _SUPPLIED if supplied else _CUT_OFF
            if not supplied:
                cut.append(region)
        return np.concatenate(cut) if cut else np.empty(0, dtype=np.int64)

    def _safe(self, segments: np.ndarray, runs: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        """Supplied before and outside every removed subtree: the tree path is intact."""
        starts, ends = runs
        pos = self._pos[segments]
        run = np.searchsorted(starts, pos, side="right") - 1
        inside = (run >= 0) & (pos < ends[np.maximum(run, 0)])
        return self._supplied[segments] & ~inside

    def _neighbours(
        self, segments: np.ndarray, removed_edges: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Neighbours over live edges that were not removed, and the edge ids."""
        first, last = self._adj_ptr[segments], self._adj_ptr[segments + 1]
        counts = last - first
        offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        entries = np.repeat(first, counts) + offsets
        nbr, eid = self._adj_nbr[entries], self._adj_eid[entries]
        keep = ~np.isin(eid, removed_edges)
        return nbr[keep], eid[keep]

    def _search(
        self,
        start: int,
        state: np.ndarray,
        removed_edges: np.ndarray,
        runs: tuple[np.ndarray, np.ndarray],
    ) -> tuple[np.ndarray, bool]:
        """Breadth-first from `start` until a supplied segment is met or the part ends."""
        state[start] = _SEARCHING
        level = np.array([start], dtype=np.int64)
        region = [level]
        while True:
            nbr, _ = self._neighbours(level, removed_edges)
            seen = state[nbr]
            if (seen == _SUPPLIED).any():
                return np.concatenate(region), True
            nbr = nbr[seen == _UNKNOWN]
            if len(nbr) == 0:
                return np.concatenate(region), False
            if self._safe(nbr, runs).any():
                return np.concatenate(region), True
            level = np.unique(nbr)
            state[level] = _SEARCHING
            region.append(level)

    def _result(
        self, devices: list[int], isolated: np.ndarray, affected: np.ndarray
    ) -> TraceResult:
        affected = np.unique(affected)
        sps = self._seg_sps.gather(affected)
        codes = np.unique(self.sp_address[sps])
        return TraceResult(
            devices_to_operate=sorted(self.device_ids.take(devices)),
            isolated_links=sorted(self.link_ids.take(self._seg_links.gather(isolated).tolist())),
            affected_links=sorted(self.link_ids.take(self._seg_links.gather(affected).tolist())),
            affected_service_points=sorted(self.sp_ids.take(sps.tolist())),
            affected_addresses=self.address_ids.take(codes[codes >= 0].tolist()),
            customers=int(self.sp_customers[sps].sum()),
        )
