"""Test data for the storage contract suite."""

from __future__ import annotations

from datetime import UTC, datetime

import geopandas as gpd
import pytest
from shapely import LineString, Point

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def network_layers(prefix: str = "", crs: str | None = "EPSG:3067") -> dict[str, gpd.GeoDataFrame]:
    """A small network in ETRS-TM35FIN with extra columns the interchange doesn't know."""
    x0, y0 = 385_000.123456789, 6_672_000.987654321  # full double precision on purpose
    links = gpd.GeoDataFrame(
        {
            "id": [f"{prefix}L1", f"{prefix}L2", f"{prefix}L3"],
            "from_node": ["N1", "N2", "N2"],
            "to_node": ["N2", "N3", "N4"],
            "kind": ["pipe", "pipe", "pipe"],
            "diameter_mm": [200, 110, 63],
            "material": ["cast iron", "PE", None],
            "installed": [1968.0, 2004.5, float("nan")],
        },
        geometry=[
            LineString([(x0, y0), (x0 + 100.5, y0)]),
            LineString([(x0 + 100.5, y0), (x0 + 180.25, y0 + 60.125), (x0 + 250, y0 + 60)]),
            LineString([(x0 + 100.5, y0, 12.5), (x0 + 100.5, y0 - 80, 11.0)]),  # with Z
        ],
        crs=crs,
    )
    devices = gpd.GeoDataFrame(
        {
            "id": [f"{prefix}V1", f"{prefix}V2"],
            "link_id": ["L1", "L2"],
            "node_id": ["N2", None],
            "kind": ["valve", "valve"],
            "normally_passes": [True, False],
            "operable": [True, None],  # missing -> default True
            "valve_type": ["gate", "butterfly"],
        },
        geometry=[Point(x0 + 95, y0), Point(x0 + 110, y0 + 5)],
        crs=crs,
    )
    sources = gpd.GeoDataFrame(
        {"id": [f"{prefix}S1"], "node_id": ["N1"]}, geometry=[Point(x0, y0)], crs=crs
    )
    service_points = gpd.GeoDataFrame(
        {
            "id": [f"{prefix}SP1", f"{prefix}SP2"],
            "link_id": ["L2", "L3"],
            "address_id": ["A1", "A2"],
            "customers": [3, None],  # missing -> default 1
        },
        geometry=[Point(x0 + 200, y0 + 70), Point(x0 + 110, y0 - 60)],
        crs=crs,
    )
    return {
        "links": links,
        "devices": devices,
        "sources": sources,
        "service_points": service_points,
    }


def helsinki_addresses() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "id": ["A1", "A2", "A3", "A4", "A5"],
            "street": [
                "Mannerheimintie",
                "Mannerheimintie",
                "Aleksanterinkatu",
                "Äijälänkatu",
                "Mannerheimintie",
            ],
            "house_number": ["2", "10", "1", "7 B", "10a"],
            "postal_code": ["00100", "00100", "00100", "00530", "00100"],
            "municipality": ["Helsinki"] * 5,
        },
        geometry=[
            Point(24.9410, 60.1690),
            Point(24.9385, 60.1700),
            Point(24.9500, 60.1685),
            Point(24.9600, 60.1850),
            Point(24.9384, 60.1701),
        ],
        crs="EPSG:4326",
    )


@pytest.fixture
def layers() -> dict[str, gpd.GeoDataFrame]:
    return network_layers()
