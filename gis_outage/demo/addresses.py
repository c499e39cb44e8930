"""Postal addresses from the OSM address objects, with a customer estimate per address."""

from __future__ import annotations

import math
import re

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree
from shapely.geometry import Point

MUNICIPALITY = "Helsinki"
_OSM_TYPE_LETTER = {"node": "n", "way": "w", "relation": "r"}
# Area postal codes end in 0 (00100, 00120, ...); the others in the extract are
# PO-box or single-organisation codes (00014, 00101) that a resident would not pick.
_AREA_POSTCODE = re.compile(r"^\d{4}0$")
_LETTER_SUFFIX = re.compile(r"^(\d+)\s*([A-Za-z])$")
# Buildings where the flat count is worth estimating from the number of floors.
_RESIDENTIAL = frozenset({"apartments", "residential", "yes", "house", "terrace"})
FLATS_PER_LEVEL = 3  # a typical Helsinki stairwell has 2-4 flats per floor


def build_addresses(
    objects: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Return the `addresses` layer and, on the same index, per-address facts used to
    size connections: customers, levels, building."""
    objects = objects.assign(house_number=objects["housenumber"].map(_clean_house_number))
    # 'Pohjoisesplanadi 33' / 'Keskuskatu 5' style corner addresses split in the wrong
    # place; the proper objects for both addresses exist, so drop the broken ones.
    broken = objects["street"].str.contains(r"\d") | ~objects["house_number"].str.match(r"\d")
    objects = objects[~broken]
    # Shops and offices in one building each carry the building's address; a postal
    # address is one street + house number.
    rows = []
    for (street, number), group in objects.groupby(["street", "house_number"], sort=True):
        first = group.sort_values(["osm_type", "osm_id"]).iloc[0]
        codes = [c for c in group["postcode"] if isinstance(c, str) and _AREA_POSTCODE.match(c)]
        rows.append(
            {
                "id": f"A-{_OSM_TYPE_LETTER[first['osm_type']]}{first['osm_id']}",
                "street": street,
                "house_number": number,
                "postal_code": pd.Series(codes).mode().iloc[0] if codes else None,
                "municipality": MUNICIPALITY,
                "objects": len(group),
                "geometry": Point(group.geometry.x.mean(), group.geometry.y.mean()),
            }
        )
    addresses = gpd.GeoDataFrame(rows, geometry="geometry", crs=objects.crs)
    addresses = addresses.sort_values("id").reset_index(drop=True)
    _fill_postal_codes(addresses)
    facts = _building_facts(addresses, buildings)
    columns = ["id", "street", "house_number", "postal_code", "municipality", "geometry"]
    return addresses[columns], facts


def swedish_street_names(addresses: gpd.GeoDataFrame, streets: gpd.GeoDataFrame) -> pd.Series:
    """Each address's street in Swedish, from the street ways' `name:sv` (Helsinki is
    bilingual: every street has both names); None where OSM has none."""
    named = streets[streets["name"].notna() & streets["name_sv"].notna()]
    # The most common Swedish name of each Finnish name, should mappers disagree.
    pairs = named.groupby(["name", "name_sv"]).size().reset_index(name="n")
    best = pairs.sort_values(["name", "n", "name_sv"], ascending=[True, False, True])
    swedish = best.drop_duplicates("name").set_index("name")["name_sv"]
    return addresses["street"].map(swedish).astype(object).where(
        addresses["street"].isin(swedish.index), None
    )


def _clean_house_number(raw: str) -> str:
    """'13 A, 5. krs./Floor 5' -> '13a'; mappers write one house letter as '3a', '3A'
    or '3 A', which would otherwise become three addresses."""
    number = " ".join(str(raw).split(",")[0].split())
    letter = _LETTER_SUFFIX.match(number)
    return f"{letter[1]}{letter[2].lower()}" if letter else number


def _fill_postal_codes(addresses: gpd.GeoDataFrame) -> None:
    """Addresses without an area postal code take the nearest address's."""
    known = addresses["postal_code"].notna().to_numpy()
    xy = np.column_stack([addresses.geometry.x, addresses.geometry.y])
    _, nearest = cKDTree(xy[known]).query(xy[~known])
    codes = addresses.loc[known, "postal_code"].to_numpy()
    addresses.loc[~known, "postal_code"] = codes[np.atleast_1d(nearest)]


def _building_facts(addresses: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame) -> pd.DataFrame:
    """Customers per address: a building's flats (building:flats, else floors x
    FLATS_PER_LEVEL) shared among its addresses, at least one per OSM object at the
    address (each shop or office is a customer), at least 1."""
    hits = gpd.sjoin_nearest(
        addresses[["geometry"]], buildings, how="left", max_distance=5.0, distance_col="d"
    )
    # Equidistant buildings give several rows; keep the lowest OSM id for stability.
    hits = hits.sort_values(["d", "osm_id"]).groupby(level=0).head(1).sort_index()
    per_building = hits.groupby("osm_id").size()
    facts = pd.DataFrame(index=addresses.index)
    facts["building"] = hits["building"]
    facts["levels"] = hits["levels"]
    customers = []
    for i, hit in hits.iterrows():
        share = 0
        if pd.notna(hit["osm_id"]):
            flats = _flats(hit["building"], hit["flats"], hit["levels"])
            share = math.ceil(flats / per_building[hit["osm_id"]])
        customers.append(max(1, share, int(addresses.at[i, "objects"])))
    facts["customers"] = customers
    return facts


def _flats(building: object, flats: float, levels: float) -> float:
    if pd.notna(flats):
        return flats
    if building in _RESIDENTIAL and pd.notna(levels):
        return levels * FLATS_PER_LEVEL
    return 0
