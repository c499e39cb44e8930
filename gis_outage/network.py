"""The network model: read interchange layers, validate them, build topology.

`read_layers` reads the GeoPackage (or a folder of Shapefiles/GeoJSON) into
GeoDataFrames; `build_network` checks every feature and turns the layers into
the compact index arrays the trace engine works on. Every problem found is
reported at once, by layer and feature id, so an engineer can fix a file in
one round.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.cluster.hierarchy import DisjointSet
from scipy.spatial import cKDTree

from .config import NetworkSettings
from .critical import categories
from .metric import Metres, metres_for
from .network_files import FOLDER_SUFFIXES, LAYERS, read_layers  # noqa: F401
from .network_problems import NetworkError, Problem, describe, topology_warnings  # noqa: F401

REQUIRED_LAYERS = ("links",)
DEVICE_KINDS = ("valve", "switch", "breaker", "fuse")
NO_NODE = -1
_GEOMETRY_TYPE_IDS = {"Point": 0, "LineString": 1}
_BOOL_WORDS = {
    **dict.fromkeys(("true", "t", "yes", "y", "1", "1.0"), True),
    **dict.fromkeys(("false", "f", "no", "n", "0", "0.0"), False),
}


@dataclass
class Network:
    """Topology as index arrays; ids stay text, positions are ints."""

    node_ids: list[str]
    link_ids: list[str]
    link_from: np.ndarray
    link_to: np.ndarray
    device_ids: list[str]
    device_link: np.ndarray  # link index or NO_NODE for a device at a node
    device_node: np.ndarray  # the node end it sits at
    device_passes: np.ndarray  # bool: passes supply in normal operation
    device_operable: np.ndarray  # bool
    source_ids: list[str]
    source_node: np.ndarray
    sp_ids: list[str]
    sp_link: np.ndarray  # link index or NO_NODE
    sp_node: np.ndarray  # node index or NO_NODE
    sp_address: list[str | None]
    sp_customers: np.ndarray
    # A critical customer's category (CriticalCategory) per service point, None for others.
    sp_critical: list[str | None] = field(default_factory=list)
    snap_tolerance_m: float = 0.0  # what the topology was built with
    # Usable but worth a look (a zero-length link, no sources...): shown on import and trace.
    warnings: list[Problem] = field(default_factory=list)
    layers: dict[str, gpd.GeoDataFrame] = field(repr=False, default_factory=dict)
    link_index: dict[str, int] = field(init=False, repr=False)
    device_index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.link_index = {lid: i for i, lid in enumerate(self.link_ids)}
        self.device_index = {did: i for i, did in enumerate(self.device_ids)}

    @property
    def crs(self):
        return self.layers["links"].crs if "links" in self.layers else None


# --------------------------------------------------------------------------- building


class _Checker:
    """Collects problems so that all of them are reported together.

    Most problems concern one feature, and the checks go on without it, so that one run
    reports them all; a `fatal` one (a missing layer or column) leaves nothing to check.
    """

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.fatal = False

    def add(self, layer: str, fid: object, message: str, fatal: bool = False) -> None:
        self.problems.append(Problem(layer, None if fid is None else str(fid), message))
        self.fatal = self.fatal or fatal

    def warn(self, layer: str, fid: object, message: str) -> None:
        self.warnings.append(Problem(layer, None if fid is None else str(fid), message))

    def stop_if_fatal(self) -> None:
        if self.fatal:
            raise NetworkError(self.problems)

    def raise_if_any(self) -> None:
        if self.problems:
            raise NetworkError(self.problems)


def build_network(
    layers: dict[str, gpd.GeoDataFrame], snap_tolerance_m: float | None = None
) -> Network:
    """Validate the layers and build the topology the trace engine needs.

    `snap_tolerance_m` (default: the `network.snap_tolerance_m` setting) is in metres
    whatever the CRS: distances are measured in a local metric CRS chosen from the data.
    """
    if snap_tolerance_m is None:
        snap_tolerance_m = NetworkSettings().snap_tolerance_m
    check = _Checker()
    for name in REQUIRED_LAYERS:
        if name not in layers or layers[name].empty:
            check.add(name, None, "layer is missing or empty", fatal=True)
    check.stop_if_fatal()

    layers = {name: _normalise_ids(gdf, name, check) for name, gdf in layers.items()}
    layers = _in_links_crs(layers)
    links = layers["links"]
    _check_geometries(links, "links", ("LineString",), check)
    for name in ("devices", "sources", "service_points", "addresses"):
        if name in layers:
            _check_geometries(layers[name], name, ("Point",), check)
    check.stop_if_fatal()

    metres, odd_crs = metres_for(links.crs, shapely.get_coordinates(links.geometry.to_numpy()))
    if odd_crs:
        check.warn("links", None, odd_crs)
    node_ids, link_from, link_to = _link_topology(links, metres, snap_tolerance_m, check)
    check.stop_if_fatal()
    node_index = pd.Index(node_ids)
    link_index = _unique_index(links["id"])
    endpoints = _node_points(links, metres, link_from, link_to, len(node_ids))

    devices = layers.get("devices", _empty())
    dev_link, dev_node = _place_devices(
        devices, link_index, node_index, link_from, link_to, endpoints, metres, check
    )
    passes = _bool_column(devices, "normally_passes", True, "devices", check)
    operable = _bool_column(devices, "operable", True, "devices", check)
    if "kind" in devices and len(devices):
        bad = ~devices["kind"].isna() & ~devices["kind"].astype(str).str.lower().isin(DEVICE_KINDS)
        for fid, kind in zip(devices["id"][bad], devices["kind"][bad], strict=True):
            check.add("devices", fid, f"kind {kind!r} is not one of {', '.join(DEVICE_KINDS)}")

    sources = layers.get("sources", _empty())
    source_node = _place_sources(sources, node_index, endpoints, metres, snap_tolerance_m,
                                 check)

    addresses = layers.get("addresses")
    sps = layers.get("service_points", _empty())
    sp_link, sp_node, sp_address, sp_customers = _place_service_points(
        sps, link_index, node_index, addresses, check
    )
    sp_critical = categories(sps, check.add)
    check.raise_if_any()
    for layer, message in topology_warnings(len(node_ids), link_from, link_to, len(sources)):
        check.warn(layer, None, message)

    return Network(
        node_ids=node_ids,
        link_ids=list(links["id"]),
        link_from=link_from,
        link_to=link_to,
        device_ids=list(devices["id"]) if len(devices) else [],
        device_link=dev_link,
        device_node=dev_node,
        device_passes=passes,
        device_operable=operable,
        source_ids=list(sources["id"]) if len(sources) else [],
        source_node=source_node,
        sp_ids=list(sps["id"]) if len(sps) else [],
        sp_link=sp_link,
        sp_node=sp_node,
        sp_address=sp_address,
        sp_customers=sp_customers,
        sp_critical=sp_critical,
        snap_tolerance_m=float(snap_tolerance_m),
        warnings=check.warnings,
        layers=layers,
    )


def _unique_index(ids: pd.Series) -> pd.Index:
    """Ids by row position for look-ups; a repeated or missing id (already a problem) gets
    a key no reference can name."""
    keys = ids.astype(object).copy()
    unusable = (ids.duplicated(keep="first") | ids.isna()).to_numpy()
    keys[unusable] = [f"\0row {i}" for i in np.flatnonzero(unusable)]
    return pd.Index(keys)


def _empty() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"id": pd.Series([], dtype=str)}, geometry=gpd.GeoSeries([]))


def _text(values: pd.Series) -> pd.Series:
    """Ids as text: 12.0 read from a float column is "12", blank is None."""
    # A list of None: `pd.Series(None, dtype=object)` would hold NaN, which is not text.
    out = pd.Series([None] * len(values), index=values.index, dtype=object)
    if pd.api.types.is_float_dtype(values):
        whole = values.notna() & (values == np.floor(values))
        out[whole] = values[whole].astype(np.int64).astype(str)
        rest = values.notna() & ~whole
        out[rest] = values[rest].astype(str)
        return out
    given = values.notna().to_numpy()
    original = values.to_numpy(dtype=object)[given]
    # numpy's string functions run in C; pandas' .str would call Python per value.
    as_text = original.astype(str)
    text = np.char.strip(as_text)
    # Keep the file's own str objects where nothing changed: ids are most of the memory.
    is_str = np.fromiter((type(v) is str for v in original), dtype=bool, count=len(original))
    kept = np.where(is_str & (text == as_text), original, text.astype(object))
    rows = np.flatnonzero(given)[text != ""]
    out.iloc[rows] = kept[text != ""]
    return out

def _normalise_ids(gdf: gpd.GeoDataFrame, layer: str, check: _Checker) -> gpd.GeoDataFrame:
    gdf = gdf.copy()
    if "id" not in gdf.columns:
        check.add(layer, None, "column 'id' is missing", fatal=True)
        return gdf
    gdf["id"] = _text(gdf["id"])
    for position in np.flatnonzero(gdf["id"].isna().to_numpy()):
        check.add(layer, f"#{position + 1}", "feature has no id")
    dupes = gdf["id"][gdf["id"].duplicated(keep="first") & gdf["id"].notna()]
    for fid in sorted(set(dupes)):
        check.add(layer, fid, "id is used by more than one feature")
    for column in ("from_node", "to_node", "link_id", "node_id", "address_id"):
        if column in gdf.columns:
            gdf[column] = _text(gdf[column])
    return gdf


def _check_geometries(
    gdf: gpd.GeoDataFrame, layer: str, kinds: tuple[str, ...], check: _Checker
) -> None:
    if "id" not in gdf.columns or gdf.empty:
        return
    if layer == "links":
        # A MultiLineString that is really one line (common from Shapefiles) is accepted.
        geoms = gdf.geometry.to_numpy().copy()
        multi = shapely.get_type_id(geoms) == 5
        if multi.any():
            geoms[multi] = shapely.line_merge(geoms[multi])
            gdf[gdf.geometry.name] = geoms
    geoms = gdf.geometry.to_numpy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    types = np.asarray(shapely.get_type_id(geoms))
    wrong = ~missing & ~np.isin(types, [_GEOMETRY_TYPE_IDS[k] for k in kinds])
    zero = np.zeros(len(geoms), dtype=bool)
    if layer == "links":
        zero = ~missing & ~wrong & (shapely.length(geoms) == 0)
    # A zero-length link (a pump or transformer drawn at one point) is valid where its
    # node ids say what it joins; without them its ends say nothing.
    joined = _column(gdf, "from_node").notna().to_numpy() & _column(
        gdf, "to_node").notna().to_numpy()
    ids = gdf["id"].to_numpy()
    for row in np.flatnonzero(missing | wrong | zero):
        if missing[row]:
            check.add(layer, ids[row], "geometry is missing or empty")
        elif wrong[row]:
            kind = geoms[row].geom_type
            check.add(layer, ids[row], f"geometry is {kind}, expected {' or '.join(kinds)}")
        elif joined[row]:
            check.warn(layer, ids[row], "line has zero length; kept, joined by from_node/to_node")
        else:
            check.add(layer, ids[row], "line has zero length and no from_node/to_node")

def _link_topology(
    links: gpd.GeoDataFrame, metres: Metres, tolerance: float, check: _Checker
) -> tuple[list[str], np.ndarray, np.ndarray]:
    has_from = "from_node" in links.columns and links["from_node"].notna().any()
    has_to = "to_node" in links.columns and links["to_node"].notna().any()
    if has_from or has_to:
        for column in ("from_node", "to_node"):
            if column not in links.columns:
                check.add("links", None, f"column {column!r} is missing while the other is "
                          "given", fatal=True)
                return [], np.empty(0, int), np.empty(0, int)
            for fid in links["id"][links[column].isna()]:
                check.add("links", fid, f"{column} is empty")
        codes, uniques = pd.factorize(pd.concat([links["from_node"], links["to_node"]]))
        node_ids = [str(u) for u in uniques]
        # An empty end (already a problem) gets a node of its own, so that the checks of
        # references can go on.
        empty = np.flatnonzero(codes < 0)
        codes[empty] = len(node_ids) + np.arange(len(empty))
        node_ids += [f"\0end {i}" for i in range(len(empty))]
        n = len(links)
        return node_ids, codes[:n].astype(np.int64), codes[n:].astype(np.int64)
    return _snap_endpoints(links, metres, tolerance)


def _snap_endpoints(
    links: gpd.GeoDataFrame, metres: Metres, tolerance: float
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Endpoints within `tolerance` metres of each other become one node."""
    starts, ends = _ends(links)
    points = metres(np.vstack([starts, ends]))
    groups = DisjointSet(range(len(points)))
    # A line without geometry (already a problem) has ends of its own.
    usable = np.flatnonzero(np.isfinite(points).all(axis=1))
    for a, b in cKDTree(points[usable]).query_pairs(tolerance, output_type="ndarray"):
        groups.merge(int(usable[a]), int(usable[b]))
    roots = np.fromiter((groups[i] for i in range(len(points))), dtype=np.int64, count=len(points))
    codes, _ = pd.factorize(roots)
    n = len(links)
    node_ids = [f"N{i + 1}" for i in range(codes.max() + 1)]
    return node_ids, codes[:n].astype(np.int64), codes[n:].astype(np.int64)


def _in_links_crs(layers: dict[str, gpd.GeoDataFrame]) -> dict[str, gpd.GeoDataFrame]:
    """Point layers in another CRS than the links' are reprojected to it."""
    crs = layers["links"].crs
    return {
        name: gdf.to_crs(crs)
        if crs is not None and gdf.crs is not None and gdf.crs != crs and len(gdf) else gdf
        for name, gdf in layers.items()
    }


def _ends(links: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """First and last vertex of every line (NaN where a line has no geometry)."""
    geoms = links.geometry.to_numpy()
    coords = shapely.get_coordinates(geoms)
    counts = shapely.get_num_coordinates(geoms)
    last = np.cumsum(counts) - 1
    has = counts > 0
    starts = np.full((len(geoms), 2), np.nan)
    ends = starts.copy()
    starts[has] = coords[(last - counts + 1)[has]]
    ends[has] = coords[last[has]]
    return starts, ends


def _node_points(
    links: gpd.GeoDataFrame, metres: Metres, link_from: np.ndarray, link_to: np.ndarray,
    n_nodes: int,
) -> np.ndarray:
    """A coordinate per node in metres, taken from the link ends that meet there."""
    starts, ends = (metres(xy) for xy in _ends(links))
    coords = np.full((n_nodes, 2), np.nan)
    coords[link_to] = ends
    coords[link_from] = starts
    return coords

def _lookup(values: pd.Series, index: pd.Index) -> tuple[np.ndarray, np.ndarray]:
    """Positions of ids (NO_NODE when empty) and the rows whose id is unknown."""
    positions = index.get_indexer(values.to_numpy(dtype=object)).astype(np.int64)
    unknown = np.flatnonzero((positions < 0) & values.notna().to_numpy())
    positions[positions < 0] = NO_NODE
    return positions, unknown

def _is_point(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """Rows whose geometry is a point (the others are already problems)."""
    geoms = gdf.geometry.to_numpy()
    return ~shapely.is_missing(geoms) & (shapely.get_type_id(geoms) == 0) & ~shapely.is_empty(
        geoms)


def _column(gdf: gpd.GeoDataFrame, name: str) -> pd.Series:
    return gdf[name] if name in gdf else pd.Series([None] * len(gdf), index=gdf.index)


def _references(
    gdf: gpd.GeoDataFrame, layer: str, link_index: pd.Index, node_index: pd.Index,
    check: _Checker,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The link and node each feature names (NO_NODE when none), and the rows in error."""
    ids = list(gdf["id"])
    link_col, node_col = _column(gdf, "link_id"), _column(gdf, "node_id")
    links, bad_links = _lookup(link_col, link_index)
    nodes, bad_nodes = _lookup(node_col, node_index)
    for row in bad_links:
        check.add(layer, ids[row], f"link_id {link_col.iloc[row]!r} is not a link")
    for row in bad_nodes:
        check.add(layer, ids[row], f"node_id {node_col.iloc[row]!r} is not a node")
    bad = np.zeros(len(gdf), dtype=bool)
    bad[bad_links] = True
    bad[bad_nodes] = True
    for row in np.flatnonzero(~bad & (links == NO_NODE) & (nodes == NO_NODE)):
        check.add(layer, ids[row], "needs link_id or node_id")
    return links, nodes, bad


def _place_devices(
    devices: gpd.GeoDataFrame,
    link_index: pd.Index,
    node_index: pd.Index,
    link_from: np.ndarray,
    link_to: np.ndarray,
    node_xy: np.ndarray,
    metres: Metres,
    check: _Checker,
) -> tuple[np.ndarray, np.ndarray]:
    n = len(devices)
    if n == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    ids = list(devices["id"])
    dev_link, dev_node, bad = _references(devices, "devices", link_index, node_index, check)
    link_col, node_col = _column(devices, "link_id"), _column(devices, "node_id")
    on_link = ~bad & (dev_link != NO_NODE)
    # On a link without node_id: at the end nearest the device's point.
    nearest = np.flatnonzero(on_link & (dev_node == NO_NODE) & _is_point(devices))
    if len(nearest):
        xy = metres(shapely.get_coordinates(devices.geometry.to_numpy()[nearest]))
        a, b = link_from[dev_link[nearest]], link_to[dev_link[nearest]]
        da = np.hypot(*(node_xy[a] - xy).T)
        db = np.hypot(*(node_xy[b] - xy).T)
        dev_node[nearest] = np.where(da <= db, a, b)
    given = on_link & (dev_node != NO_NODE)
    given[nearest] = False
    links = dev_link[given]
    off_end = (dev_node[given] != link_from[links]) & (dev_node[given] != link_to[links])
    for row in np.flatnonzero(given)[off_end]:
        check.add(
            "devices",
            ids[row],
            f"node_id {node_col.iloc[row]!r} is not an end of link {link_col.iloc[row]!r}",
        )
    return dev_link, dev_node


def _bool_column(
    gdf: gpd.GeoDataFrame, column: str, default: bool, layer: str, check: _Checker
) -> np.ndarray:
    if column not in gdf.columns or len(gdf) == 0:
        return np.full(len(gdf), default, dtype=bool)
    values = gdf[column]
    if pd.api.types.is_bool_dtype(values):
        return values.to_numpy(dtype=bool)
    words = values.astype("string").str.strip().str.lower()
    parsed = words.map(_BOOL_WORDS).astype(object)
    out = np.where(parsed.isna(), default, parsed).astype(bool)
    bad = (words.notna() & parsed.isna()).to_numpy()
    for fid, value in zip(gdf["id"][bad], values[bad], strict=True):
        check.add(layer, fid, f"{column} must be true or false, not {value!r}")
    return out

def _place_sources(
    sources: gpd.GeoDataFrame,
    node_index: pd.Index,
    node_xy: np.ndarray,
    metres: Metres,
    tolerance: float,
    check: _Checker,
) -> np.ndarray:
    n = len(sources)
    if n == 0:
        return np.empty(0, np.int64)
    ids = list(sources["id"])
    node_col = _column(sources, "node_id")
    nodes, unknown = _lookup(node_col, node_index)
    for row in unknown:
        check.add("sources", ids[row], f"node_id {node_col.iloc[row]!r} is not a node")
    missing = np.flatnonzero((nodes == NO_NODE) & _is_point(sources))
    missing = missing[~np.isin(missing, unknown)]
    placed = np.flatnonzero(np.isfinite(node_xy).all(axis=1))
    if len(missing) and len(placed):
        # A source without node_id is placed on the node at its point.
        xy = metres(shapely.get_coordinates(sources.geometry.to_numpy()[missing]))
        dist, nearest = cKDTree(node_xy[placed]).query(xy)
        for row, d, node in zip(missing, dist, placed[nearest], strict=True):
            if d <= tolerance:
                nodes[row] = node
            else:
                check.add("sources", ids[row], f"has no node_id and is not on a link end "
                          f"(the nearest is {d:.3g} m away; the snap tolerance is "
                          f"{tolerance:g} m)")
    return nodes


def _place_service_points(
    sps: gpd.GeoDataFrame,
    link_index: pd.Index,
    node_index: pd.Index,
    addresses: gpd.GeoDataFrame | None,
    check: _Checker,
) -> tuple[np.ndarray, np.ndarray, list[str | None], np.ndarray]:
    n = len(sps)
    if n == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64), [], np.empty(0, np.int64)
    sp_link, sp_node, _ = _references(sps, "service_points", link_index, node_index, check)
    address_col = list(sps["address_id"]) if "address_id" in sps else [None] * n
    if addresses is not None and "id" in addresses and "address_id" in sps:
        unknown = sps["address_id"].notna() & ~sps["address_id"].isin(addresses["id"])
        for fid, address in zip(sps["id"][unknown], sps["address_id"][unknown], strict=True):
            check.add("service_points", fid, f"address_id {address!r} is not an address")
    customers = np.ones(n, dtype=np.int64)
    if "customers" in sps:
        raw = sps["customers"]
        number = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
        given = raw.notna().to_numpy()
        bad = given & (np.isnan(number) | (number < 0) | (number != np.floor(number)))
        for fid, value in zip(sps["id"][bad], raw[bad], strict=True):
            check.add(
                "service_points", fid, f"customers must be a whole number ≥ 0, not {value!r}"
            )
        ok = given & ~bad
        customers[ok] = number[ok].astype(np.int64)
    return sp_link, sp_node, address_col, customers

