"""pandapower network -> interchange GeoPackage layers.

- Buses are the nodes (id = bus index as text).
- Lines (``kind`` cable for pandapower type ``cs``, else line), transformers (transformer),
  impedances (impedance) and DC lines (dcline) are links between their buses; a
  three-winding transformer is a star of three links (``trafo3w-<i>-hv|mv|lv``) around a
  node ``trafo3w-<i>``.
- A bus-bus switch is a short link (bus_coupler) carrying the switch as a device at the
  switch's ``bus``; a line/transformer switch is a device on that link at that bus, which is
  pandapower's meaning too (an open line switch cuts the line off that bus). ``closed`` is
  ``normally_passes``; ``type`` CB is a breaker, anything else (LBS, DS, LS) a switch.
- Out-of-service branches get a normally open device at each end; an out-of-service bus
  gets a normally open device at the node, and no service point, as pandapower leaves it
  out of its graph.
- In-service external grids and slack generators are the sources.
- A service point per in-service bus (id = bus id, customers = number of in-service loads
  at the bus, at least 1), so affected service points are the affected buses.

Geodata: pandapower 3 keeps GeoJSON in ``net.bus.geo`` and ``net.line.geo`` (WGS84). A
net without bus geodata gets a schematic spring layout and no CRS.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import networkx as nx
import pandas as pd
from shapely.geometry import LineString, Point, shape

from gis_outage.convert.gpkg import (
    ConvertError,
    layer,
    one_line,
    point_near_end,
    polyline,
    write_layers,
)

if TYPE_CHECKING:
    from pandapower.auxiliary import pandapowerNet

WGS84 = "EPSG:4326"
# table, from-bus column, to-bus column, kind, switch element type ("et")
BRANCH_TABLES: tuple[tuple[str, str, str, str, str | None], ...] = (
    ("line", "from_bus", "to_bus", "line", "l"),
    ("trafo", "hv_bus", "lv_bus", "transformer", "t"),
    ("impedance", "from_bus", "to_bus", "impedance", None),
    ("dcline", "from_bus", "to_bus", "dcline", None),
)
TRAFO3W_SIDES = ("hv", "mv", "lv")


def load_net(net_or_path: pandapowerNet | Path | str) -> pandapowerNet:
    """A pandapower net, or one read from a .json (or .xlsx) file; ConvertError when the
    file is missing, unreadable, not a pandapower net or has no buses and branches."""
    # pandapower logs at INFO on import that plotly is missing: not the user's concern.
    logging.getLogger("pandapower").setLevel(logging.WARNING)
    import pandapower as pp

    if not isinstance(net_or_path, str | Path):
        return net_or_path
    path = Path(net_or_path)
    suffix = path.suffix.lower()
    if suffix in (".p", ".pkl", ".pickle"):
        # Unpickling a file runs whatever code it holds.
        raise ConvertError(f"{path}: pickle files are not read (they can run code); save the "
                           "net with pandapower.to_json and convert the .json")
    if not path.is_file():
        raise ConvertError(f"{path}: file not found")
    try:
        net = (pp.from_excel if suffix == ".xlsx" else pp.from_json)(str(path))
    except Exception as exc:  # pandapower raises anything from JSONDecodeError to KeyError
        raise ConvertError(f"{path}: not a readable pandapower net (broken or truncated?): "
                           f"{one_line(exc)}") from None
    if not hasattr(net, "bus") or not hasattr(net, "line"):
        raise ConvertError(f"{path}: the file holds no pandapower net")
    if net.bus.empty or all(getattr(net, table).empty
                            for table, *_ in BRANCH_TABLES + (("trafo3w",),)):
        raise ConvertError(f"{path}: the net has no buses or no lines, transformers, "
                           "impedances or DC lines")
    return net


def link_id(table: str, index: Any, side: str | None = None) -> str:
    """Link id of a branch element (``line-3``, ``trafo-0``, ``trafo3w-1-mv``)."""
    return f"{table}-{index}" if side is None else f"{table}-{index}-{side}"


def switch_device_id(index: Any) -> str:
    """Device id of pandapower switch ``index``."""
    return f"switch-{index}"


def coupler_link_id(index: Any) -> str:
    """Link id of the short link that carries bus-bus switch ``index``."""
    return f"coupler-{index}"


def _parse_geo(value: Any) -> Any:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, str):
        value = json.loads(value)
    return shape(value)


def _bus_points(net: pandapowerNet) -> tuple[dict[int, Point], str | None]:
    geo = net.bus["geo"] if "geo" in net.bus else pd.Series(None, index=net.bus.index)
    points = {int(b): _parse_geo(g) for b, g in geo.items()}
    if all(p is not None for p in points.values()):
        return points, WGS84
    import pandapower.topology as top

    graph = top.create_nxgraph(net, respect_switches=False, include_out_of_service=True)
    graph.add_nodes_from(points)
    layout = nx.spring_layout(nx.Graph(graph), seed=0)
    return {int(b): Point(*layout[b]) for b in points}, None


def _in_service(frame: pd.DataFrame) -> pd.Series:
    if "in_service" in frame:
        return frame["in_service"].fillna(True).astype(bool)
    return pd.Series(True, index=frame.index)


class _Builder:
    """Collects the rows of each layer while walking the pandapower tables."""

    def __init__(self, net: pandapowerNet) -> None:
        self.net = net
        self.points, self.crs = _bus_points(net)
        self.links: list[dict[str, Any]] = []
        self.devices: list[dict[str, Any]] = []
        self.geometry: dict[str, LineString] = {}
        self.ends: dict[str, tuple[str, str]] = {}
        # (switch element type, element index, bus) -> link id the switch sits on
        self.switchable: dict[tuple[str, int, int], str] = {}

    def add_link(self, lid: str, a: str, b: str, kind: str, line: Any, **extra: Any) -> None:
        self.geometry[lid] = line
        self.ends[lid] = (a, b)
        self.links.append(
            {"id": lid, "from_node": a, "to_node": b, "kind": kind, **extra, "geometry": line}
        )

    def add_device(
        self, did: str, lid: str | None, node: str, kind: str, passes: bool, **extra: Any
    ) -> None:
        if lid is None:
            point = self.points[int(node)]
        else:
            point = point_near_end(self.geometry[lid], node == self.ends[lid][0])
        self.devices.append(
            {
                "id": did,
                "link_id": lid,
                "node_id": node,
                "kind": kind,
                "normally_passes": passes,
                "operable": True,
                **extra,
                "geometry": point,
            }
        )

    def out_of_service(self, lid: str) -> None:
        for node in dict.fromkeys(self.ends[lid]):
            self.add_device(
                f"{lid}-out-of-service-{node}", lid, node, "switch", False, pp_element="oos"
            )

    def branches(self) -> None:
        for table, col_a, col_b, kind, et in BRANCH_TABLES:
            frame = getattr(self.net, table, None)
            if frame is None or frame.empty:
                continue
            in_service = _in_service(frame)
            for index, row in frame.iterrows():
                a, b = int(row[col_a]), int(row[col_b])
                lid = link_id(table, index)
                line = self._branch_geometry(table, row, a, b)
                link_kind = kind
                if table == "line":
                    link_kind = "cable" if row.get("type") == "cs" else "line"
                extra = {"name": _text(row.get("name")), "pp_table": table, "pp_index": int(index)}
                if "length_km" in row:
                    extra["length_km"] = float(row["length_km"])
                self.add_link(lid, str(a), str(b), link_kind, line, **extra)
                if et is not None:
                    self.switchable[(et, int(index), a)] = lid
                    self.switchable[(et, int(index), b)] = lid
                if not in_service[index]:
                    self.out_of_service(lid)

    def _branch_geometry(self, table: str, row: pd.Series, a: int, b: int) -> LineString:
        geo = _parse_geo(row.get("geo")) if table == "line" and self.crs else None
        if isinstance(geo, LineString):
            return polyline(geo.coords)
        return polyline([self.points[a].coords[0], self.points[b].coords[0]])

    def trafo3ws(self) -> None:
        frame = self.net.trafo3w
        in_service = _in_service(frame)
        for index, row in frame.iterrows():
            centre = f"trafo3w-{index}"
            buses = [int(row[f"{side}_bus"]) for side in TRAFO3W_SIDES]
            middle = LineString([self.points[b].coords[0] for b in buses]).centroid
            for side, bus in zip(TRAFO3W_SIDES, buses, strict=True):
                lid = link_id("trafo3w", index, side)
                line = polyline([self.points[bus].coords[0], middle.coords[0]])
                extra = {"name": _text(row.get("name")), "pp_table": "trafo3w"}
                self.add_link(lid, str(bus), centre, "transformer", line, **extra)
                self.switchable[("t3", int(index), bus)] = lid
                if not in_service[index]:
                    self.out_of_service(lid)

    def switches(self) -> None:
        for index, sw in self.net.switch.iterrows():
            bus, element, et = int(sw["bus"]), int(sw["element"]), str(sw["et"])
            kind = "breaker" if sw.get("type") == "CB" else "switch"
            extra = {"name": _text(sw.get("name")), "pp_type": _text(sw.get("type"))}
            if et == "b":
                lid = coupler_link_id(index)
                line = polyline([self.points[bus].coords[0], self.points[element].coords[0]])
                self.add_link(
                    lid,
                    str(bus),
                    str(element),
                    "bus_coupler",
                    line,
                    pp_table="switch",
                    pp_index=int(index),
                )
            else:
                lid = self.switchable.get((et, element, bus))
                if lid is None:
                    raise ValueError(f"switch {index}: {et} element {element} not at bus {bus}")
            self.add_device(
                switch_device_id(index), lid, str(bus), kind, bool(sw["closed"]), **extra
            )

    def buses(self) -> list[dict[str, Any]]:
        loads = self.net.load[_in_service(self.net.load)]
        customers = loads.groupby("bus").size()
        load_mw = loads.groupby("bus")["p_mw"].sum()
        rows = []
        for bus, row in self.net.bus.iterrows():
            if not bool(row.get("in_service", True)):
                self.add_device(f"bus-{bus}-out-of-service", None, str(bus), "switch", False)
                continue
            rows.append(
                {
                    "id": str(bus),
                    "link_id": None,
                    "node_id": str(bus),
                    "address_id": None,
                    "customers": max(1, int(customers.get(bus, 0))),
                    "name": _text(row.get("name")),
                    "vn_kv": float(row["vn_kv"]),
                    "load_mw": float(load_mw.get(bus, 0.0)),
                    "geometry": self.points[int(bus)],
                }
            )
        return rows

    def sources(self) -> list[dict[str, Any]]:
        rows = []
        grids = self.net.ext_grid[_in_service(self.net.ext_grid)]
        gens = self.net.gen[_in_service(self.net.gen)]
        slack = gens["slack"] if "slack" in gens else pd.Series(False, index=gens.index)
        gens = gens[slack.fillna(False).astype(bool)]
        for table, frame in (("ext_grid", grids), ("gen", gens)):
            for index, row in frame.iterrows():
                bus = int(row["bus"])
                rows.append(
                    {
                        "id": f"{table}-{index}",
                        "node_id": str(bus),
                        "kind": table,
                        "name": _text(row.get("name")),
                        "geometry": self.points[bus],
                    }
                )
        return rows


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return str(value)


def pandapower_layers(net_or_path: pandapowerNet | Path | str) -> dict[str, gpd.GeoDataFrame]:
    """The interchange layers for a pandapower net (or a path to one)."""
    net = load_net(net_or_path)
    try:
        builder = _Builder(net)
        builder.branches()
        if not net.trafo3w.empty:
            builder.trafo3ws()
        builder.switches()
        service_points = builder.buses()
    except ConvertError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        # A net pandapower reads but whose tables contradict each other.
        raise ConvertError(f"the net cannot be converted: {one_line(exc)}") from None
    crs = builder.crs
    return {
        "links": layer("links", builder.links, crs),
        "devices": layer("devices", builder.devices, crs),
        "sources": layer("sources", builder.sources(), crs),
        "service_points": layer("service_points", service_points, crs),
    }


def convert_pandapower(net_or_path: pandapowerNet | Path | str, out_path: Path) -> dict[str, int]:
    """Convert a pandapower net (or .json file) to an interchange GeoPackage; counts per layer."""
    return write_layers(pandapower_layers(net_or_path), Path(out_path))
