"""EPANET model (.inp, read with WNTR) -> interchange GeoPackage layers.

- Junctions, tanks and reservoirs are the nodes; pipes, pumps and EPANET control valves are
  the links (``kind`` pipe/pump/valve), drawn from their nodes' coordinates and vertices.
- Reservoirs and tanks are the sources.
- A service point per junction with a base demand above zero (one customer, no address).
- EPANET files hold no isolation valves, so a valve layer is generated with
  :func:`wntr.network.generate_valve_layer` (or read from a CSV with ``link,node``
  columns). A valve on link L at node N follows WNTR's convention, which is also ours:
  closing it separates N from L.
- A pipe whose initial status is Closed gets a normally closed valve at its start node
  (``normally_passes`` false). Pumps and control valves closed at time zero are switched by
  controls during the simulation, so they are kept passing.

EPANET coordinates are in no declared CRS: the layers are written without one, or in the
CRS given (``--crs``). A model without coordinates is refused unless a schematic layout is
asked for. Units are in the column names: ``length_m``, ``diameter_mm``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString, Point

from gis_outage.convert.gpkg import (  # noqa: F401 (ConvertError is this module's error too)
    ConvertError,
    layer,
    one_line,
    point_near_end,
    polyline,
    write_layers,
)

if TYPE_CHECKING:
    from wntr.network import WaterNetworkModel

VALVE_PLACEMENTS = ("strategic", "random", "none")


def _wntr() -> Any:
    try:
        import wntr
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ImportError(
            "converting EPANET models needs WNTR: pip install 'gis-outage[convert]'"
        ) from exc
    return wntr


def load_model(inp_path: Path) -> WaterNetworkModel:
    """Read an EPANET .inp file; ConvertError when it is missing, broken or empty."""
    wntr = _wntr()
    inp_path = Path(inp_path)
    if not inp_path.is_file():
        raise ConvertError(f"{inp_path}: file not found")
    try:
        wn = wntr.network.WaterNetworkModel(str(inp_path))
    except Exception as exc:  # WNTR raises anything from SyntaxError to AttributeError
        raise ConvertError(f"{inp_path}: not a readable EPANET model (broken or truncated?): "
                           f"{one_line(exc)}") from None
    if wn.num_links == 0:
        raise ConvertError(f"{inp_path}: the model has no pipes, pumps or valves")
    return wn


def has_coordinates(wn: WaterNetworkModel) -> bool:
    """False when the model's nodes were given no [COORDINATES] (WNTR puts them all at 0,0)."""
    points = {tuple(node.coordinates) for _, node in wn.nodes()}
    return len(points) > 1


def schematic_layout(wn: WaterNetworkModel) -> None:
    """Place the nodes by a spring layout of the network graph (a schematic, no CRS)."""
    import networkx as nx

    graph = nx.Graph(wn.to_graph().to_undirected())
    for name, (x, y) in nx.spring_layout(graph, seed=0, scale=1000.0).items():
        wn.get_node(name).coordinates = (float(x), float(y))
    for _, link in wn.links():
        link.vertices = []


def make_valve_layer(
    wn: WaterNetworkModel, valves: str = "strategic", valves_per_node: int = 2, seed: int = 0
) -> pd.DataFrame:
    """Isolation valves as a WNTR valve layer (columns ``link``, ``node``).

    ``valves`` is ``strategic`` or ``random`` (WNTR's ``generate_valve_layer`` with
    ``n=valves_per_node``: for ``strategic`` the number of links at each node left without
    a valve, the "N-n" rule; for ``random`` the total number of valves), ``none``, or the
    path of a CSV file with ``link`` and ``node`` columns.
    """
    if valves == "none":
        return pd.DataFrame({"link": pd.Series(dtype=object), "node": pd.Series(dtype=object)})
    if valves in ("strategic", "random"):
        return _wntr().network.generate_valve_layer(wn, valves, valves_per_node, seed)
    path = Path(valves)
    if not path.is_file():
        raise ValueError(f"valves must be one of {VALVE_PLACEMENTS} or a CSV file, got {valves!r}")
    table = pd.read_csv(path, dtype=str)
    missing = {"link", "node"} - set(table.columns)
    if missing:
        raise ValueError(f"{path}: valve CSV lacks column(s) {', '.join(sorted(missing))}")
    return table[["link", "node"]].reset_index(drop=True)


def valve_device_id(index: Any) -> str:
    """Device id of the isolation valve in row ``index`` of the valve layer."""
    return f"valve-{index}"


def closed_link_device_id(link_name: str) -> str:
    """Device id of the normally closed valve standing for a Closed pipe."""
    return f"closed-{link_name}"


def _link_kind(link: Any) -> str:
    link_type = link.link_type
    return {"Pipe": "pipe", "Pump": "pump", "Valve": "valve"}[link_type]


def _epanet_type(link: Any, kind: str) -> str:
    if kind == "pump":
        return f"{link.pump_type} pump"
    if kind == "valve":
        return str(link.valve_type)
    return "CV pipe" if link.check_valve else "pipe"


def _link_rows(wn: WaterNetworkModel) -> tuple[list[dict[str, Any]], dict[str, LineString]]:
    rows: list[dict[str, Any]] = []
    geometries: dict[str, LineString] = {}
    for name, link in wn.links():
        start, end = link.start_node, link.end_node
        line = polyline([start.coordinates, *(link.vertices or []), end.coordinates])
        geometries[name] = line
        kind = _link_kind(link)
        rows.append(
            {
                "id": name,
                "from_node": link.start_node_name,
                "to_node": link.end_node_name,
                "kind": kind,
                "epanet_type": _epanet_type(link, kind),
                "length_m": float(link.length) if kind == "pipe" else None,
                "diameter_mm": float(link.diameter) * 1000 if kind in ("pipe", "valve") else None,
                "roughness": float(link.roughness) if kind == "pipe" else None,
                "initial_status": link.initial_status.name,
                "geometry": line,
            }
        )
    return rows, geometries


def _device_rows(
    wn: WaterNetworkModel, valve_layer: pd.DataFrame, geometries: dict[str, LineString]
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []

    def device(device_id: str, link_name: str, node_name: str, passes: bool) -> dict[str, Any]:
        link = wn.get_link(link_name)
        if node_name not in (link.start_node_name, link.end_node_name):
            raise ValueError(f"valve {device_id}: node {node_name} is not an end of {link_name}")
        at_start = node_name == link.start_node_name
        return {
            "id": device_id,
            "link_id": link_name,
            "node_id": node_name,
            "kind": "valve",
            "normally_passes": passes,
            "operable": True,
            "geometry": point_near_end(geometries[link_name], at_start),
        }

    for index, valve in valve_layer.iterrows():
        rows.append(device(valve_device_id(index), str(valve["link"]), str(valve["node"]), True))
    closed = _wntr().network.LinkStatus.Closed
    for name, pipe in wn.pipes():
        if pipe.initial_status == closed:
            rows.append(device(closed_link_device_id(name), name, pipe.start_node_name, False))
    return rows


def _source_rows(wn: WaterNetworkModel) -> list[dict[str, Any]]:
    nodes = [(n, "reservoir", node) for n, node in wn.reservoirs()]
    nodes += [(n, "tank", node) for n, node in wn.tanks()]
    return [
        {"id": name, "node_id": name, "kind": kind, "geometry": Point(node.coordinates)}
        for name, kind, node in nodes
    ]


def _service_point_rows(wn: WaterNetworkModel) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for name, junction in wn.junctions():
        base_demand = sum(d.base_value for d in junction.demand_timeseries_list)
        if base_demand > 0:
            rows.append(
                {
                    "id": name,
                    "link_id": None,
                    "node_id": name,
                    "address_id": None,
                    "customers": 1,
                    "base_demand": float(base_demand),
                    "geometry": Point(junction.coordinates),
                }
            )
    return rows


def epanet_layers(
    wn: WaterNetworkModel, valve_layer: pd.DataFrame | None = None, crs: Any = None
) -> dict[str, gpd.GeoDataFrame]:
    """The interchange layers for a WNTR model and a valve layer (``link``, ``node`` rows)."""
    if valve_layer is None:
        valve_layer = make_valve_layer(wn, "none")
    link_rows, geometries = _link_rows(wn)
    return {
        "links": layer("links", link_rows, crs),
        "devices": layer("devices", _device_rows(wn, valve_layer, geometries), crs),
        "sources": layer("sources", _source_rows(wn), crs),
        "service_points": layer("service_points", _service_point_rows(wn), crs),
    }


def convert_epanet(
    inp_path: Path,
    out_path: Path,
    *,
    valves: str = "strategic",
    valves_per_node: int = 2,
    seed: int = 0,
    crs: str | None = None,
    allow_no_coordinates: bool = False,
) -> dict[str, int]:
    """Convert an EPANET .inp file to an interchange GeoPackage; returns counts per layer.

    `crs` is the CRS the model's coordinates are in (EPANET files name none). A model
    without coordinates is refused unless `allow_no_coordinates`: then it is laid out
    schematically, without a CRS.
    """
    chosen = _crs(crs)
    wn = load_model(inp_path)
    if not has_coordinates(wn):
        if not allow_no_coordinates:
            raise ConvertError(f"{inp_path}: the model has no [COORDINATES]; pass "
                               "--allow-no-coordinates for a schematic layout without a CRS")
        if chosen is not None:
            raise ConvertError(f"{inp_path}: the model has no [COORDINATES] to place in {crs}")
        schematic_layout(wn)
    try:
        valve_layer = make_valve_layer(wn, valves, valves_per_node, seed)
    except (ValueError, KeyError) as exc:
        raise ConvertError(str(exc)) from None
    return write_layers(epanet_layers(wn, valve_layer, chosen), Path(out_path))


def _crs(crs: str | None) -> Any:
    if crs is None:
        return None
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        return CRS.from_user_input(crs)
    except CRSError:
        raise ConvertError(f"--crs {crs!r} is not a CRS pyproj knows (try EPSG:3067)") from None
