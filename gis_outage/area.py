"""The public face of an outage: a generalised area and the street names.

The area is built from grid cells rather than buffers around points, so that
it never outlines one exact house and never follows the network's geometry
(critical infrastructure). Cells are aligned to a fixed grid in a metric CRS.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from .network import Network
from .trace import TraceEngine, TraceResult

WGS84 = "EPSG:4326"


@dataclass(frozen=True)
class PublicArea:
    polygon: BaseGeometry | None  # WGS84; None when the network has no real CRS
    streets: list[str]
    municipalities: list[str]

    def description(self) -> str:
        return ", ".join(self.streets)


def public_area(
    points: gpd.GeoSeries, addresses: pd.DataFrame | None, cell_m: float = 150.0
) -> PublicArea:
    """Grid cells holding the affected points, merged, smoothed, in WGS84."""
    streets = _unique(addresses, "street")
    municipalities = _unique(addresses, "municipality")
    points = points[~points.is_empty & points.notna()]
    if points.empty or points.crs is None:
        return PublicArea(None, streets, municipalities)
    metric = _metric(points)
    xy = shapely.get_coordinates(metric.to_numpy())
    cells = np.unique(np.floor(xy / cell_m).astype(np.int64), axis=0)
    boxes = shapely.box(
        cells[:, 0] * cell_m, cells[:, 1] * cell_m,
        (cells[:, 0] + 1) * cell_m, (cells[:, 1] + 1) * cell_m,
    )
    # Close small gaps between nearby cells, then drop the staircase edges.
    merged = shapely.union_all(boxes).buffer(cell_m / 2, join_style="round").buffer(-cell_m / 4)
    merged = merged.simplify(cell_m / 4)
    area = gpd.GeoSeries([merged], crs=metric.crs).to_crs(WGS84).iloc[0]
    return PublicArea(area, streets, municipalities)


def area_of_trace(
    engine: TraceEngine,
    result: TraceResult,
    addresses: pd.DataFrame | None = None,
    cell_m: float = 150.0,
) -> PublicArea:
    """The public area of a trace; `addresses` (the affected ones) give the street names."""
    if not len(engine.sp_ids):
        return PublicArea(None, _unique(addresses, "street"), _unique(addresses, "municipality"))
    sps = [engine.sp_ids.index(s) for s in result.affected_service_points]
    return public_area(engine.sp_points(np.asarray([s for s in sps if s >= 0])), addresses, cell_m)


def _metric(points: gpd.GeoSeries) -> gpd.GeoSeries:
    crs = CRS.from_user_input(points.crs)
    if crs.is_projected and crs.axis_info[0].unit_name in ("metre", "meter"):
        return points
    return points.to_crs(points.estimate_utm_crs())


def _unique(frame: pd.DataFrame | None, column: str) -> list[str]:
    if frame is None or column not in frame.columns:
        return []
    values = frame[column].dropna().astype(str).str.strip()
    return sorted(set(values[values != ""]))


def polygon_trace(net: Network, polygon: BaseGeometry) -> TraceResult:
    """An area outage where topology is missing: what lies inside a drawn polygon (WGS84)."""
    if net.crs is None:
        raise ValueError("the network has no coordinate reference system to place a polygon in")
    if polygon.is_empty or not polygon.is_valid or polygon.geom_type not in (
        "Polygon", "MultiPolygon"
    ):
        raise ValueError("the area must be a valid Polygon or MultiPolygon")
    area = gpd.GeoSeries([polygon], crs=WGS84).to_crs(net.crs).iloc[0]
    links = net.layers["links"]
    hit_links = links["id"][links.intersects(area)]
    sps = net.layers.get("service_points")
    if sps is None or sps.empty:
        inside = sps if sps is not None else gpd.GeoDataFrame({"id": []})
    else:
        inside = sps[sps.within(area)]
    addresses = inside["address_id"].dropna() if "address_id" in inside else []
    customers = inside["customers"].fillna(1).astype(int).sum() if "customers" in inside else 0
    return TraceResult(
        devices_to_operate=[],
        isolated_links=[],
        affected_links=sorted(hit_links.astype(str)),
        affected_service_points=sorted(inside["id"].astype(str)),
        affected_addresses=sorted(set(map(str, addresses))),
        customers=int(customers if "customers" in inside else len(inside)),
    )
