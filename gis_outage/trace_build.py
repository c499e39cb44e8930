"""Build a trace engine's arrays from a network (once per network version).

The network is cut at every device; the connected pieces are segments, joined by
segment edges (cut link ends carrying devices). The supply tree is a breadth-first
spanning tree of the normal-state segment graph from a virtual super-source, walked
depth-first so every subtree is a contiguous preorder run. Everything is numpy arrays
and `IdTable`s (see trace_store.py), so the result can be written to one file and
memory-mapped by every process that traces on this version.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import breadth_first_order, connected_components, depth_first_order

from .critical import ranks
from .network import NO_NODE, Network, Problem
from .trace_store import IdTable


def small_ints(values: np.ndarray) -> np.ndarray:
    """int32 when every value fits, else int64 (indexes of very large networks)."""
    values = np.asarray(values)
    if values.size == 0 or (
        values.min() >= np.iinfo(np.int32).min and values.max() <= np.iinfo(np.int32).max
    ):
        return values.astype(np.int32)
    return values.astype(np.int64)


def grouped(keys: np.ndarray, values: np.ndarray, n_keys: int) -> tuple[np.ndarray, np.ndarray]:
    """Values grouped by key (CSR): the values in key order and the row pointers."""
    order = np.argsort(keys, kind="stable")
    indptr = np.concatenate([[0], np.cumsum(np.bincount(keys, minlength=n_keys))])
    return small_ints(np.asarray(values)[order]), small_ints(indptr)


def _gather(values: np.ndarray, indptr: np.ndarray, keys: np.ndarray) -> np.ndarray:
    starts, ends = indptr[keys], indptr[keys + 1]
    counts = ends - starts
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return values[np.repeat(starts, counts) + offsets]


def build_arrays(net: Network) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Every array a trace needs, and the meta data (sizes, tolerance, CRS, warnings)."""
    out: dict[str, np.ndarray] = {}
    n_nodes, n_links = len(net.node_ids), len(net.link_ids)
    segment_of, n_segments, cut_device, cut_edge, edge_node, edge_link = _segments(net)
    out["segment_of"] = small_ints(segment_of)

    # One segment edge per cut element edge, carrying the devices that sit on it.
    edges, inverse = np.unique(cut_edge, return_inverse=True)
    seg_a, seg_b = segment_of[edge_node[edges]], segment_of[edge_link[edges]]
    n_edges = len(edges)
    blocked = np.zeros(n_edges, dtype=bool)
    np.logical_or.at(blocked, inverse, ~net.device_passes[cut_device])
    out.update(
        seg_a=small_ints(seg_a),
        seg_b=small_ints(seg_b),
        blocked=blocked,
    )
    _csr(out, "edge_devices", inverse, cut_device, n_edges)
    _csr(out, "device_edges", cut_device, inverse, len(net.device_ids))
    _csr(
        out,
        "seg_incident",
        np.concatenate([seg_a, seg_b]),
        np.concatenate([np.arange(n_edges), np.arange(n_edges)]),
        n_segments,
    )
    out.update(_supply_tree(net, segment_of, n_segments, seg_a, seg_b, blocked))

    link_seg = segment_of[n_nodes + np.arange(n_links)]
    _csr(out, "seg_links", link_seg, np.arange(n_links), n_segments)
    out["node_only"] = np.bincount(link_seg, minlength=n_segments) == 0
    sp_elem = np.where(net.sp_link != NO_NODE, n_nodes + net.sp_link, net.sp_node)
    sp_segment = segment_of[sp_elem]
    _csr(out, "seg_sps", sp_segment, np.arange(len(net.sp_ids)), n_segments)

    out["device_passes"] = np.asarray(net.device_passes, dtype=bool)
    out["device_operable"] = np.asarray(net.device_operable, dtype=bool)
    out["source_node"] = small_ints(net.source_node)
    customers = np.asarray(net.sp_customers)
    most = int(customers.max()) if customers.size else 0
    small = next((t for t in (np.int8, np.int16) if most <= np.iinfo(t).max), None)
    out["sp_customers"] = customers.astype(small) if small else small_ints(customers)
    out["sp_link"] = small_ints(net.sp_link)
    addresses = sorted({a for a in net.sp_address if a is not None})
    code = {a: i for i, a in enumerate(addresses)}
    out["sp_address"] = small_ints(
        np.fromiter(
            (-1 if a is None else code[a] for a in net.sp_address),
            dtype=np.int64,
            count=len(net.sp_address),
        )
    )
    out["sp_xy"], out["sp_xy_origin"] = _sp_points(net)
    out["sp_critical"] = ranks(net.sp_critical, len(net.sp_ids))
    for name, ids in (
        ("link_ids", net.link_ids),
        ("node_ids", net.node_ids),
        ("device_ids", net.device_ids),
        ("sp_ids", net.sp_ids),
        ("address_ids", addresses),
    ):
        out.update(IdTable.of(ids).arrays(name))

    warnings = list(net.warnings)
    supplied = int(out["supplied"][link_seg].sum()) if n_links else 0
    if len(net.source_ids) and n_links and not supplied:
        warnings.append(Problem("sources", None, "no link is supplied in normal operation: "
                                "every source is cut off by a device that does not pass "
                                "supply"))
    elif len(net.source_ids) and n_links >= 10 and supplied < n_links / 2:
        warnings.append(Problem("links", None, f"most links are not supplied in normal "
                                f"operation: {n_links - supplied} of {n_links} (check the "
                                "sources and the devices that do not pass supply)"))
    crs = net.crs
    meta = {
        "n_nodes": n_nodes,
        "n_links": n_links,
        "n_segments": int(n_segments),
        "snap_tolerance_m": float(net.snap_tolerance_m),
        "crs": crs.to_wkt() if crs is not None else None,
        "warnings": [[w.layer, w.feature_id, w.message] for w in warnings],
    }
    return out, meta


def _csr(
    out: dict[str, np.ndarray], name: str, keys: np.ndarray, values: np.ndarray, n_keys: int
) -> None:
    out[f"{name}.values"], out[f"{name}.indptr"] = grouped(keys, values, n_keys)


def _segments(
    net: Network,
) -> tuple[np.ndarray, int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Elements are nodes and links; an element edge joins a link to one of its end nodes.

    Edge 2*l is link l's from-end, 2*l+1 its to-end. A device cuts the element
    edges it sits on: one link end, or every link end at its node.
    """
    n_nodes, n_links = len(net.node_ids), len(net.link_ids)
    n_elem = n_nodes + n_links
    links = np.arange(n_links)
    edge_node = np.empty(2 * n_links, dtype=np.int64)
    edge_node[0::2], edge_node[1::2] = net.link_from, net.link_to
    edge_link = np.repeat(n_nodes + links, 2)

    on_link = net.device_link != NO_NODE
    dev = np.flatnonzero(on_link)
    pairs_dev = [dev, dev]
    pairs_edge = [
        np.where(
            net.link_from[net.device_link[dev]] == net.device_node[dev],
            2 * net.device_link[dev],
            -1,
        ),
        np.where(
            net.link_to[net.device_link[dev]] == net.device_node[dev],
            2 * net.device_link[dev] + 1,
            -1,
        ),
    ]
    at_node = np.flatnonzero(~on_link)
    if len(at_node):
        values, indptr = grouped(edge_node, np.arange(2 * n_links), n_nodes)
        edges = _gather(values, indptr, net.device_node[at_node])
        counts = np.diff(indptr)[net.device_node[at_node]]
        pairs_dev.append(np.repeat(at_node, counts))
        pairs_edge.append(edges)
    device = np.concatenate(pairs_dev)
    edge = np.concatenate(pairs_edge)
    keep = edge >= 0
    cut_device, cut_edge = device[keep], edge[keep]

    cut = np.zeros(2 * n_links, dtype=bool)
    cut[cut_edge] = True
    whole = ~cut
    graph = coo_matrix(
        (np.ones(whole.sum(), dtype=np.int8), (edge_node[whole], edge_link[whole])),
        shape=(n_elem, n_elem),
    )
    n_segments, segment_of = connected_components(graph, directed=False)
    return segment_of, int(n_segments), cut_device, cut_edge, edge_node, edge_link


def _supply_tree(
    net: Network,
    segment_of: np.ndarray,
    n: int,
    seg_a: np.ndarray,
    seg_b: np.ndarray,
    blocked: np.ndarray,
) -> dict[str, np.ndarray]:
    """Depth-first tree of the normal-state graph from a virtual super-source."""
    live = np.flatnonzero(~blocked)
    source_seg = np.unique(segment_of[net.source_node]).astype(np.int64)
    root = np.full(len(source_seg), n)
    src = np.concatenate([seg_a[live], seg_b[live], root, source_seg])
    dst = np.concatenate([seg_b[live], seg_a[live], source_seg, root])
    eid = np.concatenate([live, live, np.full(2 * len(source_seg), -1)])
    # Adjacency of the normal-state graph, with the segment edge id per entry.
    order = np.lexsort((dst, src))
    adj_nbr, adj_eid = dst[order], eid[order]
    adj_ptr = np.concatenate([[0], np.cumsum(np.bincount(src, minlength=n + 1))])
    graph = csr_matrix((np.ones(len(src), dtype=np.int8), adj_nbr, adj_ptr), shape=(n + 1, n + 1))
    # A breadth-first tree is shallow, so the subtree below a removed segment stays
    # small; walking it depth-first then numbers every subtree as a contiguous run.
    reached, pred = breadth_first_order(graph, n, directed=False, return_predecessors=True)
    children = reached[1:]
    tree = csr_matrix(
        (np.ones(len(children), dtype=np.int8), (pred[children], children)),
        shape=(n + 1, n + 1),
    )
    preorder = depth_first_order(tree, n, directed=True, return_predecessors=False)
    supplied = np.zeros(n + 1, dtype=bool)
    supplied[preorder] = True
    pos = np.full(n + 1, -1, dtype=np.int64)
    pos[preorder] = np.arange(len(preorder))
    size = np.ones(n + 1, dtype=np.int64).tolist()
    for child, parent in zip(preorder[::-1].tolist(), pred[preorder[::-1]].tolist(), strict=True):
        if parent >= 0:
            size[parent] += size[child]
    return {
        "adj_nbr": small_ints(adj_nbr),
        "adj_eid": small_ints(adj_eid),
        "adj_ptr": small_ints(adj_ptr),
        "supplied": supplied,
        "preorder": small_ints(preorder),
        "pos": small_ints(pos),
        "pred": small_ints(pred),
        "size": small_ints(np.asarray(size, dtype=np.int64)),
    }


def _sp_points(net: Network) -> tuple[np.ndarray, np.ndarray]:
    """Each service point's x, y in the network's CRS (NaN where it has no point), as
    float32 offsets from the smallest x and y (the origin, float64).

    The offsets span the network, so float32 keeps each axis to span × 2⁻²⁴ (1.8 cm
    across 300 km, 1.2e-7 degrees across 2 degrees), enough for the public area drawn
    around the points, at half the memory of float64 coordinates."""
    xy = np.full((len(net.sp_ids), 2), np.nan)
    sps = net.layers.get("service_points")
    if sps is not None and not sps.empty and len(net.sp_ids):
        geoms = sps.geometry.to_numpy()
        row = {sid: i for i, sid in enumerate(sps["id"].tolist())}
        picked = geoms[[row[s] for s in net.sp_ids]]
        usable = ~(shapely.is_missing(picked) | shapely.is_empty(picked))
        xy[usable] = shapely.get_coordinates(picked[usable])[:, :2]
    located = xy[~np.isnan(xy).any(axis=1)]
    origin = located.min(axis=0) if len(located) else np.zeros(2)
    return (xy - origin).astype(np.float32), origin.astype(np.float64)
