"""Build and write the interchange GeoPackage layers (see DESIGN.md, "Network interchange").

The converters assemble plain row dicts and hand them to :func:`layer`, which gives every
layer its required columns in a fixed order and a fixed geometry type, so that empty layers
are still written with the right schema.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
from shapely.geometry import LineString, Point


class ConvertError(ValueError):
    """The model cannot be converted; the message says why, on one line."""


def one_line(exc: BaseException, limit: int = 200) -> str:
    """A reader's error as one printable line (they raise anything, with any text)."""
    printable = "".join(c if c.isprintable() else " " for c in str(exc))
    return " ".join(printable.split())[:limit] or type(exc).__name__


# layer name -> (geometry type, required columns in order)
SCHEMA: dict[str, tuple[str, tuple[str, ...]]] = {
    "links": ("LineString", ("id", "from_node", "to_node", "kind")),
    "devices": ("Point", ("id", "link_id", "node_id", "kind", "normally_passes", "operable")),
    "sources": ("Point", ("id", "node_id")),
    "service_points": ("Point", ("id", "link_id", "node_id", "address_id", "customers")),
    "addresses": ("Point", ("id", "street", "house_number", "postal_code", "municipality")),
}
LAYER_ORDER: tuple[str, ...] = tuple(SCHEMA)
BOOL_COLUMNS = frozenset({"normally_passes", "operable"})
INT_COLUMNS = frozenset({"customers"})


def layer(name: str, rows: Sequence[Mapping[str, Any]], crs: Any = None) -> gpd.GeoDataFrame:
    """A GeoDataFrame for layer ``name`` from row dicts that each carry a ``geometry``."""
    geometry_type, required = SCHEMA[name]
    frame = pd.DataFrame(list(rows))
    for column in required:
        if column not in frame:
            frame[column] = pd.Series([None] * len(frame), dtype=object)
    if "geometry" not in frame:
        frame["geometry"] = pd.Series([], dtype=object)
    extras = [c for c in frame.columns if c not in required and c != "geometry"]
    frame = frame[[*required, *extras, "geometry"]]
    for column in required:
        if column in BOOL_COLUMNS:
            frame[column] = frame[column].astype(bool)
        elif column in INT_COLUMNS:
            frame[column] = frame[column].astype("int64")
        else:
            frame[column] = frame[column].astype(object)
    gdf = gpd.GeoDataFrame(frame, geometry="geometry", crs=crs)
    gdf.attrs["geometry_type"] = geometry_type
    return gdf


def polyline(coords: Iterable[tuple[float, float]]) -> LineString:
    """A LineString through ``coords``; a link whose ends coincide (a pump or transformer
    drawn at one point) stays zero-length, its node ids say what it joins."""
    points = [(float(x), float(y)) for x, y in coords]
    deduped = [p for i, p in enumerate(points) if i == 0 or p != points[i - 1]]
    if len(deduped) < 2:
        deduped = [points[0], points[0]]
    return LineString(deduped)


def point_near_end(line: LineString, at_start: bool, fraction: float = 0.05) -> Point:
    """A point on ``line`` a small fraction of its length from one end (where a device sits)."""
    distance = fraction if at_start else 1.0 - fraction
    return line.interpolate(distance, normalized=True)


def write_layers(layers: Mapping[str, gpd.GeoDataFrame], out_path: Path) -> dict[str, int]:
    """Write ``layers`` to a new GeoPackage at ``out_path``; returns the feature count per layer."""
    out_path = Path(out_path)
    unknown = set(layers) - set(SCHEMA)
    if unknown:
        raise ValueError(f"unknown layer(s): {', '.join(sorted(unknown))}")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.unlink(missing_ok=True)
    counts: dict[str, int] = {}
    for name in LAYER_ORDER:
        if name not in layers:
            continue
        gdf = layers[name]
        with warnings.catch_warnings():
            # EPANET models have no CRS: an undefined CRS is written on purpose.
            warnings.filterwarnings("ignore", message="'crs' was not provided")
            pyogrio.write_dataframe(
                gdf,
                out_path,
                layer=name,
                driver="GPKG",
                geometry_type=SCHEMA[name][0],
                promote_to_multi=False,
                # GeoPackage 1.2: GDAL 3.6 (Debian 12) and QGIS 3.22 open it without warnings.
                dataset_options={"VERSION": "1.2"},
            )
        counts[name] = len(gdf)
    return counts
