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

from dataclasses import asdict, dataclass

import numpy as np
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import breadth_first_order, connected_components, depth_first_order

from .network import NO_NODE, Network, Problem

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

    def __init__(self, keys: np.ndarray, values: np.ndarray, n_keys: int):
        order = np.argsort(keys, kind="stable")
        self.values = values[order]
        self.indptr = np.concatenate([[0], np.cumsum(np.bincount(keys, minlength=n_keys))])

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
    """Precomputes segments and the supply tree once per network version."""

    def __init__(self, net: Network):
        self.net = net
        n_nodes, n_links = len(net.node_ids), len(net.link_ids)
        self._segment_elements(n_nodes, n_links)
        self._segment_edges()
        self._supply_tree()
        self._link_ids = np.asarray(net.link_ids, dtype=object)
        self._sp_ids = np.asarray(net.sp_ids, dtype=object)
        self._sp_address = np.asarray(net.sp_address, dtype=object)
        link_seg = self.segment_of[n_nodes + np.arange(n_links)]
        self._seg_links = _Csr(link_seg, np.arange(n_links), self.n_segments)
        self.node_only = np.bincount(link_seg, minlength=self.n_segments) == 0
        sp_elem = np.where(net.sp_link != NO_NODE, n_nodes + net.sp_link, net.sp_node)
        self.sp_segment = self.segment_of[sp_elem]
        self._seg_sps = _Csr(self.sp_segment, np.arange(len(net.sp_ids)), self.n_segments)
        self.warnings: list[Problem] = list(net.warnings)
        supplied = int(self._supplied[link_seg].sum()) if n_links else 0
        if len(net.source_ids) and n_links and not supplied:
            self.warnings.append(Problem("sources", None, "no link is supplied in normal "
                                         "operation: every source is cut off by a device "
                                         "that does not pass supply"))
        elif len(net.source_ids) and n_links >= 10 and supplied < n_links / 2:
            self.warnings.append(Problem("links", None, f"most links are not supplied in "
                                         f"normal operation: {n_links - supplied} of {n_links} "
                                         "(check the sources and the devices that do not "
                                         "pass supply)"))

    # ------------------------------------------------------------------ building

    def _segment_elements(self, n_nodes: int, n_links: int) -> None:
        """Elements are nodes and links; an element edge joins a link to one of its end nodes.

        Edge 2*l is link l's from-end, 2*l+1 its to-end. A device cuts the element
        edges it sits on: one link end, or every link end at its node.
        """
        net = self.net
        n_elem = n_nodes + n_links
        links = np.arange(n_links)
        edge_node = np.empty(2 * n_links, dtype=np.int64)
        edge_node[0::2], edge_node[1::2] = net.link_from, net.link_to
        edge_link = np.repeat(n_nodes + links, 2)

        on_link = net.device_link != NO_NODE
        dev = np.flatnonzero(on_link)
        pairs_dev = [dev, dev]
        pairs_edge = [
            np.where(net.link_from[net.device_link[dev]] == net.device_node[dev],
                     2 * net.device_link[dev], -1),
            np.where(net.link_to[net.device_link[dev]] == net.device_node[dev],
                     2 * net.device_link[dev] + 1, -1),
        ]
        at_node = np.flatnonzero(~on_link)
        if len(at_node):
            node_edges = _Csr(edge_node, np.arange(2 * n_links), n_nodes)
            edges = node_edges.gather(net.device_node[at_node])
            counts = np.diff(node_edges.indptr)[net.device_node[at_node]]
            pairs_dev.append(np.repeat(at_node, counts))
            pairs_edge.append(edges)
        device = np.concatenate(pairs_dev)
        edge = np.concatenate(pairs_edge)
        keep = edge >= 0
        self._cut_device, self._cut_edge = device[keep], edge[keep]

        cut = np.zeros(2 * n_links, dtype=bool)
        cut[self._cut_edge] = True
        whole = ~cut
        graph = coo_matrix(
            (np.ones(whole.sum(), dtype=np.int8), (edge_node[whole], edge_link[whole])),
            shape=(n_elem, n_elem),
        )
        self.n_segments, self.segment_of = connected_components(graph, directed=False)
        self._edge_node, self._edge_link = edge_node, edge_link

    def _segment_edges(self) -> None:
        """One segment edge per cut element edge, carrying the devices that sit on it."""
        net = self.net
        edges, inverse = np.unique(self._cut_edge, return_inverse=True)
        self._cut_inverse = inverse
        self._seg_a = self.segment_of[self._edge_node[edges]]
        self._seg_b = self.segment_of[self._edge_link[edges]]
        n_edges = len(edges)
        blocked = np.zeros(n_edges, dtype=bool)
        np.logical_or.at(blocked, inverse, ~net.device_passes[self._cut_device])
        self._blocked = blocked
        # Devices on each segment edge, and the segment edges of each device.
        self._edge_devices = _Csr(inverse, self._cut_device, n_edges)
        self._device_edges = _Csr(self._cut_device, inverse, len(net.device_ids))
        ends = np.concatenate([self._seg_a, self._seg_b])
        ids = np.concatenate([np.arange(n_edges), np.arange(n_edges)])
        self._seg_incident = _Csr(ends, ids, self.n_segments)

    def _supply_tree(self) -> None:
        """Depth-first tree of the normal-state graph from a virtual super-source."""
        net = self.net
        n = self.n_segments
        self._root = n
        live = np.flatnonzero(~self._blocked)
        source_seg = np.unique(self.segment_of[net.source_node]).astype(np.int64)
        root = np.full(len(source_seg), n)
        src = np.concatenate([self._seg_a[live], self._seg_b[live], root, source_seg])
        dst = np.concatenate([self._seg_b[live], self._seg_a[live], source_seg, root])
        eid = np.concatenate([live, live, np.full(2 * len(source_seg), -1)])
        # Adjacency of the normal-state graph, with the segment edge id per entry.
        order = np.lexsort((dst, src))
        self._adj_nbr = dst[order]
        self._adj_eid = eid[order]
        self._adj_ptr = np.concatenate([[0], np.cumsum(np.bincount(src, minlength=n + 1))])
        graph = csr_matrix(
            (np.ones(len(src), dtype=np.int8), self._adj_nbr, self._adj_ptr), shape=(n + 1, n + 1)
        )
        # A breadth-first tree is shallow, so the subtree below a removed segment stays
        # small; walking it depth-first then numbers every subtree as a contiguous run.
        reached, pred = breadth_first_order(graph, n, directed=False, return_predecessors=True)
        children = reached[1:]
        tree = csr_matrix(
            (np.ones(len(children), dtype=np.int8), (pred[children], children)),
            shape=(n + 1, n + 1),
        )
        preorder = depth_first_order(tree, n, directed=True, return_predecessors=False)
        self._supplied = np.zeros(n + 1, dtype=bool)
        self._supplied[preorder] = True
        self._preorder = preorder
        self._pos = np.full(n + 1, -1, dtype=np.int64)
        self._pos[preorder] = np.arange(len(preorder))
        self._pred = pred
        size = np.ones(n + 1, dtype=np.int64).tolist()
        for child, parent in zip(preorder[::-1].tolist(), pred[preorder[::-1]].tolist(),
                                 strict=True):
            if parent >= 0:
                size[parent] += size[child]
        self._size = np.asarray(size, dtype=np.int64)

    # ------------------------------------------------------------------ segment graph

    @property
    def segment_ends(self) -> tuple[np.ndarray, np.ndarray]:
        """Both end segments of every segment edge (a cut link end carrying devices)."""
        return self._seg_a, self._seg_b

    def edges_blocked(self, passes: np.ndarray) -> np.ndarray:
        """Per segment edge: some device on it does not pass, given each device's position."""
        blocked = np.zeros(len(self._seg_a), dtype=bool)
        np.logical_or.at(blocked, self._cut_inverse, ~passes[self._cut_device])
        return blocked

    def edge_devices(self, edge: int) -> np.ndarray:
        return self._edge_devices.row(edge)

    def device_edges(self, devices: np.ndarray) -> np.ndarray:
        return self._device_edges.gather(np.asarray(devices, dtype=np.int64))

    def incident_edges(self, segment: int) -> np.ndarray:
        return self._seg_incident.row(segment)

    def link_segments(self, link_ids: list[str]) -> np.ndarray:
        """The segments of these links (UnknownIdError for an id the network lacks)."""
        n_nodes = len(self.net.node_ids)
        links = [self._index(self.net.link_index, lid, "link") for lid in link_ids]
        return np.unique(self.segment_of[n_nodes + np.asarray(links, dtype=np.int64)])

    def source_segments(self) -> np.ndarray:
        return np.unique(self.segment_of[self.net.source_node]).astype(np.int64)

    def segment_contents(self, segments: np.ndarray) -> TraceResult:
        """The links, service points, addresses and customers of these segments."""
        return self._result([], np.empty(0, dtype=np.int64), segments)

    # ------------------------------------------------------------------ tracing

    def break_trace(self, link_ids: list[str]) -> TraceResult:
        """A fault on these links: isolate them with the nearest operable devices."""
        links = [self._index(self.net.link_index, lid, "link") for lid in link_ids]
        n_nodes = len(self.net.node_ids)
        start = {int(self.segment_of[n_nodes + link]) for link in links}
        isolated, boundary = self._isolate(start)
        edges = {e for e, other in boundary if other not in isolated}
        devices = sorted({self._first_operable(e) for e in edges})
        removed_edges = np.unique(self._device_edges.gather(np.asarray(devices, dtype=np.int64)))
        isolated_arr = np.fromiter(isolated, dtype=np.int64)
        cut_off = self._cut_off(isolated_arr, removed_edges)
        return self._result(devices, isolated_arr, np.concatenate([isolated_arr, cut_off]))

    def operate_trace(self, device_ids: list[str]) -> TraceResult:
        """These devices were operated so that supply no longer passes them."""
        devices = sorted({self._index(self.net.device_index, d, "device") for d in device_ids})
        passing = [d for d in devices if self.net.device_passes[d]]
        removed_edges = np.unique(self._device_edges.gather(np.asarray(passing, dtype=np.int64)))
        cut_off = self._cut_off(np.empty(0, dtype=np.int64), removed_edges)
        return self._result(passing, np.empty(0, dtype=np.int64), cut_off)

    def _index(self, index: dict[str, int], key: str, what: str) -> int:
        try:
            return index[str(key)]
        except KeyError:
            raise UnknownIdError(f"unknown {what} id {key!r}") from None

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
        operable = devices[self.net.device_operable[devices]]
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
        roots = np.concatenate([
            removed_vertices[self._supplied[removed_vertices]],
            b[pred[b] == a],
            a[pred[a] == b],
        ])
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
        self, start: int, state: np.ndarray, removed_edges: np.ndarray,
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
        addresses = {a for a in self._sp_address[sps].tolist() if a is not None}
        return TraceResult(
            devices_to_operate=sorted(self.net.device_ids[d] for d in devices),
            isolated_links=sorted(self._link_ids[self._seg_links.gather(isolated)].tolist()),
            affected_links=sorted(self._link_ids[self._seg_links.gather(affected)].tolist()),
            affected_service_points=sorted(self._sp_ids[sps].tolist()),
            affected_addresses=sorted(addresses),
            customers=int(self.net.sp_customers[sps].sum()),
        )
