"""Small hand-made networks whose answers can be worked out on paper."""

from __future__ import annotations

import geopandas as gpd
from shapely.geometry import LineString, Point

CRS = "EPSG:3067"


def layers(
    nodes: dict[str, tuple[float, float]],
    links: dict[str, tuple[str, str]],
    devices: dict[str, dict] | None = None,
    sources: dict[str, str] | None = None,
    service_points: dict[str, dict] | None = None,
    with_node_ids: bool = True,
) -> dict[str, gpd.GeoDataFrame]:
    """Interchange layers; devices sit at the point of their node (or link middle)."""
    link_rows = []
    for lid, (a, b) in links.items():
        row = {"id": lid, "kind": "pipe", "geometry": LineString([nodes[a], nodes[b]])}
        if with_node_ids:
            row |= {"from_node": a, "to_node": b}
        link_rows.append(row)
    out = {"links": gpd.GeoDataFrame(link_rows, crs=CRS)}
    geoms = {lid: r["geometry"] for lid, r in zip(links, link_rows, strict=True)}

    def point_of(spec: dict) -> Point:
        if spec.get("node_id"):
            return Point(nodes[spec["node_id"]])
        return geoms[spec["link_id"]].interpolate(0.5, normalized=True)

    if devices:
        rows = [
            {"id": did, "kind": "valve", "link_id": None, "node_id": None,
             "normally_passes": True, "operable": True} | spec | {"geometry": point_of(spec)}
            for did, spec in devices.items()
        ]
        out["devices"] = gpd.GeoDataFrame(rows, crs=CRS)
    if sources:
        rows = [{"id": s, "node_id": n, "geometry": Point(nodes[n])} for s, n in sources.items()]
        out["sources"] = gpd.GeoDataFrame(rows, crs=CRS)
    if service_points:
        rows = [
            {"id": sid, "link_id": None, "node_id": None, "address_id": None, "customers": 1}
            | spec | {"geometry": point_of(spec)}
            for sid, spec in service_points.items()
        ]
        out["service_points"] = gpd.GeoDataFrame(rows, crs=CRS)
    return out


def small_water() -> dict[str, gpd.GeoDataFrame]:
    r"""
    n0(source) -L1- n1 -L2- n2 -L3- n3
                    |
                    L4
                    |
                    n4 -L5- n5 -L6- n6

    Valves: V1 L2@n1, V2 L2@n2, V3 L4@n1, V4 L5@n4 (inoperable), V5 L5@n5,
    V6 L3@n3 normally not passing (a closed zone valve; nothing lies beyond it).
    """
    nodes = {"n0": (0, 0), "n1": (100, 0), "n2": (200, 0), "n3": (300, 0),
             "n4": (100, -100), "n5": (200, -100), "n6": (300, -100)}
    links = {"L1": ("n0", "n1"), "L2": ("n1", "n2"), "L3": ("n2", "n3"),
             "L4": ("n1", "n4"), "L5": ("n4", "n5"), "L6": ("n5", "n6")}
    devices = {
        "V1": {"link_id": "L2", "node_id": "n1"},
        "V2": {"link_id": "L2", "node_id": "n2"},
        "V3": {"link_id": "L4", "node_id": "n1"},
        "V4": {"link_id": "L5", "node_id": "n4", "operable": False},
        "V5": {"link_id": "L5", "node_id": "n5"},
        "V6": {"link_id": "L3", "node_id": "n3", "normally_passes": False},
    }
    sps = {
        "SP1": {"link_id": "L1", "address_id": "A1", "customers": 3},
        "SP2": {"link_id": "L3", "address_id": "A2", "customers": 2},
        "SP3": {"link_id": "L6", "address_id": "A3"},
        "SP4": {"node_id": "n2", "address_id": "A2"},
    }
    return layers(nodes, links, devices, {"S1": "n0"}, sps)


def two_ties() -> dict[str, gpd.GeoDataFrame]:
    r"""
    S1 n0 -L1- n1 -L2- n2 -L3- n3 -L5- n5 S2     a break on L2: V1, V3 and V4 isolate it;
                       |                         T3 feeds L3 back from S2 (a hospital, 1
                       L4                        customer), T4 feeds L4 back from S3 (5
                       |                         customers).
                       n4 -L6- n6 S3
    """
    nodes = {"n0": (0, 0), "n1": (100, 0), "n2": (200, 0), "n3": (300, 0), "n5": (400, 0),
             "n4": (200, -100), "n6": (300, -100)}
    links = {"L1": ("n0", "n1"), "L2": ("n1", "n2"), "L3": ("n2", "n3"), "L4": ("n2", "n4"),
             "L5": ("n3", "n5"), "L6": ("n4", "n6")}
    devices = {
        "V1": {"link_id": "L2", "node_id": "n1"},
        "V3": {"link_id": "L3", "node_id": "n2"},
        "V4": {"link_id": "L4", "node_id": "n2"},
        "T3": {"link_id": "L5", "node_id": "n3", "normally_passes": False},
        "T4": {"link_id": "L6", "node_id": "n4", "normally_passes": False},
    }
    sps = {
        "SP1": {"link_id": "L1", "address_id": "A1", "customers": 2},
        "SP3": {"link_id": "L3", "address_id": "A3", "critical": "hospital"},
        "SP4": {"link_id": "L4", "address_id": "A4", "customers": 5},
    }
    return layers(nodes, links, devices, {"S1": "n0", "S2": "n5", "S3": "n6"}, sps)
