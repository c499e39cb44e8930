"""Shared pieces of the demo network builders: layer frames, device placement, service
connections, seeded random streams and reproducible GeoPackage writing."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
from shapely import STRtree
from shapely.geometry import LineString, Point

DEVICE_COLUMNS = ["id", "link_id", "node_id", "kind", "normally_passes", "operable"]
# GeoPackages record a "last change" timestamp; pinning it makes the files of two runs
# with the same seed byte-identical.
FIXED_GPKG_DATE = "2024-01-01T00:00:00Z"


@dataclass(frozen=True)
class NetworkLayers:
    links: gpd.GeoDataFrame
    devices: gpd.GeoDataFrame
    sources: gpd.GeoDataFrame
    service_points: gpd.GeoDataFrame


def rng_stream(seed: int, name: str) -> np.random.Generator:
    """One generator per purpose, so changing one builder leaves the others' output alone."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def point_near_end(line: LineString, at_start: bool, offset_m: float = 2.0) -> Point:
    """Where a device at one end of a link is drawn: a little way in from that end, so
    QGIS shows which link it sits on and `link_id` alone would still resolve the end."""
    d = min(offset_m, line.length / 3)
    return line.interpolate(d if at_start else line.length - d)


def device(
    id_: str,
    link_id: str | None,
    node_id: str | None,
    kind: str,
    geometry: Point,
    *,
    normally_passes: bool = True,
    operable: bool = True,
    **extra: object,
) -> dict[str, object]:
    return {
        "id": id_,
        "link_id": link_id,
        "node_id": node_id,
        "kind": kind,
        "normally_passes": normally_passes,
        "operable": operable,
        **extra,
        "geometry": geometry,
    }


def frame(rows: list[dict[str, object]], crs: object, columns: list[str]) -> gpd.GeoDataFrame:
    """A layer frame with a fixed column order even when `rows` is empty."""
    if not rows:
        return gpd.GeoDataFrame(columns=[*columns, "geometry"], geometry="geometry", crs=crs)
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)
    rest = [c for c in out.columns if c not in columns and c != "geometry"]
    return out[[*columns, *rest, "geometry"]]


def nearest_rows(points: gpd.GeoSeries, lines: gpd.GeoSeries) -> np.ndarray:
    """Positional index into `lines` of the line nearest each point (lowest index on a tie)."""
    tree = STRtree(lines.to_numpy())
    pairs = tree.query_nearest(points.to_numpy(), all_matches=True)
    nearest = pd.DataFrame({"point": pairs[0], "line": pairs[1]})
    return nearest.groupby("point")["line"].min().reindex(range(len(points))).to_numpy()


def connect_service_points(
    addresses: gpd.GeoDataFrame,
    customers: pd.Series,
    links: gpd.GeoDataFrame,
    prefix: str,
) -> gpd.GeoDataFrame:
    """One service point per address at the building, on the nearest link."""
    nearest = nearest_rows(addresses.geometry, links.geometry)
    return gpd.GeoDataFrame(
        {
            "id": [f"{prefix}SP-{a}" for a in addresses["id"]],
            "link_id": links["id"].to_numpy()[nearest],
            "address_id": addresses["id"].to_numpy(),
            "customers": customers.to_numpy().astype("int32"),
        },
        geometry=addresses.geometry.to_numpy(),
        crs=addresses.crs,
    )


@contextmanager
def _fixed_gpkg_date() -> Iterator[None]:
    previous = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": FIXED_GPKG_DATE})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": previous})


def write_gpkg(path: Path, layers: dict[str, gpd.GeoDataFrame]) -> None:
    """Write the layers into a fresh GeoPackage (any old file is replaced)."""
    path.unlink(missing_ok=True)
    with _fixed_gpkg_date():
        for name, layer in layers.items():
            layer.to_file(path, layer=name, driver="GPKG", engine="pyogrio")
